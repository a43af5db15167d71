import { normalQuantile, normalSf } from './normal.js';

/**
 * Mann–Whitney U and the Hodges–Lehmann shift with its distribution-free confidence interval.
 *
 * Agreement with scipy (`scipy.stats.mannwhitneyu(a, b)`, two-sided): the statistic is U of `a`,
 * the p-value is 2·P(U ≥ max(U_a, U_b)), clipped at 1.
 * - exact: without ties and with n·m ≤ EXACT_MAX_PAIRS, from the exact null distribution of U
 *   (the coefficients of the Gaussian binomial [n+m choose n]_q, in BigInt: no rounding);
 *   scipy's `method='exact'`.
 * - asymptotic: otherwise, the normal approximation with the tie correction of the variance and
 *   a continuity correction of ½; scipy's `method='asymptotic', use_continuity=True`.
 *   (scipy's default 'auto' switches to asymptotic as soon as both sizes exceed 8; sluice keeps
 *   the exact distribution longer because it is cheap and better.)
 */

/** Largest n·m whose exact distribution is computed (≈ 50 × 50 samples: a few ms). */
const EXACT_MAX_PAIRS = 2_500;

export interface MannWhitneyResult {
  /** U of the first sample: pairs (a, b) with a > b, plus half the ties. */
  u: number;
  /** Two-sided p-value. */
  p: number;
  method: 'exact' | 'asymptotic';
  /** Whether a value occurs more than once in the pooled samples. */
  ties: boolean;
  /** Standard deviation of U under the null hypothesis (tie-corrected). */
  sd: number;
}

interface Ranked {
  /** Sum of the ranks (midranks for ties) of the first sample. */
  rankSumA: number;
  /** Σ (t³ − t) over groups of tied values. */
  tieTerm: number;
}

function rank(a: readonly number[], b: readonly number[]): Ranked {
  const pooled: { v: number; fromA: boolean }[] = [];
  for (const v of a) pooled.push({ v, fromA: true });
  for (const v of b) pooled.push({ v, fromA: false });
  pooled.sort((p, q) => p.v - q.v);
  let rankSumA = 0;
  let tieTerm = 0;
  for (let i = 0; i < pooled.length;) {
    let j = i + 1;
    while (j < pooled.length && pooled[j]!.v === pooled[i]!.v) j++;
    const t = j - i;
    const midrank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (pooled[k]!.fromA) rankSumA += midrank;
    if (t > 1) tieTerm += t * t * t - t;
    i = j;
  }
  return { rankSumA, tieTerm };
}

/** Standard deviation of U under the null, with the tie correction. */
function uStandardDeviation(n: number, m: number, tieTerm: number): number {
  const total = n + m;
  const variance = ((n * m) / 12) * (total + 1 - tieTerm / (total * (total - 1)));
  return Math.sqrt(Math.max(variance, 0));
}

/** Mann–Whitney U test of `a` against `b`, two-sided. Both samples must be non-empty and finite. */
export function mannWhitney(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) throw new RangeError('mannWhitney needs two non-empty samples');
  const { rankSumA, tieTerm } = rank(a, b);
  const u = rankSumA - (n * (n + 1)) / 2;
  const uMax = Math.max(u, n * m - u);
  const ties = tieTerm > 0;
  const sd = uStandardDeviation(n, m, tieTerm);
  if (!ties && n * m <= EXACT_MAX_PAIRS) {
    const dist = exactDistribution(n, m);
    return { u, p: Math.min(1, 2 * dist.sf(uMax)), method: 'exact', ties, sd };
  }
  const p = sd === 0 ? 1 : Math.min(1, 2 * normalSf((uMax - (n * m) / 2 - 0.5) / sd));
  return { u, p, method: 'asymptotic', ties, sd };
}

/** The exact null distribution of U for sizes n and m (no ties). */
interface UDistribution {
  /** P(U ≤ u). */
  cdf(u: number): number;
  /** P(U ≥ u). */
  sf(u: number): number;
}

const exactCache = new Map<string, UDistribution>();

/**
 * Counts of arrangements per value of U: coefficients of Π_{i=1..s} (1 − q^{l+i}) / (1 − q^i)
 * with s = min(n, m), l = max(n, m); exact integers, then shares of C(n+m, n).
 */
function exactDistribution(n: number, m: number): UDistribution {
  const key = `${Math.min(n, m)}x${Math.max(n, m)}`;
  const cached = exactCache.get(key);
  if (cached) return cached;
  const s = Math.min(n, m);
  const l = Math.max(n, m);
  const degree = s * l;
  const c: bigint[] = new Array<bigint>(degree + 1).fill(0n);
  c[0] = 1n;
  for (let i = 1; i <= s; i++) {
    const shift = l + i;
    for (let u = degree; u >= shift; u--) c[u] = c[u]! - c[u - shift]!;
    for (let u = i; u <= degree; u++) c[u] = c[u]! + c[u - i]!;
  }
  const cumulative: bigint[] = [];
  let running = 0n;
  for (const count of c) {
    running += count;
    cumulative.push(running);
  }
  const total = running;
  const share = (count: bigint) => ratio(count, total);
  const dist: UDistribution = {
    cdf(u) {
      const k = Math.floor(u);
      if (k < 0) return 0;
      if (k >= degree) return 1;
      return share(cumulative[k]!);
    },
    sf(u) {
      const k = Math.ceil(u);
      if (k <= 0) return 1;
      if (k > degree) return 0;
      return share(total - cumulative[k - 1]!);
    },
  };
  if (exactCache.size > 64) exactCache.clear();
  exactCache.set(key, dist);
  return dist;
}

/** a / b for big integers, without losing the small ones to Number's range. */
function ratio(a: bigint, b: bigint): number {
  const shift = BigInt(Math.max(0, b.toString(2).length - 60));
  return Number(a >> shift) / Number(b >> shift);
}

/**
 * The k-th smallest (1-based) of the n·m differences b_j − a_i, for ascending `a` and `b`,
 * without listing them: bisection on the value, each step counting the differences ≤ t with two
 * pointers in O(n + m), until at most n + m differences lie in the bracket; those are listed
 * and sorted. Time O((n + m) · B) with B the bisection steps (≤ ~2,100 for doubles, about 60
 * in practice), memory O(n + m). For ascending a_i the differences ≤ t of each row only grow
 * in number, so one pointer serves all rows; rounding of b_j − a_i is monotone, so counts are
 * exact.
 */
export function kthDifference(a: readonly number[], b: readonly number[], k: number): number {
  const n = a.length;
  const m = b.length;
  if (!(k >= 1 && k <= n * m)) throw new RangeError(`k=${k} outside 1..${n * m}`);
  const count = (t: number): number => {
    let total = 0;
    let j = 0;
    for (let i = 0; i < n; i++) {
      const x = a[i]!;
      while (j < m && b[j]! - x <= t) j++;
      total += j;
    }
    return total;
  };
  let lo = b[0]! - a[n - 1]!;
  let countLo = count(lo);
  if (countLo >= k) return lo;
  let hi = b[m - 1]! - a[0]!;
  let countHi = n * m;
  while (countHi - countLo > n + m) {
    const mid = lo / 2 + hi / 2;
    if (mid <= lo || mid >= hi) return hi; // adjacent doubles: every difference in (lo, hi] is hi
    const c = count(mid);
    if (c >= k) {
      hi = mid;
      countHi = c;
    } else {
      lo = mid;
      countLo = c;
    }
  }
  const inside: number[] = [];
  let from = 0;
  let to = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    while (from < m && b[from]! - x <= lo) from++;
    while (to < m && b[to]! - x <= hi) to++;
    for (let j = from; j < to; j++) inside.push(b[j]! - x);
  }
  inside.sort((p, q) => p - q);
  return inside[k - countLo - 1]!;
}

export interface ShiftEstimate {
  /** Hodges–Lehmann estimate of the shift of `b` over `a`: the median of all b_j − a_i. */
  estimate: number;
  /** Distribution-free interval [D_(k), D_(nm+1−k)]; infinite ends when k < 1. */
  interval: [number, number];
  /** The order k of the lower end. */
  k: number;
  /** Coverage the chosen k gives (exact method) or aims at (normal approximation). */
  coverage: number;
  method: 'exact' | 'asymptotic';
}

/**
 * Hodges–Lehmann shift of `b` over `a` with the confidence interval from U's quantiles
 * (Hollander & Wolfe, §4.3): k is the largest order with P(U ≤ k − 1) ≤ α/2, from the exact
 * distribution (n·m ≤ EXACT_MAX_PAIRS) or from the normal approximation with continuity
 * correction: k = ⌊nm/2 + ½ − z_{1−α/2}·sd⌋, sd = √(nm(n+m+1)/12).
 * k uses U's distribution for continuous data, without the tie correction the p-value has: it
 * then depends on n, m and the confidence only, so the interval moves with the data's
 * differences and nothing else (a larger shift never gives a lower bound that is lower, which a
 * tie correction changing with the data would break; ties make the interval a little wider).
 */
export function hodgesLehmann(
  a: readonly number[],
  b: readonly number[],
  confidence: number,
): ShiftEstimate {
  const sa = [...a].sort((p, q) => p - q);
  const sb = [...b].sort((p, q) => p - q);
  const n = sa.length;
  const m = sb.length;
  const pairs = n * m;
  const half = Math.floor((pairs + 1) / 2);
  const estimate =
    pairs % 2 === 1
      ? kthDifference(sa, sb, half)
      : (kthDifference(sa, sb, half) + kthDifference(sa, sb, half + 1)) / 2;
  const alpha = 1 - confidence;
  let k: number;
  let coverage: number;
  let method: ShiftEstimate['method'];
  if (pairs <= EXACT_MAX_PAIRS) {
    const dist = exactDistribution(n, m);
    k = 0;
    while (k < Math.floor(pairs / 2) && dist.cdf(k) <= alpha / 2) k++;
    coverage = k >= 1 ? 1 - 2 * dist.cdf(k - 1) : 0;
    method = 'exact';
  } else {
    const sd = uStandardDeviation(n, m, 0);
    k = Math.floor(pairs / 2 + 0.5 - normalQuantile(1 - alpha / 2) * sd);
    k = Math.min(k, Math.floor((pairs + 1) / 2));
    coverage = confidence;
    method = 'asymptotic';
  }
  const interval: [number, number] =
    k >= 1
      ? [kthDifference(sa, sb, k), kthDifference(sa, sb, pairs + 1 - k)]
      : [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
  return { estimate, interval, k, coverage, method };
}
