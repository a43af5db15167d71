import { UsageError } from '../../core/errors.js';
import type { MetricSample, MetricsProvider, MetricsQuery } from '../../core/ports.js';
import { boundedFetch } from '../http/bounded-fetch.js';
import type { ProviderDeps } from './config.js';
import { endpointFor, joinPath, parseEndpoints } from './endpoints.js';

/**
 * The HTTP probe: sends its own requests straight to a version (its endpoint, bypassing the
 * router) at `rate` per second, open loop (a slow answer does not slow the schedule), for as
 * long as the queried window lasts, starting when it is asked: a probe cannot measure the past.
 * Pacing goes through ProviderDeps.sleep and clock (virtual time in tests); latencies are
 * measured on the real monotonic clock.
 *
 * Metrics (the analysis `query` names one):
 * - `latency`: one sample per answered request, its time to the full answer in ms (HTTP errors
 *   included: they were answered; requests that got no answer have no latency);
 * - `errors`: one sample per request, 1 for a failure (HTTP status ≥ 400, no answer, timeout,
 *   an answer over 1 MiB) and 0 for a success: the judge's error-rate comparison counts them;
 * - `error_rate` and `success_rate`: one sample, the share of failed / successful requests;
 * - `latency_p50`, `latency_p95`, `latency_p99`: one sample, that quantile of `latency`.
 * Both metrics of a version on the same window share one run of the probe.
 * Bounds: at most MAX_PROBE_REQUESTS requests per run, and at most rate × timeout + 1 in flight.
 */

export const PROBE_METRICS = [
  'latency',
  'errors',
  'error_rate',
  'success_rate',
  'latency_p50',
  'latency_p95',
  'latency_p99',
] as const;
const MAX_PROBE_REQUESTS = 20_000;
const MAX_ANSWER_BYTES = 1024 * 1024;

export interface HttpProbeOptions {
  path?: string;
  method?: string;
  body?: string;
  rate: number;
  timeoutMs: number;
  endpoints: Record<string, string>;
  /**
   * version → headers sent with every request to that version (a blue-green preview's header
   * route: the canary's requests carry `x-sluice-preview: canary`).
   */
  versionHeaders?: Record<string, Record<string, string>>;
  fetch?: typeof fetch;
}

interface ProbeRun {
  at: string[];
  latency: (number | undefined)[];
  errors: number[];
}

export class HttpProbeProvider implements MetricsProvider {
  readonly name = 'HTTP probe';
  private readonly endpoints: Map<string, URL>;
  private readonly runs = new Map<string, Promise<ProbeRun>>();
  private readonly fetch: typeof fetch;

  constructor(
    private readonly options: HttpProbeOptions,
    private readonly deps: ProviderDeps,
  ) {
    if (!(Number.isFinite(options.rate) && options.rate > 0 && options.rate <= 1000))
      throw new UsageError(`the HTTP probe's rate must be between 0 and 1000 requests per second`, {
        place: { key: 'rate' },
      });
    if (!(Number.isFinite(options.timeoutMs) && options.timeoutMs > 0))
      throw new UsageError(`the HTTP probe's timeoutMs must be a positive number`, {
        place: { key: 'timeoutMs' },
      });
    this.endpoints = parseEndpoints(options.endpoints, 'HTTP probe');
    this.fetch = boundedFetch(options.fetch ?? fetch, {
      headersTimeoutMs: options.timeoutMs,
      idleTimeoutMs: options.timeoutMs,
      maxBytes: MAX_ANSWER_BYTES,
    });
  }

  async query(
    q: MetricsQuery,
    signal?: AbortSignal,
  ): Promise<{ samples: MetricSample[] } | { noData: string }> {
    if (!(PROBE_METRICS as readonly string[]).includes(q.metric))
      throw new UsageError(
        `the HTTP probe has no metric "${q.metric.slice(0, 80)}"; it has ${PROBE_METRICS.join(', ')}`,
      );
    const target = joinPath(
      endpointFor(this.endpoints, q.version, 'HTTP probe'),
      this.options.path,
    );
    const windowMs = Date.parse(q.to) - Date.parse(q.from);
    if (!(windowMs >= 0)) throw new UsageError(`a metrics window must be two instants in order`);
    const key = `${q.version}\n${q.from}\n${q.to}`;
    let run = this.runs.get(key);
    if (!run) {
      run = this.probe(target, this.options.versionHeaders?.[q.version], windowMs, signal);
      this.runs.set(key, run);
      if (this.runs.size > 16) this.runs.delete(this.runs.keys().next().value!);
      run.catch(() => this.runs.delete(key));
    }
    const result = await run;
    return this.metric(q.metric, result, q.version);
  }

  private metric(
    metric: string,
    run: ProbeRun,
    version: string,
  ): { samples: MetricSample[] } | { noData: string } {
    const total = run.errors.length;
    if (total === 0)
      return { noData: `the HTTP probe sent no request to ${version} (empty window)` };
    const end = run.at[run.at.length - 1]!;
    const failed = run.errors.reduce((a, b) => a + b, 0);
    const latencies = run.latency.filter((v): v is number => v !== undefined);
    switch (metric) {
      case 'errors':
        return { samples: run.errors.map((value, i) => ({ at: run.at[i]!, value })) };
      case 'latency': {
        const samples: MetricSample[] = [];
        run.latency.forEach((value, i) => {
          if (value !== undefined) samples.push({ at: run.at[i]!, value });
        });
        return samples.length
          ? { samples }
          : { noData: `none of the ${total} probe requests to ${version} got an answer` };
      }
      case 'error_rate':
        return { samples: [{ at: end, value: failed / total }] };
      case 'success_rate':
        return { samples: [{ at: end, value: 1 - failed / total }] };
      default: {
        if (latencies.length === 0)
          return { noData: `none of the ${total} probe requests to ${version} got an answer` };
        const q = Number(metric.slice('latency_p'.length)) / 100;
        return { samples: [{ at: end, value: quantile(latencies, q) }] };
      }
    }
  }

  private async probe(
    target: URL,
    headers: Record<string, string> | undefined,
    windowMs: number,
    signal?: AbortSignal,
  ): Promise<ProbeRun> {
    const intervalMs = 1000 / this.options.rate;
    const count = Math.min(MAX_PROBE_REQUESTS, Math.max(1, Math.floor(windowMs / intervalMs)));
    if (Math.floor(windowMs / intervalMs) > MAX_PROBE_REQUESTS)
      this.deps.logger.warn(
        `the HTTP probe sends at most ${MAX_PROBE_REQUESTS} requests per window; this window would need more`,
      );
    const run: ProbeRun = { at: [], latency: [], errors: [] };
    const start = this.deps.clock.now().getTime();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const due = start + i * intervalMs;
      const wait = due - this.deps.clock.now().getTime();
      if (wait > 0) await this.deps.sleep.sleep(wait, signal);
      signal?.throwIfAborted();
      run.at.push(this.deps.clock.now().toISOString());
      run.latency.push(undefined);
      run.errors.push(1);
      inFlight.push(this.send(target, headers, i, run, signal));
    }
    await Promise.all(inFlight);
    signal?.throwIfAborted();
    return run;
  }

  private async send(
    target: URL,
    extraHeaders: Record<string, string> | undefined,
    i: number,
    run: ProbeRun,
    signal?: AbortSignal,
  ): Promise<void> {
    const method = (
      this.options.method ?? (this.options.body !== undefined ? 'POST' : 'GET')
    ).toUpperCase();
    const body = this.options.body;
    const headers: Record<string, string> = { ...extraHeaders };
    if (body !== undefined)
      headers['content-type'] = looksLikeJson(body) ? 'application/json' : 'text/plain';
    const started = performance.now();
    try {
      const response = await this.fetch(target, {
        method,
        headers,
        ...(body !== undefined && method !== 'GET' && method !== 'HEAD' ? { body } : {}),
        ...(signal ? { signal } : {}),
      });
      await response.arrayBuffer();
      run.latency[i] = performance.now() - started;
      run.errors[i] = response.status >= 400 ? 1 : 0;
    } catch {
      // no answer (refused, reset, timeout, too large): an error without a latency
    }
  }
}

function looksLikeJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Linear-interpolated quantile (numpy's default) of unsorted values. */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
