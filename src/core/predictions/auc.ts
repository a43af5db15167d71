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

/** Rows per block of the resampling: a block's counts stay in the fastest cache. */
const BLOCK_BITS = 12;
const BLOCK = 1 << BLOCK_BITS;
/** Rows per block of the candidate's order: its weights stay in the second-level cache. */
const SPREAD_BITS = 16;
const SPREAD = 1 << SPREAD_BITS;

/**
 * Where each row's weight goes so the candidate's pass reads it from cache: the rows are cut
 * into blocks of 65,536 in the candidate's order; `slot[k]` is row k's place in a buffer that
 * holds each block's rows together (in the baseline's order, so writing it is a few sequential
 * streams), `within[e]` the place in its block of the row at buffer place e. Walking the
 * candidate's order through a random permutation of 10 M rows misses the cache on every row
 * (~50 ns each); this way each weight is written and read back once, sequentially or in cache.
 */
interface Spread {
  slot: Int32Array;
  within: Uint16Array;
}

function spreadOf(order: ScoreOrder): Spread {
  const m = order.candidateOrder.length;
  const place = new Int32Array(m);
  order.candidateOrder.forEach((k, j) => (place[k] = j));
  const cursor = new Int32Array(Math.ceil(m / SPREAD));
  for (let b = 0; b < cursor.length; b++) cursor[b] = b << SPREAD_BITS;
  const slot = new Int32Array(m);
  const within = new Uint16Array(m);
  for (let k = 0; k < m; k++) {
    const j = place[k]!;
    const e = cursor[j >>> SPREAD_BITS]!++;
    slot[k] = e;
    within[e] = j & (SPREAD - 1);
  }
  return { slot, within };
}

/** Scratch arrays of one group's resamples, reused. */
interface Scratch {
  block: Int32Array;
  buffer: Int32Array;
  local: Int32Array;
  sums: Sums;
}

/** Fills `block[0..length)` with the counts of rows start..start+length of one resample. */
type Fill = (start: number, length: number, block: Int32Array) => void;

/**
 * The running sums of one pass, kept between blocks: [0] twice the pairs ordered right (ties
 * add 1 rather than ½), [1] negatives so far, [2] positives so far, [3] the negatives below
 * the current run, [4] positives and [5] negatives of the current run so far.
 */
type Sums = Float64Array;

/**
 * One block of a pass. Per row of a run of equal scores, with no branch on the label:
 * `pairs += w⁺ · (negatives below the run + ½ · negatives of the run so far) + ½ · w⁻ ·
 * positives of the run so far`, which adds up to `positives(run) × (below + negatives(run)/2)`.
 * Small functions called per block, so the engine optimises them as functions rather than
 * as one long loop replaced on the stack.
 */
function passBlock(
  sums: Sums,
  flags: Uint8Array,
  offset: number,
  weights: Int32Array,
  length: number,
): void {
  // Counts are whole numbers below 2^31 (an Int32Array holds the rows): int32 arithmetic,
  // doubles only for the pairs.
  let pairs2 = sums[0]!;
  let below = sums[1]! | 0;
  let positives = sums[2]! | 0;
  let belowStart = sums[3]! | 0;
  let runPositive = sums[4]! | 0;
  let runNegative = sums[5]! | 0;
  for (let i = 0; i < length; i++) {
    const f = flags[offset + i]! | 0;
    const w = weights[i]! | 0;
    if (f & RUN_START) {
      belowStart = below;
      runPositive = 0;
      runNegative = 0;
    }
    const wp = Math.imul(w, f & POSITIVE);
    const wn = (w - wp) | 0;
    pairs2 += wp * (2 * belowStart + runNegative) + wn * runPositive;
    runPositive = (runPositive + wp) | 0;
    runNegative = (runNegative + wn) | 0;
    below = (below + wn) | 0;
    positives = (positives + wp) | 0;
  }
  sums[0] = pairs2;
  sums[1] = below;
  sums[2] = positives;
  sums[3] = belowStart;
  sums[4] = runPositive;
  sums[5] = runNegative;
}

function aucOfSums(sums: Sums): number {
  const below = sums[1]!;
  const positives = sums[2]!;
  return positives > 0 && below > 0 ? sums[0]! / (2 * positives * below) : Number.NaN;
}

/** Writes a block's weights where the candidate's pass will read them. */
function spreadBlock(
  weights: Int32Array,
  length: number,
  slot: Int32Array,
  offset: number,
  buffer: Int32Array,
): void {
  for (let i = 0; i < length; i++) buffer[slot[offset + i]!] = weights[i]!;
}

/** Gathers one block of the candidate's order from the buffer into `local`, in cache. */
function gatherBlock(
  buffer: Int32Array,
  within: Uint16Array,
  start: number,
  end: number,
  local: Int32Array,
): void {
  for (let e = start; e < end; e++) local[within[e]!] = buffer[e]!;
}

/** Both AUCs of one resample, its counts given block by block by `fill`. */
function resampleAuc(
  order: ScoreOrder,
  spread: Spread,
  scratch: Scratch,
  fill: Fill,
): { baseline: number; candidate: number } {
  const m = order.baselineFlags.length;
  const { block, buffer, local, sums } = scratch;
  sums.fill(0);
  for (let start = 0; start < m; start += BLOCK) {
    const length = Math.min(BLOCK, m - start);
    fill(start, length, block);
    passBlock(sums, order.baselineFlags, start, block, length);
    spreadBlock(block, length, spread.slot, start, buffer);
  }
  const baseline = aucOfSums(sums);
  sums.fill(0);
  for (let start = 0; start < m; start += SPREAD) {
    const end = Math.min(m, start + SPREAD);
    gatherBlock(buffer, spread.within, start, end, local);
    passBlock(sums, order.candidateFlags, start, local, end - start);
  }
  return { baseline, candidate: aucOfSums(sums) };
}

function scratchOf(m: number, buffer?: Int32Array): Scratch {
  return {
    block: new Int32Array(BLOCK),
    buffer: buffer && buffer.length >= m ? buffer : new Int32Array(m),
    local: new Int32Array(SPREAD),
    sums: new Float64Array(6),
  };
}

/** Both AUCs with row k (in the baseline's order) counted `counts[k]` times: one resample. */
export function weightedAuc(
  order: ScoreOrder,
  counts: Int32Array,
): { baseline: number; candidate: number } {
  const fill: Fill = (start, length, block) => block.set(counts.subarray(start, start + length));
  return resampleAuc(order, spreadOf(order), scratchOf(counts.length), fill);
}

/**
 * The counts of drawing m ids uniformly with replacement, Multinomial(m; 1/m, …, 1/m), exactly,
 * block by block: the rows are cut into blocks of 4,096; how many draws fall in each block is a
 * multinomial over the blocks (conditional binomials, in order), and within a block each draw
 * is a uniform row of it (12 random bits; a last, shorter block by rejection). Each block's
 * counts are drawn into a small array that stays in the fastest cache while the passes read it.
 */
function drawer(random: Random, m: number): Fill {
  let left = m;
  return (start, length, block) => {
    block.fill(0, 0, length);
    const rest = m - start;
    const draws = length === rest ? left : random.binomial(left, length / rest);
    left -= draws;
    if (length === BLOCK) {
      let d = 0;
      // Two independent 12-bit rows per 32 random bits.
      for (; d + 1 < draws; d += 2) {
        const u = random.nextUint32();
        block[u >>> 20]!++;
        block[(u >>> 8) & (BLOCK - 1)]!++;
      }
      if (d < draws) block[random.nextUint32() >>> 20]!++;
      return;
    }
    // The largest multiple of `length` below 2^32: values past it are drawn again.
    const limit = Math.floor(4294967296 / length) * length;
    for (let d = 0; d < draws; d++) {
      let u = random.nextUint32();
      while (u >= limit) u = random.nextUint32();
      block[u % length]!++;
    }
  };
}

/** How many times each of m rows is drawn in one resample, into `out[0..m)`. */
export function drawCounts(random: Random, m: number, out: Int32Array): void {
  const fill = drawer(random, m);
  const block = new Int32Array(BLOCK);
  for (let start = 0; start < m; start += BLOCK) {
    const length = Math.min(BLOCK, m - start);
    fill(start, length, block);
    out.set(block.subarray(0, length), start);
  }
}

/**
 * AUC of both models and the paired bootstrap of the difference: each resample draws the
 * group's ids once (the same counts for both models) and walks both score orders.
 */
export function compareAuc(
  order: ScoreOrder,
  options: { resamples: number; seed: number; stream: string },
  buffer?: Int32Array,
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
  const spread = spreadOf(order);
  const scratch = scratchOf(m, buffer);
  let kept = 0;
  for (let r = 0; r < options.resamples; r++) {
    const { baseline: a, candidate: b } = resampleAuc(order, spread, scratch, drawer(random, m));
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
