import type { Sleep } from '../ports.js';

/** Longest delay one Node timer takes; longer ones would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** The reason a wait ends with when its signal aborts without a reason of its own. */
function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The wait was aborted', 'AbortError');
}

/**
 * Real time: timers, cleared when the signal aborts (an aborted wait keeps no process alive).
 * A negative or NaN `ms` waits 0; `Infinity` waits until the signal aborts; waits longer than
 * one Node timer allows (~24.8 days) chain timers rather than fire at once.
 */
export const realSleep: Sleep = {
  sleep(ms, signal) {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortReason(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      let left = ms > 0 ? ms : 0;
      const wait = () => {
        if (left === Infinity) return;
        const step = Math.min(left, MAX_TIMER_MS);
        timer = setTimeout(() => {
          left -= step;
          if (left > 0) return wait();
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, step);
      };
      wait();
    });
  },
};
