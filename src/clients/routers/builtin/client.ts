import { InfraError, UsageError } from '../../../core/errors.js';
import type { TrafficCapabilities, TrafficRouter, TrafficState } from '../../../core/ports.js';
import { boundedFetch } from '../../http/bounded-fetch.js';
import { describeFetchFailure } from '../../http/fetch-failure.js';
import type { BuiltinRouterConfig, RouterDeps } from '../config.js';
import { badState, bounded, completeWeights, routeAll, type HeaderRoute } from '../weights.js';

interface AdminAnswer {
  versions: string[];
  weights: Record<string, number>;
  mirror: string | null;
  headerRoutes: HeaderRoute[];
  generation: number;
}

/** Reads GET/PUT /state answers strictly: anything else is not a state to trust. */
function parseAdminAnswer(router: string, text: string): AdminAnswer {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badState(router, `not JSON: ${bounded(text, 200)}`);
  }
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isObject(body)) throw badState(router, 'not a JSON object');
  const { versions, weights, mirror, headerRoutes, generation } = body;
  if (
    !Array.isArray(versions) ||
    versions.length === 0 ||
    !versions.every((v) => typeof v === 'string')
  )
    throw badState(router, '"versions" is not a list of names');
  const names = versions as string[];
  if (!isObject(weights)) throw badState(router, '"weights" is not an object');
  for (const [name, percent] of Object.entries(weights))
    if (
      !names.includes(name) ||
      typeof percent !== 'number' ||
      !Number.isFinite(percent) ||
      percent < 0
    )
      throw badState(router, `weight "${bounded(name, 60)}" is not a known version with a percent`);
  if (mirror !== null && (typeof mirror !== 'string' || !names.includes(mirror)))
    throw badState(router, '"mirror" is neither null nor a known version');
  if (!Array.isArray(headerRoutes)) throw badState(router, '"headerRoutes" is not a list');
  for (const route of headerRoutes)
    if (
      !isObject(route) ||
      typeof route.header !== 'string' ||
      typeof route.value !== 'string' ||
      typeof route.version !== 'string' ||
      !names.includes(route.version)
    )
      throw badState(router, 'a header route is not {header, value, version}');
  if (typeof generation !== 'number' || !Number.isInteger(generation))
    throw badState(router, '"generation" is not an integer');
  return {
    versions: names,
    weights: weights as Record<string, number>,
    mirror: mirror as string | null,
    headerRoutes: headerRoutes as HeaderRoute[],
    generation,
  };
}

/**
 * The TrafficRouter over the built-in proxy's admin API (src/clients/routers/builtin/admin.ts).
 * Each change is one PUT, applied atomically by the proxy; its answer is the state after it.
 */
export class BuiltinTrafficRouter implements TrafficRouter {
  readonly name: string;
  readonly capabilities: TrafficCapabilities = { weights: true, mirror: true, headerRouting: true };
  private readonly base: URL;
  private readonly host: string;
  private readonly fetch: typeof fetch;
  private versions: string[] | undefined;

  constructor(
    config: BuiltinRouterConfig,
    private readonly deps: Pick<RouterDeps, 'logger' | 'signal'>,
    fetchImpl: typeof fetch = fetch,
  ) {
    let base: URL;
    try {
      base = new URL(config.admin);
    } catch {
      throw new UsageError(
        `the built-in router's admin address "${bounded(config.admin, 100)}" is not a URL`,
        {
          hint: 'e.g. http://127.0.0.1:9901',
        },
      );
    }
    if (base.protocol !== 'http:' || base.username || base.password || base.search || base.hash)
      throw new UsageError(
        `the built-in router's admin address must be plain http://host:port, not "${bounded(config.admin, 100)}"`,
      );
    this.base = base;
    // "the built-in (admin …) router" in the engine's messages, which add the word router.
    this.name = `built-in (admin ${base.host})`;
    this.host = base.host;
    const timeout = config.timeoutMs ?? 5000;
    this.fetch = boundedFetch(fetchImpl, {
      headersTimeoutMs: timeout,
      idleTimeoutMs: timeout,
      maxBytes: 1024 * 1024,
    });
  }

  private async call(
    method: 'GET' | 'PUT',
    body: unknown,
    signal?: AbortSignal,
  ): Promise<AdminAnswer> {
    const url = new URL('state', this.base.href.endsWith('/') ? this.base : `${this.base.href}/`);
    let response: Response;
    try {
      response = await this.fetch(url, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: signal ?? this.deps.signal,
      });
    } catch (error) {
      const why = describeFetchFailure(error, this.host);
      throw new InfraError(
        `the built-in router's admin API at ${this.host}: ${method} /state failed: ${bounded(why, 200)}`,
        {
          hint: `is the built-in router running with its admin API there? Start it with \`sluice router serve --versions v1=<url>,v2=<url> --admin ${this.host}\`, or fix router.admin`,
          cause: error,
        },
      );
    }
    const text = await response.text();
    if (response.status !== 200) {
      let detail = text;
      try {
        const parsed = JSON.parse(text) as { error?: unknown };
        if (typeof parsed.error === 'string') detail = parsed.error;
      } catch {
        /* the raw text, bounded below */
      }
      const message = `${this.name} refused ${method} /state (HTTP ${response.status}): ${bounded(detail, 300)}`;
      throw response.status === 400 ? new UsageError(message) : new InfraError(message);
    }
    const answer = parseAdminAnswer(this.name, text);
    this.versions = answer.versions;
    return answer;
  }

  private async known(signal?: AbortSignal): Promise<string[]> {
    return this.versions ?? (await this.call('GET', undefined, signal)).versions;
  }

  async setWeights(weights: Readonly<Record<string, number>>, signal?: AbortSignal): Promise<void> {
    const full = completeWeights(this.name, await this.known(signal), weights);
    await this.call('PUT', { weights: full }, signal);
  }

  /**
   * All traffic on one version; header routes go too (as with nginx and the HTTPRoute): a
   * switch, a rollback or `sluice rollout abort` after a run killed mid-preview leaves none.
   */
  async setRoute(version: string, signal?: AbortSignal): Promise<void> {
    await this.call(
      'PUT',
      { weights: routeAll(this.name, await this.known(signal), version), headerRoutes: [] },
      signal,
    );
  }

  async setMirror(version: string | undefined, signal?: AbortSignal): Promise<void> {
    await this.call('PUT', { mirror: version ?? null }, signal);
  }

  async setHeaderRoutes(routes: HeaderRoute[], signal?: AbortSignal): Promise<void> {
    await this.call('PUT', { headerRoutes: routes }, signal);
  }

  async readBack(signal?: AbortSignal): Promise<TrafficState> {
    const answer = await this.call('GET', undefined, signal);
    const weights = Object.fromEntries(
      answer.versions.map((name) => [name, answer.weights[name] ?? 0]),
    );
    const state: TrafficState = { weights };
    if (answer.mirror !== null) state.mirror = answer.mirror;
    if (answer.headerRoutes.length > 0) state.headerRoutes = answer.headerRoutes;
    return state;
  }
}
