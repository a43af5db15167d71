import type { KubeObject as KubernetesObject } from './api.js';
import { annotationFor, recordedOf, recordOn } from './progress.js';
import { InfraError, UsageError } from '../../../core/errors.js';
import type {
  RecordedProgress,
  TrafficCapabilities,
  TrafficRouter,
  TrafficState,
} from '../../../core/ports.js';
import type { GatewayApiRouterConfig, RouterDeps } from '../config.js';
import { badState, bounded, completeWeights, percentsOf, routeAll } from '../weights.js';
import {
  ConflictError,
  lazyKubeApi,
  ROLLOUT_ANNOTATION,
  type KubeApi,
  type KubeObjectRef,
  type RbacResource,
} from './api.js';

const HTTPROUTES: RbacResource = { resource: 'httproutes', group: 'gateway.networking.k8s.io' };
/** How often a write is retried after the route changed under it (409). */
export const CONFLICT_RETRIES = 5;

interface BackendRef {
  name?: unknown;
  kind?: unknown;
  group?: unknown;
  weight?: unknown;
  [key: string]: unknown;
}
interface HttpRouteRule {
  backendRefs?: BackendRef[];
  [key: string]: unknown;
}
interface HttpRoute extends KubernetesObject {
  spec?: { rules?: HttpRouteRule[]; [key: string]: unknown };
}

/** Options for tests: a KubeApi of their own (e.g. wrapping the real one to force a conflict). */
export interface KubernetesRouterOptions {
  api?: KubeApi;
}

/**
 * Canary weights on an HTTPRoute (Gateway API v1, standard channel): the weights of one rule's
 * backendRefs, one backend Service per version. Each change is a server-side apply by field
 * manager `sluice` of the route's rules with the new weights, conditional on the resourceVersion
 * it was computed from (a 409 re-reads and retries), and records itself in the route's
 * `sluice.dev/rollout` annotation. readBack reads the weights from the route on the server.
 */
export class GatewayApiTrafficRouter implements TrafficRouter {
  readonly name: string;
  readonly capabilities: TrafficCapabilities = {
    weights: true,
    mirror: false,
    headerRouting: false,
  };
  private readonly versions: string[];
  private readonly ref: KubeObjectRef;
  private readonly api: () => Promise<KubeApi>;

  constructor(
    private readonly config: GatewayApiRouterConfig,
    private readonly deps: RouterDeps,
    private readonly options: KubernetesRouterOptions = {},
  ) {
    this.name = `gateway-api httproute ${config.namespace}/${config.route}`;
    this.versions = Object.keys(config.backends);
    this.ref = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      namespace: config.namespace,
      name: config.route,
    };
    this.api = lazyKubeApi(config, deps.kubernetes, this.name, options.api);
  }

  async setWeights(weights: Readonly<Record<string, number>>, signal?: AbortSignal) {
    await this.write(completeWeights(this.name, this.versions, weights), signal);
  }

  async setRoute(version: string, signal?: AbortSignal) {
    await this.write(routeAll(this.name, this.versions, version), signal);
  }

  async readBack(signal?: AbortSignal): Promise<TrafficState> {
    const api = await this.api();
    const route = (await api.get(this.ref, HTTPROUTES, signal ?? this.deps.signal)) as HttpRoute;
    const recorded = recordedOf(route);
    return { weights: this.weightsOf(route), ...(recorded ? { recorded } : {}) };
  }

  async record(progress: RecordedProgress, signal?: AbortSignal) {
    await recordOn(
      await this.api(),
      this.ref,
      HTTPROUTES,
      progress,
      this.name,
      signal ?? this.deps.signal,
    );
  }

  /** The rule the split lives on, checked to name only the configured backends. */
  private ruleOf(route: HttpRoute): { rules: HttpRouteRule[]; rule: HttpRouteRule } {
    const rules = route.spec?.rules;
    const index = this.config.rule ?? 0;
    if (!Array.isArray(rules) || rules[index] === undefined || typeof rules[index] !== 'object')
      throw new UsageError(`${this.name} has no rule ${index}`, {
        hint: 'set rule: to the index of the rule whose backendRefs carry the split',
      });
    return { rules, rule: rules[index] };
  }

  private weightsOf(route: HttpRoute): Record<string, number> {
    const { rule } = this.ruleOf(route);
    const refs = Array.isArray(rule.backendRefs) ? rule.backendRefs : [];
    const byBackend = new Map(Object.entries(this.config.backends).map(([v, b]) => [b, v]));
    const raw: Record<string, number> = Object.fromEntries(this.versions.map((v) => [v, 0]));
    for (const ref of refs) {
      const name = typeof ref.name === 'string' ? ref.name : '';
      const version = byBackend.get(name);
      const weight = ref.weight === undefined ? 1 : ref.weight;
      if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0)
        throw badState(
          this.name,
          `backend "${bounded(name, 80)}" has weight ${bounded(String(weight), 40)}`,
        );
      if (version === undefined) {
        if (weight === 0) continue;
        throw badState(
          this.name,
          `it sends traffic to backend "${bounded(name, 80)}", which is none of the versions' backends (${[...byBackend.keys()].join(', ')})`,
        );
      }
      raw[version] = (raw[version] ?? 0) + weight;
    }
    if (Object.values(raw).every((w) => w === 0))
      throw badState(this.name, 'no backend of the rule has a weight above 0');
    return percentsOf(raw);
  }

  /** Integer Gateway API weights for percents: the percents themselves, or hundredths of them. */
  private static weightsFor(percents: Record<string, number>): Record<string, number> {
    const whole = Object.values(percents).every((p) => Number.isInteger(p));
    return Object.fromEntries(
      Object.entries(percents).map(([v, p]) => [v, whole ? p : Math.round(p * 100)]),
    );
  }

  private async write(percents: Record<string, number>, signal?: AbortSignal) {
    const api = await this.api();
    const weights = GatewayApiTrafficRouter.weightsFor(percents);
    const s = signal ?? this.deps.signal;
    for (let attempt = 0; ; attempt++) {
      const route = (await api.get(this.ref, HTTPROUTES, s)) as HttpRoute;
      const { rules } = this.ruleOf(route);
      const index = this.config.rule ?? 0;
      const next = rules.map((rule, i) => {
        if (i !== index) return rule;
        const refs = Array.isArray(rule.backendRefs) ? [...rule.backendRefs] : [];
        for (const version of this.versions) {
          const backend = this.config.backends[version]!;
          const at = refs.findIndex((r) => r.name === backend);
          if (at >= 0) refs[at] = { ...refs[at], weight: weights[version] };
          else if ((weights[version] ?? 0) > 0)
            throw new UsageError(
              `${this.name}: rule ${index} has no backendRef "${backend}" for version "${version}"`,
              { hint: `add a backendRef named ${backend} (weight 0) to the route` },
            );
        }
        return { ...rule, backendRefs: refs };
      });
      const body: HttpRoute = {
        apiVersion: this.ref.apiVersion,
        kind: this.ref.kind,
        metadata: {
          name: this.ref.name,
          namespace: this.ref.namespace,
          ...(route.metadata?.resourceVersion !== undefined
            ? { resourceVersion: route.metadata.resourceVersion }
            : {}),
          annotations: {
            [ROLLOUT_ANNOTATION]: annotationFor(route, { weights: percents }),
          },
        },
        spec: { rules: next },
      };
      try {
        await api.apply(body, HTTPROUTES, s);
        return;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        if (attempt >= CONFLICT_RETRIES)
          throw new InfraError(
            `${this.name} kept changing under sluice: ${CONFLICT_RETRIES + 1} writes in a row answered 409 (${bounded(error.message, 200)})`,
            { hint: 'another controller may be writing the same route; stop it for the rollout' },
          );
        this.deps.logger.info(
          `${this.name}: the route changed since it was read (409); reading it again (retry ${attempt + 1} of ${CONFLICT_RETRIES})`,
        );
      }
    }
  }
}
