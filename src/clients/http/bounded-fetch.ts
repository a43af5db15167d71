/**
 * fetch with the bounds every forge call needs: an answer (status and headers) within
 * `headersTimeoutMs`, then no silence longer than `idleTimeoutMs` while the body arrives, and at
 * most `maxBytes` of body. The body is read here, so a server that stalls or floods fails this
 * call (with a message naming the host) instead of the job; the caller's retries stay bounded.
 */
export interface FetchBounds {
  headersTimeoutMs: number;
  idleTimeoutMs: number;
  maxBytes: number;
}

const DEFAULT_FETCH_BOUNDS: FetchBounds = {
  headersTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  maxBytes: 16 * 1024 * 1024,
};

/** A bound that tripped: the message says which, and the host. */
export class FetchBoundError extends Error {
  override readonly name = 'FetchBoundError';
}

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * The requests in flight under each caller's signal, and the one abort listener that ends them
 * all. One listener a request would put dozens on the signal an HTTP probe or a replay shares
 * between its concurrent requests, and Node warns of a listener leak on the user's terminal.
 */
const followers = new WeakMap<
  AbortSignal,
  { controllers: Set<AbortController>; onAbort: () => void }
>();

/** Aborts `controller` when `outer` aborts; the returned function stops following. */
function follow(outer: AbortSignal, controller: AbortController): () => void {
  if (outer.aborted) {
    controller.abort(outer.reason);
    return () => undefined;
  }
  let entry = followers.get(outer);
  if (!entry) {
    const controllers = new Set<AbortController>();
    const onAbort = () => {
      followers.delete(outer);
      for (const follower of controllers) follower.abort(outer.reason);
    };
    entry = { controllers, onAbort };
    followers.set(outer, entry);
    outer.addEventListener('abort', onAbort, { once: true });
  }
  const { controllers, onAbort } = entry;
  controllers.add(controller);
  return () => {
    controllers.delete(controller);
    if (controllers.size === 0 && followers.get(outer) === entry) {
      followers.delete(outer);
      outer.removeEventListener('abort', onAbort);
    }
  };
}

export function boundedFetch(
  fetchImpl: typeof fetch,
  bounds: Partial<FetchBounds> = {},
): typeof fetch {
  const limits = { ...DEFAULT_FETCH_BOUNDS, ...bounds };
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const host = hostOf(url);
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let tripped: string | undefined;
    const arm = (ms: number, what: string) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        tripped = `${host} sent ${what} within ${ms / 1000} s`;
        controller.abort(new FetchBoundError(tripped));
      }, ms);
    };
    const outer = init?.signal;
    const unfollow = outer ? follow(outer, controller) : () => undefined;
    try {
      arm(limits.headersTimeoutMs, 'no answer');
      const response = await fetchImpl(input, { ...init, signal: controller.signal });
      const bytes: Uint8Array[] = [];
      let size = 0;
      if (response.body) {
        const reader = response.body.getReader();
        for (;;) {
          arm(limits.idleTimeoutMs, 'nothing more of its answer');
          const { done, value } = await reader.read();
          if (done) break;
          size += value.byteLength;
          if (size > limits.maxBytes) {
            await reader.cancel().catch(() => undefined);
            throw new FetchBoundError(
              `${host} sent an answer larger than ${limits.maxBytes} bytes; sluice stopped reading`,
            );
          }
          bytes.push(value);
        }
      }
      const body = NULL_BODY.has(response.status) ? null : Buffer.concat(bytes);
      const copy = new Response(body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
      Object.defineProperty(copy, 'url', { value: response.url || url });
      return copy;
    } catch (error) {
      if (tripped) throw new FetchBoundError(tripped, { cause: error });
      throw error;
    } finally {
      clearTimeout(timer);
      unfollow();
    }
  };
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the server';
  }
}

/** A server's text as it may be printed: one line, no control characters, bounded. */
export function serverText(text: string, max = 300): string {
  const flat = text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
