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
import {
  badState,
  bounded,
  completeWeights,
  percentsOf,
  routeAll,
  type HeaderRoute,
} from '../weights.js';
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
interface HttpRouteMatch {
  headers?: { type?: string; name?: unknown; value?: unknown }[];
  [key: string]: unknown;
}
interface HttpRouteRule {
  name?: unknown;
  matches?: HttpRouteMatch[];
  backendRefs?: BackendRef[];
  [key: string]: unknown;
}

/** The names sluice gives the preview rules it adds (and alone removes). */
const PREVIEW_PREFIX = 'sluice-preview-';
/** Gateway API v1's limits on a route (its CRD's validation). */
const MAX_RULES = 16;
const MAX_MATCHES = 127;
const MAX_HEADERS = 16;
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
    headerRouting: true,
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
    this.api = lazyKubeApi(config, deps, this.name, options.api);
  }

  async setWeights(weights: Readonly<Record<string, number>>, signal?: AbortSignal) {
    await this.write(completeWeights(this.name, this.versions, weights), signal);
  }

  /** All traffic on one version: the preview rules sluice added go too (promotion, rollback). */
  async setRoute(version: string, signal?: AbortSignal) {
    await this.write(routeAll(this.name, this.versions, version), signal, true);
  }

  async readBack(signal?: AbortSignal): Promise<TrafficState> {
    const api = await this.api();
    const route = (await api.get(this.ref, HTTPROUTES, signal ?? this.deps.signal)) as HttpRoute;
    const recorded = recordedOf(route);
    const headerRoutes = this.headerRoutesOf(route);
    return {
      weights: this.weightsOf(route),
      ...(headerRoutes.length ? { headerRoutes } : {}),
      ...(recorded ? { recorded } : {}),
    };
  }

  /** The preview rules sluice added (named sluice-preview-<version>), as header routes. */
  private headerRoutesOf(route: HttpRoute): HeaderRoute[] {
    const out: HeaderRoute[] = [];
    for (const rule of route.spec?.rules ?? []) {
      if (typeof rule?.name !== 'string' || !rule.name.startsWith(PREVIEW_PREFIX)) continue;
      const backend = rule.backendRefs?.find((r) => typeof r?.name === 'string')?.name;
      const version = this.versions.find((v) => this.config.backends[v] === backend);
      const header = rule.matches?.[0]?.headers?.at(-1);
      if (!version || typeof header?.name !== 'string' || typeof header.value !== 'string')
        throw badState(
          this.name,
          `its rule ${bounded(rule.name, 80)} is not a preview rule sluice wrote`,
        );
      out.push({ header: bounded(header.name, 80), value: bounded(header.value, 200), version });
    }
    return out;
  }

  /**
   * Preview routes: for each, a rule named sluice-preview-<version> with the split rule's matches,
   * each also requiring the header, sending to that version's backend alone. Gateway API ranks a
   * match with more header matches first, so these win over the split for requests carrying the
   * header. `[]` removes them. Refused (exit 2) where the route has no room: 16 rules, fewer than
   * 128 matches in all, 16 header matches per match.
   */
  async setHeaderRoutes(routes: readonly HeaderRoute[], signal?: AbortSignal) {
    for (const r of routes) {
      routeAll(this.name, this.versions, r.version);
      if (!/^[A-Za-z0-9!#$%&'*+\-.^_`|~]{1,256}$/.test(r.header) || r.value.length > 4096)
        throw new UsageError(
          `${this.name}: ${bounded(r.header, 80)} is not a header a route can match`,
        );
    }
    await this.edit(
      (rules) => {
        const kept = rules.filter(
          (rule) => !(typeof rule.name === 'string' && rule.name.startsWith(PREVIEW_PREFIX)),
        );
        const split = kept[this.config.rule ?? 0];
        if (!split)
          throw new UsageError(`${this.name} has no rule ${this.config.rule ?? 0}`, {
            hint: 'set rule: to the index of the rule whose backendRefs carry the split',
          });
        const matches: HttpRouteMatch[] = split.matches?.length
          ? split.matches
          : [{ path: { type: 'PathPrefix', value: '/' } }];
        const added = routes.map((r) => {
          const backend = this.config.backends[r.version]!;
          const ref = split.backendRefs?.find((b) => b.name === backend);
          if (!ref)
            throw new UsageError(
              `${this.name}: rule ${this.config.rule ?? 0} has no backendRef "${backend}" for version "${r.version}"`,
              { hint: `add a backendRef named ${backend} (weight 0) to the route` },
            );
          for (const m of matches)
            if ((m.headers?.length ?? 0) >= MAX_HEADERS)
              throw this.noRoom(
                `a match of rule ${this.config.rule ?? 0} already has ${MAX_HEADERS} header matches`,
              );
          return {
            name: `${PREVIEW_PREFIX}${r.version.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`
              .slice(0, 63)
              .replace(/-+$/, ''),
            matches: matches.map((m) => ({
              ...m,
              headers: [...(m.headers ?? []), { type: 'Exact', name: r.header, value: r.value }],
            })),
            backendRefs: [{ ...ref, weight: 1 }],
          };
        });
        if (kept.length + added.length > MAX_RULES)
          throw this.noRoom(`it has ${kept.length} rules and a route may have ${MAX_RULES}`);
        const total = [...kept, ...added].reduce(
          (n, rule) => n + Math.max(1, rule.matches?.length ?? 0),
          0,
        );
        if (total > MAX_MATCHES)
          throw this.noRoom(
            `its rules would have ${total} matches and a route may have ${MAX_MATCHES}`,
          );
        return [...kept, ...added];
      },
      { headerRoutes: routes },
      signal,
    );
  }

  private noRoom(why: string): UsageError {
    return new UsageError(`${this.name} has no room for a preview rule: ${why}`, {
      hint: 'make room on the route, or preview without a header route',
    });
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

  /** The weights on the split rule; `dropPreviews`: sluice's preview rules go too (all on one). */
  private async write(
    percents: Record<string, number>,
    signal?: AbortSignal,
    dropPreviews = false,
  ) {
    const weights = GatewayApiTrafficRouter.weightsFor(percents);
    const index = this.config.rule ?? 0;
    await this.edit(
      (rules) =>
        rules
          .filter(
            (rule) =>
              !dropPreviews ||
              !(typeof rule.name === 'string' && rule.name.startsWith(PREVIEW_PREFIX)),
          )
          .map((rule, i) => {
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
          }),
      { weights: percents },
      signal,
    );
  }

  /**
   * Server-side apply of the route's rules as `make` changes them (the whole list: it is atomic),
   * conditional on the resourceVersion read; a 409 re-reads and retries.
   */
  private async edit(
    make: (rules: HttpRouteRule[]) => HttpRouteRule[],
    change: Record<string, unknown>,
    signal?: AbortSignal,
  ) {
    const api = await this.api();
    const s = signal ?? this.deps.signal;
    for (let attempt = 0; ; attempt++) {
      const route = (await api.get(this.ref, HTTPROUTES, s)) as HttpRoute;
      const { rules } = this.ruleOf(route);
      const body: HttpRoute = {
        apiVersion: this.ref.apiVersion,
        kind: this.ref.kind,
        metadata: {
          name: this.ref.name,
          namespace: this.ref.namespace,
          ...(route.metadata?.resourceVersion !== undefined
            ? { resourceVersion: route.metadata.resourceVersion }
            : {}),
          annotations: { [ROLLOUT_ANNOTATION]: annotationFor(route, change) },
        },
        spec: { rules: make(rules) },
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
