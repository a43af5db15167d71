import type { Clock, Logger, SecretMasker, Sleep } from '../../core/ports.js';

/**
 * The provider shapes of ROLLOUT.md, as src/core/rollout/model.ts (R-core) defines them: kept
 * here until the branches merge, then this file re-exports model.ts's.
 */
export type ProviderConfig =
  | { type: 'prometheus'; url: string; headers?: Record<string, string> }
  | {
      type: 'http-probe';
      path?: string;
      method?: string;
      body?: string;
      /** Requests per second sent to each version. */
      rate: number;
      timeoutMs: number;
      /** version → url. */
      endpoints: Record<string, string>;
    }
  | {
      type: 'replay';
      data: string;
      endpoints: Record<string, string>;
      request: { path: string; template?: string };
      /** JSON path of the prediction in the answer. */
      prediction: string;
    };

export interface ProviderDeps {
  clock: Clock;
  sleep: Sleep;
  logger: Logger;
  masker?: SecretMasker;
}

/**
 * Optional fields the providers read beyond the shared shape (the rollout fills them from its
 * spec; without them the documented fallbacks apply):
 * - `versions`: which version is stable and which the canary. Prometheus needs it for the
 *   `{{stable}}` and `{{canary}}` placeholders; the replay for its comparisons (without it, the
 *   first endpoint is stable and the second the canary).
 */
export interface ProviderExtras {
  versions?: { stable: string; canary: string };
}

export function versionsOf(config: ProviderConfig): ProviderExtras['versions'] {
  const versions = (config as ProviderExtras).versions;
  return versions && typeof versions.stable === 'string' && typeof versions.canary === 'string'
    ? versions
    : undefined;
}
