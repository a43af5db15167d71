/** The router shapes live with the rollout's other shared types in the core. */
export type {
  BuiltinRouterConfig,
  GatewayApiRouterConfig,
  HaproxyRouterConfig,
  KserveRouterConfig,
  NginxRouterConfig,
  RouterConfig,
  RouterDeps,
  ServiceSwitchRouterConfig,
} from '../../core/rollout/model.js';
