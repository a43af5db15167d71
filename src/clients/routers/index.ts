// replaced by the routers helper (R-routers): this stub only lets the rollout wiring compile.
import { InfraError } from '../../core/errors.js';
import type { TrafficRouter } from '../../core/ports.js';
import type { RouterConfig, RouterDeps } from '../../core/rollout/model.js';

export function createTrafficRouter(config: RouterConfig, _deps: RouterDeps): TrafficRouter {
  throw new InfraError(`the ${config.type} router is not wired into this build of sluice yet`, {
    hint: 'this build has no router clients; use a build with src/clients/routers',
  });
}
