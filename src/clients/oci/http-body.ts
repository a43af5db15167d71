import { InfraError } from '../../core/errors.js';

/**
 * Bodies and time on the wire to a registry: the idle and total time of a request (a watchdog
 * that aborts it), request bodies streamed in pieces, response bodies watched for silence, and
 * bodies that are read whole only up to a cap.
 */

/** Bodies from this size up are streamed to fetch rather than handed over (and copied) whole. */
export const LARGE_BODY = 1 << 20;
/** Pieces of a streamed body: each one taken by fetch shows the upload is moving. */
const BODY_PIECE = 256 * 1024;
const NULL_BODY = new Set([101, 204, 205, 304]);

/** A problem whose message already says, for the user, what went wrong. */
export class StatedProblem extends Error {}

/** A server that stopped answering, or a request past its total time: retried like a network error. */
class Silence extends StatedProblem {}

export function bufferStream(bytes: Buffer, onPull: () => void): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      onPull();
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      const end = Math.min(offset + BODY_PIECE, bytes.length);
      controller.enqueue(bytes.subarray(offset, end));
      offset = end;
    },
  });
}

/** Aborts a request when the server stays silent for the idle time, or at the deadline. */
export class Watchdog {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly controller: AbortController,
    private readonly idleMs: number,
    private readonly deadline: number,
    private readonly host: string,
  ) {}

  arm(): void {
    this.clear();
    const untilDeadline = this.deadline - Date.now();
    const idle = untilDeadline >= this.idleMs;
    this.timer = setTimeout(
      () =>
        this.controller.abort(
          new Silence(
            idle
              ? `no answer from ${this.host} within ${seconds(this.idleMs)}`
              : `${this.host} did not answer before the time for the request ran out`,
          ),
        ),
      Math.max(0, Math.min(this.idleMs, untilDeadline)),
    );
  }

  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(ms < 10_000 ? 1 : 0))} s`;
}

/**
 * The response with its body under the idle timeout: a server that stops sending in the
 * middle of a body fails the read with the error `failed` makes of the problem, instead of hanging.
 */
export function watchBody(
  response: Response,
  watchdog: Watchdog,
  controller: AbortController,
  failed: (why: string) => Error,
): Response {
  const source = response.body;
  if (source === null || NULL_BODY.has(response.status)) {
    if (source !== null) void source.cancel().catch(() => undefined);
    return source === null
      ? response
      : new Response(null, { status: response.status, headers: response.headers });
  }
  const reader = source.getReader();
  const body = new ReadableStream<Uint8Array>(
    {
      pull: async (stream) => {
        watchdog.arm();
        try {
          const { done, value } = await reader.read();
          watchdog.clear();
          if (done) stream.close();
          else stream.enqueue(value);
        } catch (error) {
          watchdog.clear();
          const why = controller.signal.aborted
            ? networkProblem(controller.signal.reason)
            : networkProblem(error);
          stream.error(failed(why));
        }
      },
      cancel: async (reason) => {
        watchdog.clear();
        await reader.cancel(reason).catch(() => undefined);
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

export async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

export function networkProblem(error: unknown): string {
  if (error instanceof StatedProblem) return error.message;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * A response body read whole, but never more than `cap` bytes: a larger one (by its
 * Content-Length, or by what arrives) is cancelled there and is an InfraError naming `from`.
 */
export async function readCapped(
  response: Response,
  cap: number,
  from: string,
  what: string,
): Promise<Buffer> {
  const tooBig = () =>
    new InfraError(
      `${from} sent ${what} larger than ${cap >= 1 << 20 ? `${cap / (1 << 20)} MiB` : `${cap / 1024} KiB`}; reading stopped there`,
    );
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > cap) {
    await discard(response);
    throw tooBig();
  }
  if (response.body === null) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > cap) {
      await reader.cancel().catch(() => undefined);
      throw tooBig();
    }
    parts.push(value);
  }
  return Buffer.concat(parts, total);
}
