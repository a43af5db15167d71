/** The router shapes live with the rollout's other shared types in the core. */
export type {
  BuiltinRouterConfig,
  HaproxyRouterConfig,
  NginxRouterConfig,
  RouterConfig,
  RouterDeps,
} from '../../core/rollout/model.js';
