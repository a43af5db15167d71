import type { Clock, Sleep } from '../../../src/core/ports.js';

/**
 * A clock and a sleep on virtual time, for tests of code that waits (rollout bakes, polling):
 * nothing waits for real; the test moves time with `advance`, and every sleep whose end it
 * passes resolves, in order of their ends (ties in the order they began).
 */
export class VirtualTime implements Clock, Sleep {
  private nowMs: number;
  private seq = 0;
  private readonly sleepers: {
    end: number;
    seq: number;
    resolve: () => void;
  }[] = [];

  constructor(start: Date | string = '2026-01-01T00:00:00Z') {
    this.nowMs = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.nowMs);
  }

  /** Sleeps not yet over (neither reached by `advance` nor aborted). */
  get pending(): number {
    return this.sleepers.length;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason ?? new DOMException('The wait was aborted', 'AbortError'));
        return;
      }
      const entry = {
        end: this.nowMs + (ms > 0 ? ms : 0),
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const index = this.sleepers.indexOf(entry);
        if (index >= 0) this.sleepers.splice(index, 1);
        reject(signal!.reason ?? new DOMException('The wait was aborted', 'AbortError'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.sleepers.push(entry);
    });
  }

  /**
   * Moves time forward by `ms`, waking each sleep due on the way at its own end time and
   * letting the code it resumes run (and sleep again) before time moves on.
   */
  async advance(ms: number): Promise<void> {
    const target = this.nowMs + ms;
    for (;;) {
      const next = this.sleepers
        .filter((s) => s.end <= target)
        .sort((a, b) => a.end - b.end || a.seq - b.seq)[0];
      if (!next) break;
      this.sleepers.splice(this.sleepers.indexOf(next), 1);
      this.nowMs = next.end;
      next.resolve();
      await settle();
    }
    this.nowMs = target;
    await settle();
  }
}

/** Lets pending promise callbacks run (a few turns of the microtask queue and one macrotask). */
async function settle(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Runs `work` to its end on virtual time: time moves on only while the code sleeps on it, so
 * real I/O it awaits on the way (a file read, a module's first import on a loaded machine)
 * never lets virtual time race ahead of it. Bounded by `realMs` of real time.
 */
export async function runOnVirtualTime<T>(
  time: VirtualTime,
  work: Promise<T>,
  stepMs = 1000,
  realMs = 60_000,
): Promise<T> {
  let settled = false;
  const result = work.finally(() => {
    settled = true;
  });
  result.catch(() => undefined);
  const deadline = Date.now() + realMs;
  while (!settled && Date.now() < deadline) {
    if (time.pending > 0) await time.advance(stepMs);
    else await new Promise<void>((resolve) => setTimeout(resolve, 1));
  }
  return result;
}
