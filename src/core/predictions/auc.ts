import { Random, streamOf } from './random.js';
import type { MetricComparison } from './metrics.js';

/**
 * ROC AUC of both models on the same examples, with its paired bootstrap, sorted once.
 *
 * AUC is the Mann-Whitney statistic: the share of (positive, negative) pairs the score orders
 * right, a tie counting half; exactly scikit-learn's `roc_auc_score` (the trapezoids of its ROC
 * curve, whose steps are the runs of equal scores). Walking the rows in score order, each run of
 * equal scores adds `positives(run) × (negatives below + negatives(run) / 2)`.
 *
 * A bootstrap resample draws the ids with replacement: row i is drawn w_i times, and the AUC of
 * the resample is the same sum with every row counted w_i times. The order of the scores does
 * not change, only the weights, so each resample is one linear pass over each model's order; the
 * rows are sorted once, by the engine, when they are read.
 *
 * Layout of one group (every paired example, or one slice value), m rows:
 * - `baselineFlags[k]`: the k-th row in the baseline's score order; bit 0: positive label,
 *   bit 1: first row of a run of equal baseline scores.
 * - `candidateOrder[j]`: the j-th row in the candidate's score order, as its position k in the
 *   baseline's order (weights are kept in that order); `candidateFlags[j]` as above for the
 *   candidate's score.
 */
export interface ScoreOrder {
  baselineFlags: Uint8Array;
  candidateOrder: Int32Array;
  candidateFlags: Uint8Array;
}

const POSITIVE = 1;
const RUN_START = 2;

/** Counts of each label in a group: AUC is undefined without both. */
export function labelCounts(order: ScoreOrder): { positive: number; negative: number } {
  let positive = 0;
  const flags = order.baselineFlags;
  for (let k = 0; k < flags.length; k++) positive += flags[k]! & POSITIVE;
  return { positive, negative: flags.length - positive };
}

/** AUC over rows in one score order, each counted once. NaN without both labels. */
function aucOnce(flags: Uint8Array): number {
  let pairs = 0;
  let below = 0;
  let positives = 0;
  let runPositive = 0;
  let runNegative = 0;
  for (let k = 0; k < flags.length; k++) {
    const f = flags[k]!;
    if (f & RUN_START) {
      pairs += runPositive * (below + 0.5 * runNegative);
      below += runNegative;
      positives += runPositive;
      runPositive = 0;
      runNegative = 0;
    }
    if (f & POSITIVE) runPositive++;
    else runNegative++;
  }
  pairs += runPositive * (below + 0.5 * runNegative);
  below += runNegative;
  positives += runPositive;
  return positives > 0 && below > 0 ? pairs / (positives * below) : Number.NaN;
}

/** AUC over the baseline's order, row k counted `weights[k]` times. */
function aucWeighted(flags: Uint8Array, weights: Int32Array): number {
  let pairs = 0;
  let below = 0;
  let positives = 0;
  let runPositive = 0;
  let runNegative = 0;
  for (let k = 0; k < flags.length; k++) {
    const f = flags[k]!;
    if (f & RUN_START) {
      pairs += runPositive * (below + 0.5 * runNegative);
      below += runNegative;
      positives += runPositive;
      runPositive = 0;
      runNegative = 0;
    }
    const w = weights[k]!;
    if (f & POSITIVE) runPositive += w;
    else runNegative += w;
  }
  pairs += runPositive * (below + 0.5 * runNegative);
  below += runNegative;
  positives += runPositive;
  return positives > 0 && below > 0 ? pairs / (positives * below) : Number.NaN;
}

/** AUC over the candidate's order, its j-th row counted `weights[order[j]]` times. */
function aucGathered(flags: Uint8Array, order: Int32Array, weights: Int32Array): number {
  let pairs = 0;
  let below = 0;
  let positives = 0;
  let runPositive = 0;
  let runNegative = 0;
  for (let j = 0; j < flags.length; j++) {
    const f = flags[j]!;
    if (f & RUN_START) {
      pairs += runPositive * (below + 0.5 * runNegative);
      below += runNegative;
      positives += runPositive;
      runPositive = 0;
      runNegative = 0;
    }
    const w = weights[order[j]!]!;
    if (f & POSITIVE) runPositive += w;
    else runNegative += w;
  }
  pairs += runPositive * (below + 0.5 * runNegative);
  below += runNegative;
  positives += runPositive;
  return positives > 0 && below > 0 ? pairs / (positives * below) : Number.NaN;
}

/** Both AUCs with row k (in the baseline's order) counted `counts[k]` times: one resample. */
export function weightedAuc(
  order: ScoreOrder,
  counts: Int32Array,
): { baseline: number; candidate: number } {
  return {
    baseline: aucWeighted(order.baselineFlags, counts),
    candidate: aucGathered(order.candidateFlags, order.candidateOrder, counts),
  };
}

/** Rows per block of the resampling: a block's counts stay in the fastest cache. */
const BLOCK_BITS = 12;
const BLOCK = 1 << BLOCK_BITS;

/**
 * How many times each of m rows is drawn when m ids are drawn uniformly with replacement, into
 * `out[0..m)`: Multinomial(m; 1/m, …, 1/m), exactly. The rows are cut into blocks of 4,096: how
 * many draws fall in each block is a multinomial over the blocks (conditional binomials), and
 * within a block each draw is a uniform row of it (12 random bits; a last, shorter block by
 * rejection). Drawing block by block keeps the counts being written in the cache.
 */
export function drawCounts(random: Random, m: number, out: Int32Array): void {
  out.fill(0, 0, m);
  let left = m;
  for (let start = 0; start < m && left > 0; start += BLOCK) {
    const length = Math.min(BLOCK, m - start);
    const rest = m - start;
    const draws = length === rest ? left : random.binomial(left, length / rest);
    left -= draws;
    if (length === BLOCK) {
      let d = 0;
      // Two independent 12-bit rows per 32 random bits.
      for (; d + 1 < draws; d += 2) {
        const u = random.nextUint32();
        out[start + (u >>> 20)]!++;
        out[start + ((u >>> 8) & (BLOCK - 1))]!++;
      }
      if (d < draws) out[start + (random.nextUint32() >>> 20)]!++;
    } else {
      // The largest multiple of `length` below 2^32: values past it are drawn again.
      const limit = Math.floor(4294967296 / length) * length;
      for (let d = 0; d < draws; d++) {
        let u = random.nextUint32();
        while (u >= limit) u = random.nextUint32();
        out[start + (u % length)]!++;
      }
    }
  }
}

/**
 * AUC of both models and the paired bootstrap of the difference: each resample draws the
 * group's ids once (the same counts for both models) and walks both score orders.
 */
export function compareAuc(
  order: ScoreOrder,
  options: { resamples: number; seed: number; stream: string },
  scratch?: Int32Array,
): MetricComparison {
  const m = order.baselineFlags.length;
  const baseline = aucOnce(order.baselineFlags);
  const candidate = aucOnce(order.candidateFlags);
  const deltas = new Float64Array(options.resamples);
  if (Number.isNaN(baseline) || Number.isNaN(candidate) || options.resamples === 0) {
    return {
      metric: 'auc',
      baseline,
      candidate,
      delta: candidate - baseline,
      resampled: deltas.subarray(0, 0),
    };
  }
  // Its own stream: AUC's resamples do not shift those of the other metrics.
  const random = new Random(options.seed, streamOf(`${options.stream}\u0000auc`));
  const weights = scratch && scratch.length >= m ? scratch : new Int32Array(m);
  let kept = 0;
  for (let r = 0; r < options.resamples; r++) {
    drawCounts(random, m, weights);
    const a = aucWeighted(order.baselineFlags, weights);
    const b = aucGathered(order.candidateFlags, order.candidateOrder, weights);
    const d = b - a;
    // A resample holding one label only has no AUC: left out, as a Python bootstrap skips it.
    if (!Number.isNaN(d)) deltas[kept++] = d;
  }
  return {
    metric: 'auc',
    baseline,
    candidate,
    delta: candidate - baseline,
    resampled: deltas.subarray(0, kept).sort(),
  };
}

/**
 * The score order of rows given as arrays (for tests and small inputs; the engine sorts large
 * ones): ties broken by row index, as the engine breaks them by id.
 */
export function scoreOrderOf(
  positive: ArrayLike<boolean | number>,
  baselineScore: ArrayLike<number>,
  candidateScore: ArrayLike<number>,
): ScoreOrder {
  const m = positive.length;
  const byBaseline = Array.from({ length: m }, (_, i) => i).sort(
    (i, j) => baselineScore[i]! - baselineScore[j]! || i - j,
  );
  const position = new Int32Array(m);
  byBaseline.forEach((row, k) => (position[row] = k));
  const byCandidate = Array.from({ length: m }, (_, i) => i).sort(
    (i, j) => candidateScore[i]! - candidateScore[j]! || i - j,
  );
  const flags = (rows: number[], score: ArrayLike<number>): Uint8Array =>
    Uint8Array.from(
      rows,
      (row, k) =>
        (positive[row] ? POSITIVE : 0) |
        (k === 0 || score[row] !== score[rows[k - 1]!] ? RUN_START : 0),
    );
  return {
    baselineFlags: flags(byBaseline, baselineScore),
    candidateOrder: Int32Array.from(byCandidate, (row) => position[row]!),
    candidateFlags: flags(byCandidate, candidateScore),
  };
}

export const SCORE_FLAGS = { POSITIVE, RUN_START } as const;
