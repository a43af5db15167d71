import type { ProviderConfig } from '../../core/rollout/model.js';

/** The provider shapes live with the rollout's other shared types in the core. */
export type { ProviderConfig, ProviderDeps } from '../../core/rollout/model.js';

/**
 * Which version is stable and which the canary, when the rollout said so. Prometheus needs it
 * for `{{stable}}` and `{{canary}}`; without it the replay takes its first endpoint as stable.
 */
export function versionsOf(config: ProviderConfig): ProviderConfig['versions'] {
  const versions = config.versions;
  return versions && typeof versions.stable === 'string' && typeof versions.canary === 'string'
    ? versions
    : undefined;
}
