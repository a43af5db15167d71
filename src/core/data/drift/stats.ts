import { chi2Sf } from '../../stats/special.js';
import { minOf } from '../../arrays.js';

/**
 * Drift statistics from counts, as Evidently defines them (its `get_binned_data`, `psi`,
 * `jensenshannon`, `chisquare` and normed `wasserstein` tests). DuckDB produces the counts;
 * these functions only do arithmetic on them.
 */

/** Reference and current counts per bin (numeric) or per category, aligned. */
export interface Binned {
  reference: number[];
  current: number[];
  /** Non-null values in each sample: the denominators Evidently uses. */
  referenceTotal: number;
  currentTotal: number;
}

/** Bin edges as numpy's `histogram_bin_edges(values, bins='sturges')` makes them. */
export function sturgesEdges(
  min: number,
  max: number,
  size: number,
  integerValues: boolean,
): number[] {
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  let width = (max - min) / (Math.log2(size) + 1);
  let bins = 1;
  if (width) {
    if (integerValues && width < 1) width = 1;
    bins = Math.ceil((last - first) / width);
  }
  const step = (last - first) / bins;
  const edges: number[] = [];
  for (let i = 0; i <= bins; i++) edges.push(i * step + first);
  edges[bins] = last;
  return edges;
}

/** Shares per bin; with `fillZeros`, empty bins get Evidently's small stand-in value. */
function percents(binned: Binned, fillZeros: boolean): { reference: number[]; current: number[] } {
  const reference = binned.reference.map((c) => c / binned.referenceTotal);
  const current = binned.current.map((c) => c / binned.currentTotal);
  if (fillZeros) {
    fill(reference);
    fill(current);
  }
  return { reference, current };
}

function fill(shares: number[]): void {
  const nonZero = shares.filter((s) => s !== 0);
  if (nonZero.length === 0) return;
  const smallest = minOf(nonZero);
  const stand = smallest <= 0.0001 ? smallest / 10 ** 6 : 0.0001;
  for (let i = 0; i < shares.length; i++) if (shares[i] === 0) shares[i] = stand;
}

export function psi(binned: Binned): number {
  const { reference, current } = percents(binned, true);
  let sum = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i] as number;
    const c = current[i] as number;
    sum += (r - c) * Math.log(r / c);
  }
  return sum;
}

function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Number.POSITIVE_INFINITY;
}

/** Jensen–Shannon distance (natural log), scipy's `distance.jensenshannon` on the shares. */
export function jensenShannon(binned: Binned): number {
  const shares = percents(binned, false);
  const sumP = shares.reference.reduce((a, b) => a + b, 0);
  const sumQ = shares.current.reduce((a, b) => a + b, 0);
  let left = 0;
  let right = 0;
  for (let i = 0; i < shares.reference.length; i++) {
    const p = (shares.reference[i] as number) / sumP;
    const q = (shares.current[i] as number) / sumQ;
    const m = (p + q) / 2;
    left += relEntr(p, m);
    right += relEntr(q, m);
  }
  return Math.sqrt((left + right) / 2);
}

/** Pearson chi-square of current counts against reference frequencies scaled to the current size. */
export function chiSquare(binned: Binned): { statistic: number; pValue: number } {
  const scale = binned.currentTotal / binned.referenceTotal;
  let statistic = 0;
  for (let i = 0; i < binned.reference.length; i++) {
    const expected = (binned.reference[i] as number) * scale;
    const observed = binned.current[i] as number;
    statistic += (observed - expected) ** 2 / expected;
  }
  const dof = binned.reference.length - 1;
  return { statistic, pValue: dof > 0 ? chi2Sf(statistic, dof) : Number.NaN };
}

/** Half the L1 distance between the two share vectors: the effect size behind a chi-square. */
export function totalVariation(binned: Binned): number {
  let sum = 0;
  for (let i = 0; i < binned.reference.length; i++) {
    sum += Math.abs(
      (binned.reference[i] as number) / binned.referenceTotal -
        (binned.current[i] as number) / binned.currentTotal,
    );
  }
  return sum / 2;
}

/** Evidently's normalisation: distance / max(population std of the reference, 0.001). */
export function normedWasserstein(distance: number, referenceStd: number): number {
  return distance / Math.max(referenceStd, 0.001);
}

/** ECDF distance and 1-Wasserstein between two samples, from sorted arrays (small data, tests). */
export function ecdfStatistics(
  sortedA: readonly number[],
  sortedB: readonly number[],
): { d: number; wasserstein: number } {
  const n1 = sortedA.length;
  const n2 = sortedB.length;
  let i = 0;
  let j = 0;
  let maxDiff = Number.NEGATIVE_INFINITY;
  let minDiff = Number.POSITIVE_INFINITY;
  let area = 0;
  while (i < n1 || j < n2) {
    const a = i < n1 ? (sortedA[i] as number) : Number.POSITIVE_INFINITY;
    const b = j < n2 ? (sortedB[j] as number) : Number.POSITIVE_INFINITY;
    const value = Math.min(a, b);
    while (i < n1 && sortedA[i] === value) i++;
    while (j < n2 && sortedB[j] === value) j++;
    const diff = i / n1 - j / n2;
    if (diff > maxDiff) maxDiff = diff;
    if (diff < minDiff) minDiff = diff;
    const next = Math.min(
      i < n1 ? (sortedA[i] as number) : Number.POSITIVE_INFINITY,
      j < n2 ? (sortedB[j] as number) : Number.POSITIVE_INFINITY,
    );
    if (Number.isFinite(next)) area += Math.abs(diff) * (next - value);
  }
  const d = Math.max(Math.min(Math.max(-minDiff, 0), 1), maxDiff);
  return { d, wasserstein: area };
}
