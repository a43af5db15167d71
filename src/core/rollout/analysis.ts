import { UsageError } from '../errors.js';
import type { Clock, MetricSample, MetricsProvider, Sleep } from '../ports.js';
import { compareErrorRate, compareLatency } from './judge/index.js';
import type {
  AnalysisMetric,
  AnalysisPhase,
  AnalysisSpec,
  Measurement,
  MeasurementPhase,
  ProviderConfig,
  Threshold,
  VersionRef,
} from './model.js';

/**
 * Analysis with Argo Rollouts' semantics (docs/rollout.md):
 * - each metric takes a measurement at `initialDelay`, then every `interval`, `count` times
 *   (no count and no interval: once; an interval without a count: until the analysis is ended);
 * - a measurement is Successful, Failed or Inconclusive from the conditions (Argo's rule: with
 *   only a success condition, not meeting it is Failed; with only a failure condition, not
 *   meeting it is Successful; with both, meeting neither is Inconclusive), or Error when the
 *   provider failed. sluice adds: no data is Inconclusive, never a pass;
 * - Successful, Failed and Inconclusive count towards `count`; Error does not, and is retried
 *   after `interval` (10 s without one, as Argo);
 * - the metric is Failed when Failed > failureLimit, Inconclusive when Inconclusive >
 *   inconclusiveLimit, Error when consecutive errors > consecutiveErrorLimit (checked in that
 *   order after every measurement), Successful once `count` measurements are taken, or when the
 *   analysis is ended while none of these limits is passed;
 * - the analysis is the worst of its metrics (Failed, Error, Inconclusive, Successful), and ends
 *   as soon as one metric ends otherwise than Successful.
 */

const ERROR_RETRY_MS = 10_000;
const DEFAULT_WINDOW_MS = 60_000;

export type ProviderFactory = (config: ProviderConfig) => Promise<MetricsProvider>;

export interface AnalysisContext {
  providers: ProviderFactory;
  clock: Clock;
  sleep: Sleep;
  stable: VersionRef;
  canary: VersionRef;
  /** Aborts the analysis with the rollout (cancellation): rejects with the signal's reason. */
  signal: AbortSignal;
  /** Ends an analysis that runs until ended (background): its metrics are then assessed as they are. */
  end?: AbortSignal;
  /** `end` ends only metrics without a count of their own (shadow): the others take all theirs. */
  endUnlimitedOnly?: boolean;
  onMeasurement?: (measurement: Measurement) => void;
}

export interface MetricResult {
  name: string;
  phase: AnalysisPhase;
  successful: number;
  failed: number;
  inconclusive: number;
  error: number;
  consecutiveError: number;
  /** Measurements that count (Argo `count`): all but errors. */
  count: number;
  reason: string;
}

export interface AnalysisResult {
  phase: AnalysisPhase;
  reason: string;
  metrics: MetricResult[];
  measurements: Measurement[];
}

const SEVERITY: Record<AnalysisPhase, number> = {
  Successful: 0,
  Inconclusive: 1,
  Error: 2,
  Failed: 3,
};

export async function runAnalysis(
  spec: AnalysisSpec,
  ctx: AnalysisContext,
): Promise<AnalysisResult> {
  const measurements: Measurement[] = [];
  const stop = new AbortController();
  const cache = new Map<ProviderConfig, Promise<MetricsProvider>>();
  const provider = (config: ProviderConfig) => {
    let p = cache.get(config);
    if (!p) cache.set(config, (p = ctx.providers(config)));
    return p;
  };
  const local: AnalysisContext = {
    ...ctx,
    providers: provider,
    onMeasurement: (m) => {
      measurements.push(m);
      ctx.onMeasurement?.(m);
    },
  };
  const results = await Promise.all(
    spec.metrics.map(async (metric) => {
      const result = await runMetric(metric, local, stop.signal);
      if (result.phase !== 'Successful') stop.abort();
      return result;
    }),
  );
  const worst = results.reduce<MetricResult | undefined>(
    (acc, r) => (!acc || SEVERITY[r.phase] > SEVERITY[acc.phase] ? r : acc),
    undefined,
  );
  return {
    phase: worst?.phase ?? 'Successful',
    reason:
      worst && worst.phase !== 'Successful'
        ? `${worst.name}: ${worst.reason}`
        : 'every metric passed',
    metrics: results,
    measurements,
  };
}

/** Argo's assessMetricStatus: the metric's phase after its latest measurement, or undefined while it runs. */
export function assessMetric(
  metric: Pick<
    AnalysisMetric,
    'failureLimit' | 'inconclusiveLimit' | 'consecutiveErrorLimit' | 'count' | 'intervalMs'
  >,
  r: Pick<MetricResult, 'failed' | 'inconclusive' | 'consecutiveError' | 'count'>,
  ending: boolean,
): AnalysisPhase | undefined {
  if (r.failed > metric.failureLimit) return 'Failed';
  if (r.inconclusive > metric.inconclusiveLimit) return 'Inconclusive';
  if (r.consecutiveError > metric.consecutiveErrorLimit) return 'Error';
  const effectiveCount = metric.count ?? (metric.intervalMs > 0 ? undefined : 1);
  if (effectiveCount !== undefined && r.count >= effectiveCount) return 'Successful';
  if (ending) return 'Successful';
  return undefined;
}

async function runMetric(
  metric: AnalysisMetric,
  ctx: AnalysisContext,
  stop: AbortSignal,
): Promise<MetricResult> {
  const r: MetricResult = {
    name: metric.name,
    phase: 'Successful',
    successful: 0,
    failed: 0,
    inconclusive: 0,
    error: 0,
    consecutiveError: 0,
    count: 0,
    reason: '',
  };
  const limited = metric.count !== undefined || metric.intervalMs <= 0;
  const end = ctx.endUnlimitedOnly && limited ? undefined : ctx.end;
  const waitSignal = AbortSignal.any([ctx.signal, stop, ...(end ? [end] : [])]);
  const ended = () => stop.aborted || (end?.aborted ?? false);
  /** Waits; false when the analysis was ended meanwhile (cancellation rethrows). */
  const wait = async (ms: number): Promise<boolean> => {
    if (ms <= 0) return !ended();
    try {
      await ctx.sleep.sleep(ms, waitSignal);
      return true;
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      if (ended()) return false;
      throw error;
    }
  };
  const finish = (phase: AnalysisPhase, reason: string): MetricResult => {
    r.phase = phase;
    r.reason = reason;
    return r;
  };
  let last: Measurement | undefined;
  if (!(await wait(metric.initialDelayMs)))
    return finish('Successful', 'ended before its first measurement');
  for (;;) {
    ctx.signal.throwIfAborted();
    const m = await measure(metric, ctx);
    last = m;
    ctx.onMeasurement?.(m);
    if (m.phase === 'Error') {
      r.error++;
      r.consecutiveError++;
    } else {
      r.count++;
      r.consecutiveError = 0;
      if (m.phase === 'Successful') r.successful++;
      else if (m.phase === 'Failed') r.failed++;
      else r.inconclusive++;
    }
    const phase = assessMetric(metric, r, false);
    if (phase) return finish(phase, explain(phase, metric, r, last));
    const next = m.phase === 'Error' ? metric.intervalMs || ERROR_RETRY_MS : metric.intervalMs;
    if (!(await wait(next))) {
      const endPhase = assessMetric(metric, r, true)!;
      return finish(endPhase, explain(endPhase, metric, r, last));
    }
  }
}

function explain(
  phase: AnalysisPhase,
  metric: AnalysisMetric,
  r: MetricResult,
  last: Measurement | undefined,
): string {
  const why = last ? ` (last: ${last.reason})` : '';
  switch (phase) {
    case 'Failed':
      return `${r.failed} failed measurement${r.failed === 1 ? '' : 's'}, more than failureLimit ${metric.failureLimit}${why}`;
    case 'Inconclusive':
      return `${r.inconclusive} inconclusive measurement${r.inconclusive === 1 ? '' : 's'}, more than inconclusiveLimit ${metric.inconclusiveLimit}${why}`;
    case 'Error':
      return `${r.consecutiveError} consecutive errors, more than consecutiveErrorLimit ${metric.consecutiveErrorLimit}${why}`;
    default:
      return `${r.successful} of ${r.count} measurements successful`;
  }
}

type Read = { samples: number[] } | { noData: string } | { error: string };

async function read(
  metric: AnalysisMetric,
  ctx: AnalysisContext,
  version: VersionRef,
  from: string,
  to: string,
): Promise<Read> {
  let provider: MetricsProvider;
  try {
    provider = await ctx.providers(metric.provider);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    return { error: `the ${metric.provider.type} provider could not start: ${messageOf(error)}` };
  }
  try {
    const answer = await provider.query(
      { metric: metric.query, version: version.name, from, to },
      ctx.signal,
    );
    if ('noData' in answer) return { noData: answer.noData || 'no data' };
    const values = finiteValues(answer.samples);
    if (values.length === 0)
      return {
        noData:
          answer.samples.length === 0
            ? 'no samples in the window'
            : 'no finite sample in the window',
      };
    return { samples: values };
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    if (error instanceof UsageError) throw error;
    return { error: messageOf(error) };
  }
}

function finiteValues(samples: readonly MetricSample[]): number[] {
  return samples.map((s) => s.value).filter((v) => Number.isFinite(v));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** One measurement of a metric: the canary (and stable, when a condition compares) on the last window. */
async function measure(metric: AnalysisMetric, ctx: AnalysisContext): Promise<Measurement> {
  const now = ctx.clock.now();
  const windowMs = metric.intervalMs || metric.initialDelayMs || DEFAULT_WINDOW_MS;
  const to = now.toISOString();
  const from = new Date(now.getTime() - windowMs).toISOString();
  const base = { metric: metric.name, at: to };
  const needsStable =
    metric.compare !== undefined ||
    metric.success?.maxRegression !== undefined ||
    metric.failure?.maxRegression !== undefined;
  const [canary, stable] = await Promise.all([
    read(metric, ctx, ctx.canary, from, to),
    needsStable ? read(metric, ctx, ctx.stable, from, to) : undefined,
  ]);
  if ('error' in canary)
    return { ...base, phase: 'Error', reason: `${ctx.canary.name}: ${canary.error}` };
  if (stable && 'error' in stable)
    return { ...base, phase: 'Error', reason: `${ctx.stable.name} (stable): ${stable.error}` };
  if ('noData' in canary)
    return {
      ...base,
      phase: 'Inconclusive',
      reason: `no data for ${ctx.canary.name}: ${canary.noData}`,
    };
  const value = mean(canary.samples);
  if (stable && 'noData' in stable)
    return {
      ...base,
      value,
      phase: 'Inconclusive',
      reason: `no data for ${ctx.stable.name} (stable) to compare with: ${stable.noData}`,
    };
  const stableValues = stable && 'samples' in stable ? stable.samples : undefined;
  const stableValue = stableValues ? mean(stableValues) : undefined;
  const withValues = { ...base, value, ...(stableValue !== undefined ? { stableValue } : {}) };

  const phases: { phase: MeasurementPhase; reason: string }[] = [];
  if (metric.success || metric.failure) phases.push(conditionPhase(metric, value, stableValue));
  if (metric.compare && stableValues)
    phases.push(comparePhase(metric, stableValues, canary.samples));
  if (phases.length === 0)
    phases.push({ phase: 'Successful', reason: `${fmt(value)} (no condition)` });
  const worst = phases.reduce((a, b) => (SEVERITY[b.phase] > SEVERITY[a.phase] ? b : a));
  return { ...withValues, phase: worst.phase, reason: phases.map((p) => p.reason).join('; ') };
}

/** Argo's EvaluateResult with the gate's limits: within success limits is success; outside any failure limit is failure. */
export function conditionPhase(
  metric: Pick<AnalysisMetric, 'success' | 'failure'>,
  value: number,
  stableValue: number | undefined,
): { phase: MeasurementPhase; reason: string } {
  const successBroken = metric.success ? broken(metric.success, value, stableValue) : undefined;
  const failureBroken = metric.failure ? broken(metric.failure, value, stableValue) : undefined;
  let success = successBroken !== undefined && successBroken.length === 0;
  let failure = failureBroken !== undefined && failureBroken.length > 0;
  if (metric.success && !metric.failure) failure = !success;
  if (!metric.success && metric.failure) success = !failure;
  const shown = `${fmt(value)}${stableValue !== undefined ? ` (stable ${fmt(stableValue)})` : ''}`;
  if (failure) {
    const why = (failureBroken?.length ? failureBroken : successBroken) ?? [];
    return { phase: 'Failed', reason: `${shown}: ${why.join(', ')}` };
  }
  if (!success)
    return {
      phase: 'Inconclusive',
      reason: `${shown}: within the failure limits but not the success limits (${(successBroken ?? []).join(', ')})`,
    };
  return { phase: 'Successful', reason: `${shown}: within limits` };
}

/** The limits `value` breaks (empty when within all of them). */
function broken(t: Threshold, value: number, stable: number | undefined): string[] {
  const out: string[] = [];
  if (t.min !== undefined && !(value >= t.min)) out.push(`below min ${fmt(t.min)}`);
  if (t.max !== undefined && !(value <= t.max)) out.push(`above max ${fmt(t.max)}`);
  if (t.maxRegression !== undefined && stable !== undefined) {
    const worse = t.higherIsBetter ? stable - value : value - stable;
    // Relative to stable; against a stable of 0, any worsening is past every limit.
    const regression = worse <= 0 ? 0 : stable === 0 ? Infinity : worse / Math.abs(stable);
    if (regression > t.maxRegression) {
      out.push(
        `${Number.isFinite(regression) ? `${fmt(regression * 100)} %` : 'infinitely'} worse than stable, more than max_regression ${fmt(t.maxRegression)}`,
      );
    }
  }
  return out;
}

function comparePhase(
  metric: AnalysisMetric,
  stable: number[],
  canary: number[],
): { phase: MeasurementPhase; reason: string } {
  const c = metric.compare!;
  const o = { maxIncrease: c.maxIncrease, confidence: c.confidence, minSamples: c.minSamples };
  // error-rate: each sample is one request, 1 an error and 0 a success (the HTTP probe's form).
  const result =
    c.kind === 'latency'
      ? compareLatency(stable, canary, o)
      : compareErrorRate(
          { errors: stable.filter((v) => v !== 0).length, total: stable.length },
          { errors: canary.filter((v) => v !== 0).length, total: canary.length },
          o,
        );
  const phase: MeasurementPhase =
    result.verdict === 'pass'
      ? 'Successful'
      : result.verdict === 'fail'
        ? 'Failed'
        : 'Inconclusive';
  return { phase, reason: `compare ${c.kind}: ${result.reason}` };
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(4)));
}
