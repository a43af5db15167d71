import type { TrafficRouter } from '../../core/ports.js';
import { BuiltinTrafficRouter } from './builtin/client.js';
import type { RouterConfig, RouterDeps } from './config.js';
import { HaproxyTrafficRouter } from './haproxy.js';
import { ArgoRolloutsRouter } from './kubernetes/argo-rollouts.js';
import { GatewayApiTrafficRouter } from './kubernetes/gateway-api.js';
import { KserveTrafficRouter } from './kubernetes/kserve.js';
import { ServiceSwitchTrafficRouter } from './kubernetes/service-switch.js';
import { NginxTrafficRouter } from './nginx.js';

export type { RouterConfig, RouterDeps } from './config.js';

/**
 * The TrafficRouter for a rollout's `router:`. What each supports:
 * - builtin: weights, mirror, header routes (sluice's own proxy, src/clients/routers/builtin).
 * - nginx: weights; mirror when `mirrorFile` is included in the server block; no header routes.
 * - haproxy: weights (whole percents) through the runtime API; no mirror, no header routes.
 * - gateway-api: weights on a Kubernetes HTTPRoute's backendRefs (src/clients/routers/kubernetes).
 * - service-switch: blue-green by a Kubernetes Service's selector; no weights.
 * - kserve: an InferenceService's canaryTrafficPercent (latest revision = canary).
 * - argo-rollouts: an Argo Rollout its controller drives; sluice judges at its pauses.
 */
export function createTrafficRouter(config: RouterConfig, deps: RouterDeps): TrafficRouter {
  switch (config.type) {
    case 'builtin':
      return new BuiltinTrafficRouter(config, deps);
    case 'nginx':
      return new NginxTrafficRouter(config, deps);
    case 'haproxy':
      return new HaproxyTrafficRouter(config, deps);
    case 'gateway-api':
      return new GatewayApiTrafficRouter(config, deps);
    case 'service-switch':
      return new ServiceSwitchTrafficRouter(config, deps);
    case 'kserve':
      return new KserveTrafficRouter(config, deps);
    case 'argo-rollouts':
      return new ArgoRolloutsRouter(config, deps);
  }
}
