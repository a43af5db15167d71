import { UsageError } from '../../errors.js';
import { hodgesLehmann, mannWhitney } from '../../stats/mann-whitney.js';
import { newcombeInterval, twoProportionZTest } from '../../stats/proportions.js';

/**
 * The comparative judge: canary against stable on the same window, Kayenta-style. Pure
 * arithmetic on samples; the providers fetch them, the rollout decides what an inconclusive
 * verdict does (roll back or wait).
 *
 * Both comparisons answer with a confidence interval on "how much worse is the canary", read
 * against the allowed margin `maxIncrease`:
 * - `fail`: the whole interval lies above the margin (the canary is worse than allowed, with
 *   the asked confidence);
 * - `pass`: the whole interval lies at or below it (the canary is within the margin);
 * - `inconclusive`: the interval straddles the margin (more samples would decide), or either
 *   side has fewer than `minSamples` samples. Never a pass for lack of data.
 * The interval is two-sided at `confidence`, so each of fail and pass is wrong at most
 * (1 − confidence) / 2 of the time when the model holds.
 * Numbers that cannot be computed (no samples) are NaN (JSON null).
 */

export { agreement, comparePredictions, samePrediction } from './distribution.js';
export type { Prediction } from './distribution.js';

export type JudgeVerdict = 'pass' | 'fail' | 'inconclusive';

export interface JudgeOptions {
  /** Allowed increase: relative for latency (0.1 = +10 %), absolute for error rates (0.01 = +1 point). */
  maxIncrease: number;
  /** Two-sided confidence of the interval, e.g. 0.95. */
  confidence: number;
  /** Fewer samples than this on either side → inconclusive. */
  minSamples: number;
}

/** More samples than this per side are thinned to this many evenly spaced order statistics. */
const MAX_LATENCY_SAMPLES = 100_000;

export interface LatencyComparison {
  verdict: JudgeVerdict;
  /** Hodges–Lehmann shift of canary over stable, relative to stable's median (0.2 = +20 %). */
  shift: number;
  /** Its distribution-free confidence interval, relative to stable's median. */
  interval: [number, number];
  /** Two-sided Mann–Whitney p-value (no difference in location). */
  p: number;
  /** Samples used: [stable, canary] (finite values only). */
  n: [number, number];
  reason: string;
  /** The shift and interval in the samples' own unit (ms). */
  absoluteShift: number;
  absoluteInterval: [number, number];
  stableMedian: number;
  canaryMedian: number;
  /** U of the canary, and how its p-value was computed. */
  u: number;
  method: 'exact' | 'asymptotic' | 'none';
}

export interface ErrorRateComparison {
  verdict: JudgeVerdict;
  /** Canary's error rate minus stable's. */
  difference: number;
  /** Newcombe hybrid score interval of the difference at `confidence`. */
  interval: [number, number];
  /** Two-sided p-value of the pooled two-proportion z-test. */
  p: number;
  reason: string;
  rates: { stable: number; canary: number };
  z: number;
}

function checkOptions(o: JudgeOptions): void {
  if (!(Number.isFinite(o.maxIncrease) && o.maxIncrease >= 0))
    throw new UsageError(`maxIncrease must be a number ≥ 0, got ${String(o.maxIncrease)}`);
  if (!(o.confidence > 0 && o.confidence < 1))
    throw new UsageError(
      `confidence must lie strictly between 0 and 1 (e.g. 0.95), got ${String(o.confidence)}`,
    );
  if (!(Number.isInteger(o.minSamples) && o.minSamples >= 1))
    throw new UsageError(`minSamples must be a whole number ≥ 1, got ${String(o.minSamples)}`);
}

const pct = (x: number, digits = 1) =>
  Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(digits)}%` : x > 0 ? '+∞' : '−∞';
const level = (c: number) => `${+(c * 100).toFixed(2)}%`;

function median(sorted: readonly number[]): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const mid = n >> 1;
  return n % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Evenly spaced order statistics of a sorted sample (its quantiles), `size` of them. */
function thin(sorted: number[], size: number): number[] {
  if (sorted.length <= size) return sorted;
  const out: number[] = [];
  for (let i = 0; i < size; i++)
    out.push(sorted[Math.round((i * (sorted.length - 1)) / (size - 1))]!);
  return out;
}

function verdictOf(interval: [number, number], margin: number): JudgeVerdict {
  if (interval[0] > margin) return 'fail';
  if (interval[1] <= margin) return 'pass';
  return 'inconclusive';
}

/**
 * Latency of the canary against stable: Mann–Whitney U for the p-value, Hodges–Lehmann for the
 * shift and its interval (see mann-whitney.ts), made relative by stable's median, judged
 * against `maxIncrease`. Non-finite samples (NaN from a provider) are dropped.
 */
export function compareLatency(
  stable: readonly number[],
  canary: readonly number[],
  o: JudgeOptions,
): LatencyComparison {
  checkOptions(o);
  let s = stable.filter(Number.isFinite).sort((a, b) => a - b);
  let c = canary.filter(Number.isFinite).sort((a, b) => a - b);
  const n: [number, number] = [s.length, c.length];
  const base = {
    n,
    stableMedian: median(s),
    canaryMedian: median(c),
  };
  const none = (reason: string): LatencyComparison => ({
    verdict: 'inconclusive',
    shift: Number.NaN,
    interval: [Number.NaN, Number.NaN],
    p: Number.NaN,
    absoluteShift: Number.NaN,
    absoluteInterval: [Number.NaN, Number.NaN],
    u: Number.NaN,
    method: 'none',
    ...base,
    reason,
  });
  if (s.length < o.minSamples || c.length < o.minSamples)
    return none(
      `too few samples to judge latency: stable ${s.length}, canary ${c.length}, at least ${o.minSamples} each needed`,
    );
  let thinned = '';
  if (s.length > MAX_LATENCY_SAMPLES || c.length > MAX_LATENCY_SAMPLES) {
    s = thin(s, MAX_LATENCY_SAMPLES);
    c = thin(c, MAX_LATENCY_SAMPLES);
    thinned = ` (judged on ${MAX_LATENCY_SAMPLES} quantiles per side)`;
  }
  const test = mannWhitney(c, s);
  const hl = hodgesLehmann(s, c, o.confidence);
  const scale = base.stableMedian;
  const result = {
    ...base,
    p: test.p,
    u: test.u,
    method: test.method,
    absoluteShift: hl.estimate,
    absoluteInterval: hl.interval,
  };
  if (!(scale > 0))
    return {
      ...result,
      verdict: 'inconclusive',
      shift: Number.NaN,
      interval: [Number.NaN, Number.NaN],
      reason: `stable's median latency is ${scale}: a relative increase cannot be judged`,
    };
  const shift = hl.estimate / scale;
  const interval: [number, number] = [hl.interval[0] / scale, hl.interval[1] / scale];
  const verdict = hl.k >= 1 ? verdictOf(interval, o.maxIncrease) : 'inconclusive';
  const said = `canary latency ${pct(shift)} vs stable (${level(o.confidence)} interval ${pct(interval[0])} to ${pct(interval[1])}, p=${formatP(test.p)}, n=${n[0]}/${n[1]})${thinned}`;
  const reason =
    hl.k < 1
      ? `${said}: too few samples for a ${level(o.confidence)} interval`
      : verdict === 'fail'
        ? `${said}: above the allowed ${pct(o.maxIncrease)}`
        : verdict === 'pass'
          ? `${said}: within the allowed ${pct(o.maxIncrease)}`
          : `${said}: the interval straddles the allowed ${pct(o.maxIncrease)}; more samples would decide`;
  return { ...result, verdict, shift, interval, reason };
}

function formatP(p: number): string {
  return p < 1e-4 ? p.toExponential(1) : p.toFixed(4);
}

function checkCounts(side: string, x: { errors: number; total: number }): void {
  if (
    !(Number.isFinite(x.errors) && Number.isFinite(x.total) && x.errors >= 0 && x.total >= 0) ||
    x.errors > x.total
  )
    throw new UsageError(
      `${side}: error counts must be finite with 0 ≤ errors ≤ total, got errors=${String(x.errors)} total=${String(x.total)}`,
      {
        hint: 'check that the error query counts failed requests and the total query all requests',
      },
    );
}

/**
 * Error rate of the canary against stable: the pooled two-proportion z-test for the p-value,
 * Newcombe's interval for the difference (see proportions.ts), judged against `maxIncrease`
 * (an absolute difference of rates: 0.01 allows one percentage point more errors).
 * Counts may be fractional (rates × durations from Prometheus).
 */
export function compareErrorRate(
  stable: { errors: number; total: number },
  canary: { errors: number; total: number },
  o: JudgeOptions,
): ErrorRateComparison {
  checkOptions(o);
  checkCounts('stable', stable);
  checkCounts('canary', canary);
  const rates = {
    stable: stable.total > 0 ? stable.errors / stable.total : Number.NaN,
    canary: canary.total > 0 ? canary.errors / canary.total : Number.NaN,
  };
  if (stable.total < o.minSamples || canary.total < o.minSamples)
    return {
      verdict: 'inconclusive',
      difference: rates.canary - rates.stable,
      interval: [Number.NaN, Number.NaN],
      p: Number.NaN,
      z: Number.NaN,
      rates,
      reason: `too few requests to judge error rates: stable ${stable.total}, canary ${canary.total}, at least ${o.minSamples} each needed`,
    };
  const test = twoProportionZTest(canary.errors, canary.total, stable.errors, stable.total);
  const interval = newcombeInterval(
    canary.errors,
    canary.total,
    stable.errors,
    stable.total,
    o.confidence,
  );
  const verdict = verdictOf(interval, o.maxIncrease);
  const points = (x: number) => pct(x, 2);
  const said = `canary errors ${points(rates.canary).replace('+', '')} vs stable ${points(rates.stable).replace('+', '')}: ${points(test.difference)} (${level(o.confidence)} interval ${points(interval[0])} to ${points(interval[1])}, p=${formatP(test.p)})`;
  const reason =
    verdict === 'fail'
      ? `${said}: above the allowed ${points(o.maxIncrease)}`
      : verdict === 'pass'
        ? `${said}: within the allowed ${points(o.maxIncrease)}`
        : `${said}: the interval straddles the allowed ${points(o.maxIncrease)}; more requests would decide`;
  return { verdict, difference: test.difference, interval, p: test.p, z: test.z, rates, reason };
}
