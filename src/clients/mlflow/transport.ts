/**
 * The transport under the MLflow client: bounded time and size (boundedFetch), retries with
 * backoff on 429, 5xx and network failures, and a check that every answer is MLflow's JSON
 * (an HTML login page from a proxy, or another server's JSON, is exit 3 with what came back,
 * bounded and masked). openapi-fetch only ever sees a JSON answer.
 */
import { InfraError } from '../../core/errors.js';
import type { SecretMasker } from '../../core/ports.js';
import { boundedFetch, FetchBoundError, hostOf, type FetchBounds } from '../http/bounded-fetch.js';

export interface TransportOptions {
  /** How errors name the server: `MLflow at mlflow.example.com`. */
  server: string;
  masker: Pick<SecretMasker, 'mask'>;
  fetch?: typeof fetch;
  bounds?: Partial<FetchBounds>;
  /** Attempts in all (first try included) for 429, 5xx and network failures. */
  attempts?: number;
  /** The first pause between attempts; doubled each time, `Retry-After` honoured up to 30 s. */
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * File downloads: a successful answer is handed on unread (its body streamed by the caller,
   * which bounds its size and silences); error answers are still read (bounded) and checked.
   */
  stream?: boolean;
}

/** The most of an error answer read in stream mode (MLflow's errors are a few hundred bytes). */
const ERROR_BYTES = 64 * 1024;

const RETRY_AFTER_CAP_MS = 30_000;
/** A 404 that is not MLflow's JSON: the server has no such endpoint (not MLflow, or older). */
export const ENDPOINT_NOT_FOUND = 'SLUICE_ENDPOINT_NOT_FOUND';
const SNIPPET = 200;

/** What came back, as it may be printed: masked, control characters dropped, bounded. */
export function snippet(text: string, masker: Pick<SecretMasker, 'mask'>): string {
  const masked = masker.mask(text.slice(0, SNIPPET * 4));
  // eslint-disable-next-line no-control-regex
  const flat = masked.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > SNIPPET ? `${flat.slice(0, SNIPPET)}…` : flat;
}

export function mlflowTransport(options: TransportOptions): typeof fetch {
  const inner = boundedFetch(options.fetch ?? fetch, {
    headersTimeoutMs: 30_000,
    idleTimeoutMs: 30_000,
    maxBytes: 8 * 1024 * 1024,
    ...options.bounds,
  });
  const attempts = Math.max(1, options.attempts ?? 4);
  const backoff = options.backoffMs ?? 500;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const { server, masker } = options;

  return async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const body = request.body ? await request.arrayBuffer() : undefined;
    const where = pathOf(request.url);
    let last = '';
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      let response: Response;
      try {
        const init: RequestInit = {
          method: request.method,
          headers: request.headers,
          ...(body ? { body } : {}),
          ...(request.signal ? { signal: request.signal } : {}),
        };
        if (options.stream) {
          response = await headersWithin(
            options.fetch ?? fetch,
            request.url,
            init,
            options.bounds?.headersTimeoutMs ?? 30_000,
          );
          if (response.ok) return response;
          response = new Response(await readAtMost(response, ERROR_BYTES), {
            status: response.status,
            statusText: response.statusText,
            headers: response.headers,
          });
        } else {
          response = await inner(request.url, init);
        }
      } catch (error) {
        if (request.signal?.aborted) throw error;
        last =
          error instanceof FetchBoundError
            ? masker.mask(error.message)
            : `cannot connect (${masker.mask(causeText(error))})`;
        if (attempt < attempts) {
          await sleep(backoff * 2 ** (attempt - 1));
          continue;
        }
        throw new InfraError(`${server}: ${where}: ${last} after ${attempts} attempts`, {
          hint: 'check MLFLOW_TRACKING_URI and that the tracking server is up and reachable from this job',
          cause: error,
        });
      }
      if (response.status === 429 || response.status >= 500) {
        const text = await response.text();
        last = `answered ${response.status}${text ? `: ${snippet(text, masker)}` : ''}`;
        if (attempt < attempts) {
          await sleep(retryAfter(response) ?? backoff * 2 ** (attempt - 1));
          continue;
        }
        throw new InfraError(`${server}: ${where} ${last} (after ${attempts} attempts)`, {
          hint: 'the tracking server is failing or rate-limiting; try again later',
        });
      }
      const text = await response.text();
      const json = isJsonObject(text, response);
      // A sign-in refused, or an endpoint the server lacks, often comes as text or HTML (MLflow's
      // auth app, a proxy): handed on as MLflow's error shape so the client names the cause.
      if (
        !json &&
        (response.status === 401 || response.status === 403 || response.status === 404)
      ) {
        const code =
          response.status === 404
            ? ENDPOINT_NOT_FOUND
            : response.status === 401
              ? 'UNAUTHENTICATED'
              : 'PERMISSION_DENIED';
        return new Response(JSON.stringify({ error_code: code, message: snippet(text, masker) }), {
          status: response.status,
          headers: { 'content-type': 'application/json' },
        });
      }
      if (!json) {
        const type = response.headers.get('content-type') ?? 'no content type';
        throw new InfraError(
          `${server}: ${where} answered ${response.status} with ${type}, not MLflow's JSON: ${snippet(text, masker) || '(empty)'}`,
          {
            hint: 'MLFLOW_TRACKING_URI must be the tracking server itself (not its UI behind a login page or another service); GitLab: https://<gitlab>/api/v4/projects/<id>/ml/mlflow',
          },
        );
      }
      return new Response(text, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    }
    throw new InfraError(`${server}: ${where}: ${last}`);
  };
}

/** The answer's status and headers within `ms` (its body is left to the caller). */
async function headersWithin(
  fetchImpl: typeof fetch,
  url: string,
  init: RequestInit,
  ms: number,
): Promise<Response> {
  const controller = new AbortController();
  const outer = init.signal;
  const onOuterAbort = () => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  const timer = setTimeout(
    () =>
      controller.abort(new FetchBoundError(`${hostOf(url)} sent no answer within ${ms / 1000} s`)),
    ms,
  );
  try {
    return await fetchImpl(url, { ...init, signal: controller.signal });
  } catch (error) {
    throw controller.signal.reason instanceof FetchBoundError ? controller.signal.reason : error;
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
  }
}

/** At most `max` bytes of an answer's body, as text; the rest is never read. */
async function readAtMost(response: Response, max: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

function isJsonObject(text: string, response: Response): boolean {
  const type = response.headers.get('content-type') ?? '';
  if (type && !/json/i.test(type)) return false;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

function retryAfter(response: Response): number | undefined {
  const header = response.headers.get('retry-after');
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, RETRY_AFTER_CAP_MS);
  const date = Date.parse(header);
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(0, date - Date.now()), RETRY_AFTER_CAP_MS);
}

function pathOf(url: string): string {
  try {
    const parsed = new URL(url);
    const at = parsed.pathname.indexOf('/api/2.0/mlflow/');
    return at >= 0 ? parsed.pathname.slice(at + '/api/2.0/mlflow'.length) : parsed.pathname;
  } catch {
    return url;
  }
}

/** The innermost cause's code (`ECONNREFUSED`) or message: `fetch failed` alone says nothing. */
function causeText(error: unknown): string {
  let current: unknown = error;
  let text = error instanceof Error ? error.message : String(error);
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const { code, message, cause } = current as {
      code?: unknown;
      message?: unknown;
      cause?: unknown;
    };
    if (typeof code === 'string') return code;
    if (typeof message === 'string' && message) text = message;
    current = cause;
  }
  return text;
}
