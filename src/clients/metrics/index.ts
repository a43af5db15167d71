// replaced by the metrics helper (R-analysis): this stub only lets the rollout wiring compile.
import { InfraError } from '../../core/errors.js';
import type { MetricsProvider } from '../../core/ports.js';
import type { ProviderConfig, ProviderDeps } from '../../core/rollout/model.js';

export function createMetricsProvider(
  config: ProviderConfig,
  _deps: ProviderDeps,
): MetricsProvider {
  throw new InfraError(
    `the ${config.type} metrics provider is not wired into this build of sluice yet`,
    {
      hint: 'this build has no metrics clients; use a build with src/clients/metrics',
    },
  );
}
