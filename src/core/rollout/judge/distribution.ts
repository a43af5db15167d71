import { jensenShannon, psi, sturgesEdges, type Binned } from '../../data/drift/stats.js';

/**
 * Comparing the predictions of two versions on the same rows (the replay provider): how often
 * they agree, and how far apart their prediction distributions are, with validate-data's drift
 * statistics (src/core/data/drift/stats.ts: Evidently's PSI and scipy's Jensen–Shannon distance,
 * stable as the reference, canary as the current sample).
 */

/** A prediction as read from an answer: a class label, a number, or something else as JSON text. */
export type Prediction = string | number | boolean | null;

/** Numeric predictions with more distinct values than this are binned; fewer are classes. */
const MAX_CLASSES_FOR_NUMBERS = 10;

/** Whether two predictions count as the same: equal labels, or numbers within 1e-9 relative. */
export function samePrediction(a: Prediction, b: Prediction): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a === b) return true;
    return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
  }
  return a === b;
}

/** Share of rows where both versions predict the same, or NaN without rows. */
export function agreement(pairs: readonly { stable: Prediction; canary: Prediction }[]): number {
  if (pairs.length === 0) return Number.NaN;
  let same = 0;
  for (const pair of pairs) if (samePrediction(pair.stable, pair.canary)) same++;
  return same / pairs.length;
}

export interface DistributionComparison {
  /** Population stability index, stable as reference (Evidently's formula). */
  psi: number;
  /** Jensen–Shannon distance, natural log (scipy's `distance.jensenshannon`), 0..√ln2. */
  jensenShannon: number;
  /** How the predictions were counted. */
  kind: 'classes' | 'binned';
  bins: number;
}

/** PSI and Jensen–Shannon between the stable and canary predictions; undefined if either is empty. */
export function comparePredictions(
  stable: readonly Prediction[],
  canary: readonly Prediction[],
): DistributionComparison | undefined {
  if (stable.length === 0 || canary.length === 0) return undefined;
  const binned = binPredictions(stable, canary);
  return {
    psi: psi(binned.counts),
    jensenShannon: jensenShannon(binned.counts),
    kind: binned.kind,
    bins: binned.counts.reference.length,
  };
}

function binPredictions(
  stable: readonly Prediction[],
  canary: readonly Prediction[],
): { counts: Binned; kind: 'classes' | 'binned' } {
  const all = [...stable, ...canary];
  const numeric = all.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (numeric && new Set(all).size > MAX_CLASSES_FOR_NUMBERS) {
    const values = all as number[];
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const v of values) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const edges = sturgesEdges(min, max, values.length, values.every(Number.isInteger));
    const histogram = (sample: readonly Prediction[]) => {
      const counts = new Array<number>(edges.length - 1).fill(0);
      for (const v of sample as number[]) counts[binOf(edges, v)]!++;
      return counts;
    };
    return {
      kind: 'binned',
      counts: {
        reference: histogram(stable),
        current: histogram(canary),
        referenceTotal: stable.length,
        currentTotal: canary.length,
      },
    };
  }
  const key = (v: Prediction) => (typeof v === 'string' ? `s:${v}` : `j:${JSON.stringify(v)}`);
  const index = new Map<string, number>();
  for (const v of all) if (!index.has(key(v))) index.set(key(v), index.size);
  const count = (sample: readonly Prediction[]) => {
    const counts = new Array<number>(index.size).fill(0);
    for (const v of sample) counts[index.get(key(v))!]!++;
    return counts;
  };
  return {
    kind: 'classes',
    counts: {
      reference: count(stable),
      current: count(canary),
      referenceTotal: stable.length,
      currentTotal: canary.length,
    },
  };
}

/** numpy.histogram's bin: half-open [e_i, e_{i+1}), the last one closed. */
function binOf(edges: readonly number[], v: number): number {
  const last = edges.length - 2;
  if (v >= edges[last + 1]!) return last;
  let lo = 0;
  let hi = last;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (edges[mid]! <= v) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
