import { UsageError } from '../../core/errors.js';
import type { MetricsProvider } from '../../core/ports.js';
import { versionsOf, type ProviderConfig, type ProviderDeps } from './config.js';
import { HttpProbeProvider } from './http-probe.js';
import { PrometheusProvider } from './prometheus.js';
import { ReplayProvider } from './replay.js';

export type { ProviderConfig, ProviderDeps } from './config.js';
export { PROBE_METRICS } from './http-probe.js';
export { REPLAY_METRICS, ReplayProvider, type Disagreement } from './replay.js';

/**
 * The metrics provider a rollout's analysis names. Metric names per provider:
 * - prometheus: the query is PromQL with {{version}} (and {{stable}}/{{canary}});
 * - http-probe: latency, errors, error_rate, success_rate, latency_p50/p95/p99;
 * - replay: agreement, prediction_psi, prediction_js, errors, error_rate, latency, and
 *   `disagreements()` on the ReplayProvider for the report.
 */
export function createMetricsProvider(config: ProviderConfig, deps: ProviderDeps): MetricsProvider {
  const versions = versionsOf(config);
  switch (config.type) {
    case 'prometheus':
      return new PrometheusProvider(
        {
          url: config.url,
          ...(config.headers ? { headers: config.headers } : {}),
          ...(versions ? { versions } : {}),
        },
        deps,
      );
    case 'http-probe':
      return new HttpProbeProvider(config, deps);
    case 'replay':
      return new ReplayProvider({ ...config, ...(versions ? { versions } : {}) }, deps);
    default:
      throw new UsageError(
        `unknown metrics provider type "${String((config as { type?: unknown }).type).slice(0, 40)}"; sluice has prometheus, http-probe and replay`,
      );
  }
}
