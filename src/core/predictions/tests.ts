import { logGamma } from '../stats/special.js';

/**
 * McNemar's exact test on the discordant pairs (b: right → wrong, c: wrong → right), as
 * statsmodels' `mcnemar([[a, b], [c, d]], exact=True)`: the statistic is min(b, c), the
 * p-value 2 · P(X ≤ min(b, c)) for X ~ Binomial(b + c, ½), at most 1; 1 without discordant pairs.
 */
export function mcnemarExact(b: number, c: number): { statistic: number; p: number } {
  const statistic = Math.min(b, c);
  const n = b + c;
  if (n === 0) return { statistic, p: 1 };
  return { statistic, p: Math.min(1, 2 * binomialHalfCdf(statistic, n)) };
}

/**
 * P(X ≤ k) for X ~ Binomial(n, ½), summed in log space from k down, where the terms fall off
 * (k ≤ n/2): each term is the previous one times i/(n − i + 1), so the sum stops once they no
 * longer change it. Tails far out (1e-300) keep their relative precision.
 */
export function binomialHalfCdf(k: number, n: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (2 * k > n) return 1 - binomialHalfCdf(n - k - 1, n);
  const logTop = logChoose(n, k) - n * Math.LN2;
  // Σ_{i ≤ k} C(n,i)/C(n,k), from i = k down.
  let term = 1;
  let sum = 1;
  for (let i = k; i > 0; i--) {
    term *= i / (n - i + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return Math.exp(logTop + Math.log(sum));
}

function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/** numpy's default percentile (linear interpolation between order statistics) of sorted values. */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
  const count = sorted.length;
  if (count === 0) return Number.NaN;
  const position = q * (count - 1);
  const below = Math.floor(position);
  const above = Math.min(count - 1, below + 1);
  const fraction = position - below;
  const low = sorted[below]!;
  const high = sorted[above]!;
  return fraction === 0 ? low : low + (high - low) * fraction;
}

/** The two-sided percentile interval at `confidence` of bootstrap values (NaN ones left out). */
export function percentileInterval(
  values: Float64Array,
  confidence: number,
): [number, number] | undefined {
  const finite = values.filter((value) => !Number.isNaN(value)).sort();
  if (finite.length === 0) return undefined;
  const tail = (1 - confidence) / 2;
  return [percentileSorted(finite, tail), percentileSorted(finite, 1 - tail)];
}
