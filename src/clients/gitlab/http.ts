import { InfraError } from '../../core/errors.js';
import type { Logger } from '../../core/ports.js';
import { hostOf, serverText } from '../http/bounded-fetch.js';

export interface RetryPolicy {
  /** Retries after the first attempt, for 429, 5xx and network failures. */
  retries: number;
  /** First backoff in ms; doubles each retry. */
  baseDelayMs: number;
  /** A Retry-After longer than this (seconds) fails the call instead of stalling the job. */
  maxRetryAfterSeconds: number;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

export const defaultSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/**
 * fetch with bounded retries: 429 and 5xx wait for Retry-After when the server gives
 * one, else back off exponentially. The last response is returned as it is, with the
 * number of attempts, for the caller to explain; only a network failure on the last
 * attempt throws.
 */
export async function fetchWithRetry(
  fetchImpl: typeof fetch,
  url: string,
  init: RequestInit,
  policy: RetryPolicy,
  describe: string,
  logger?: Logger,
): Promise<{ response: Response; attempts: number }> {
  for (let attempt = 0; ; attempt += 1) {
    const last = attempt >= policy.retries;
    let response: Response;
    try {
      response = await fetchImpl(url, init);
    } catch (error) {
      if (last) {
        const reason = serverText(error instanceof Error ? error.message : String(error));
        throw new InfraError(
          `could not reach GitLab at ${hostOf(url)} to ${describe} after ${attempt + 1} attempt${attempt === 0 ? '' : 's'}: ${reason}`,
          {
            hint: 'check the network and the API URL (CI_API_V4_URL)',
          },
        );
      }
      await policy.sleep(backoff(policy, attempt));
      continue;
    }
    const done = { response, attempts: attempt + 1 };
    if (last || !(response.status === 429 || response.status >= 500)) return done;

    const asked = retryAfterMs(response.headers.get('retry-after'), policy.now());
    if (asked !== undefined && asked > policy.maxRetryAfterSeconds * 1000) return done;
    const delay = asked ?? backoff(policy, attempt);
    logger?.warn(
      `GitLab answered ${response.status} to ${describe}; retrying in ${Math.round(delay / 100) / 10} s`,
    );
    await response.body?.cancel();
    await policy.sleep(delay);
  }
}

function backoff(policy: RetryPolicy, attempt: number): number {
  return policy.baseDelayMs * 2 ** attempt;
}

/** Retry-After is either seconds or an HTTP date. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
