import { InfraError, UsageError } from '../../core/errors.js';
import type { MetricSample, MetricsProvider, MetricsQuery } from '../../core/ports.js';
import { boundedFetch, FetchBoundError, hostOf, serverText } from '../http/bounded-fetch.js';
import type { ProviderDeps } from './config.js';
import { renderTemplate } from './promql.js';

/**
 * Prometheus over its HTTP API: `GET /api/v1/query_range` for a window (an instant
 * `GET /api/v1/query` when the window is empty). The metric is a PromQL template; `{{version}}`
 * is the queried version, `{{stable}}`/`{{canary}}` the rollout's two (see promql.ts for how
 * they are escaped). Every series the query returns adds its samples; NaN and ±Inf samples (a
 * rate over no traffic) are dropped, and a window with none left is `noData`, never zeros.
 *
 * Errors: Prometheus refusing the query as malformed (`errorType: bad_data`, HTTP 400) is a
 * UsageError (the spec's query is wrong: retrying cannot help); any other `status: error`, a
 * non-JSON or oversized answer, a timeout or a refused connection is an InfraError naming the
 * host, with the server's text masked and cut to one bounded line.
 */

export interface PrometheusOptions {
  url: string;
  headers?: Record<string, string>;
  versions?: { stable: string; canary: string };
  /** At most this many points per series in a range query (the step is chosen to fit). */
  maxPoints?: number;
  timeoutMs?: number;
  maxBytes?: number;
  fetch?: typeof fetch;
}

const PROMETHEUS_DEFAULTS = { maxPoints: 250, timeoutMs: 15_000, maxBytes: 8 * 1024 * 1024 };

interface PromAnswer {
  status?: unknown;
  errorType?: unknown;
  error?: unknown;
  data?: { resultType?: unknown; result?: unknown };
}

export class PrometheusProvider implements MetricsProvider {
  readonly name: string;
  private readonly base: URL;
  private readonly host: string;
  private readonly headers: Record<string, string>;
  private readonly fetch: typeof fetch;
  private readonly maxPoints: number;

  constructor(
    private readonly options: PrometheusOptions,
    private readonly deps: ProviderDeps,
  ) {
    let base: URL;
    try {
      base = new URL(options.url);
    } catch {
      throw new UsageError(`the Prometheus url is not a URL: ${serverText(options.url, 100)}`, {
        hint: 'write it as http://host:9090',
      });
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:')
      throw new UsageError(`the Prometheus url must be http or https, got ${base.protocol}`);
    this.headers = { accept: 'application/json', ...(options.headers ?? {}) };
    for (const value of Object.values(options.headers ?? {})) this.secret(value);
    if (base.username || base.password) {
      const user = decodeURIComponent(base.username);
      const password = decodeURIComponent(base.password);
      this.secret(password);
      const basic = Buffer.from(`${user}:${password}`).toString('base64');
      this.secret(basic);
      this.headers.authorization ??= `Basic ${basic}`;
      base.username = '';
      base.password = '';
    }
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.base = base;
    this.host = hostOf(base.href);
    this.name = `Prometheus at ${this.host}`;
    this.maxPoints = options.maxPoints ?? PROMETHEUS_DEFAULTS.maxPoints;
    const timeout = options.timeoutMs ?? PROMETHEUS_DEFAULTS.timeoutMs;
    this.fetch = boundedFetch(options.fetch ?? fetch, {
      headersTimeoutMs: timeout,
      idleTimeoutMs: timeout,
      maxBytes: options.maxBytes ?? PROMETHEUS_DEFAULTS.maxBytes,
    });
  }

  private secret(value: string): void {
    if (value && this.deps.masker) {
      this.deps.masker.add(value);
      const encoded = encodeURIComponent(value);
      if (encoded !== value) this.deps.masker.add(encoded);
    }
  }

  private mask(text: string): string {
    return this.deps.masker ? this.deps.masker.mask(text) : text;
  }

  async query(
    q: MetricsQuery,
    signal?: AbortSignal,
  ): Promise<{ samples: MetricSample[] } | { noData: string }> {
    const promql = renderTemplate(
      q.metric,
      { version: q.version, ...(this.options.versions ?? {}) },
      'the PromQL query',
    );
    const from = Date.parse(q.from) / 1000;
    const to = Date.parse(q.to) / 1000;
    if (!Number.isFinite(from) || !Number.isFinite(to) || to < from)
      throw new UsageError(
        `a metrics window must be two instants in order, got ${q.from} to ${q.to}`,
      );
    const params = new URLSearchParams({ query: promql });
    let endpoint: string;
    if (to > from) {
      const step = Math.max(1, Math.ceil((to - from) / this.maxPoints));
      params.set('start', String(from));
      params.set('end', String(to));
      params.set('step', `${step}s`);
      endpoint = 'api/v1/query_range';
    } else {
      params.set('time', String(to));
      endpoint = 'api/v1/query';
    }
    const url = new URL(endpoint, this.base);
    url.search = params.toString();
    const answer = await this.get(url, signal);
    const samples = this.samples(answer);
    const finite = samples.filter((s) => Number.isFinite(s.value));
    if (finite.length === 0)
      return {
        noData:
          samples.length === 0
            ? `${this.name} has no series for the query of ${q.version} in the window`
            : `${this.name} gave only NaN or infinite values for ${q.version} (no traffic in the window?)`,
      };
    if (finite.length < samples.length)
      this.deps.logger.debug(
        `${this.name}: dropped ${samples.length - finite.length} NaN/infinite samples of ${q.version}`,
      );
    return { samples: finite.sort((a, b) => a.at.localeCompare(b.at)) };
  }

  private async get(url: URL, signal?: AbortSignal): Promise<PromAnswer> {
    let response: Response;
    try {
      response = await this.fetch(url, { headers: this.headers, ...(signal ? { signal } : {}) });
    } catch (error) {
      if (signal?.aborted) throw error;
      const why =
        error instanceof FetchBoundError
          ? error.message
          : `${this.host} could not be reached (${causeOf(error)})`;
      throw new InfraError(`Prometheus: ${this.mask(why)}`, {
        hint: 'check that Prometheus runs and that the url in the analysis spec points at it',
      });
    }
    const text = await response.text();
    let body: PromAnswer | undefined;
    try {
      body = JSON.parse(text) as PromAnswer;
    } catch {
      body = undefined;
    }
    if (body?.status === 'error' || !response.ok || body === undefined || body === null) {
      const said = serverText(
        this.mask(
          typeof body?.error === 'string'
            ? `${String(body.errorType ?? 'error')}: ${body.error}`
            : text || response.statusText,
        ),
      );
      if (body?.errorType === 'bad_data')
        throw new UsageError(`${this.name} refused the query: ${said}`, {
          hint: 'check the PromQL in the analysis spec (try it in the Prometheus UI)',
        });
      throw new InfraError(`${this.name} answered HTTP ${response.status}: ${said}`);
    }
    return body;
  }

  private samples(answer: PromAnswer): MetricSample[] {
    const data = answer.data;
    const kind = data?.resultType;
    const result = data?.result;
    const point = (p: unknown): MetricSample => {
      if (
        !Array.isArray(p) ||
        p.length !== 2 ||
        typeof p[0] !== 'number' ||
        typeof p[1] !== 'string'
      )
        throw new InfraError(`${this.name} sent a sample that is not [time, "value"]`);
      return { at: new Date(p[0] * 1000).toISOString(), value: Number(p[1]) };
    };
    if (kind === 'scalar') return [point(result)];
    if (kind === 'vector' || kind === 'matrix') {
      if (!Array.isArray(result))
        throw new InfraError(`${this.name} sent a ${kind} that is not a list`);
      const out: MetricSample[] = [];
      for (const series of result as { value?: unknown; values?: unknown }[]) {
        if (kind === 'vector') out.push(point(series?.value));
        else {
          if (!Array.isArray(series?.values))
            throw new InfraError(`${this.name} sent a series without values`);
          for (const p of series.values as unknown[]) out.push(point(p));
        }
      }
      return out;
    }
    if (kind === 'string')
      throw new UsageError(
        `the PromQL query gives a string, not numbers: ${this.name} cannot judge it`,
      );
    throw new InfraError(
      `${this.name} sent an answer sluice does not know (resultType ${serverText(String(kind), 40)})`,
    );
  }
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return serverText(cause.message, 120);
  return error instanceof Error ? serverText(error.message, 120) : 'unknown error';
}
