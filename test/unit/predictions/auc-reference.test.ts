import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  compareAuc,
  drawCounts,
  scoreOrderOf,
  weightedAuc,
} from '../../../src/core/predictions/auc.js';
import { intervalOf } from '../../../src/core/predictions/metrics.js';
import { Random } from '../../../src/core/predictions/random.js';

/**
 * AUC against scikit-learn's roc_auc_score, and its paired bootstrap against numpy resampling
 * the ids, on generated data with ties (scripts/fixtures/auc.py wrote the inputs and answers).
 */
interface Case {
  name: string;
  label: number[];
  baseline: number[];
  candidate: number[];
  auc: { baseline: number; candidate: number };
  interval: [number, number];
}

const reference = JSON.parse(
  readFileSync(new URL('../../fixtures/auc/reference.json', import.meta.url), 'utf8'),
) as { resamples: number; confidence: number; cases: Case[] };

describe('AUC against scikit-learn and a numpy bootstrap', () => {
  for (const c of reference.cases) {
    const order = scoreOrderOf(c.label, c.baseline, c.candidate);
    const compared = compareAuc(order, { resamples: reference.resamples, seed: 7, stream: c.name });

    it(`${c.name}: equals roc_auc_score`, () => {
      expect(compared.baseline).toBeCloseTo(c.auc.baseline, 12);
      expect(compared.candidate).toBeCloseTo(c.auc.candidate, 12);
    });

    it(`${c.name}: the bootstrap interval agrees with numpy's resampling of the ids`, () => {
      const [low, high] = intervalOf(compared, reference.confidence)!;
      const [refLow, refHigh] = c.interval;
      // Monte Carlo error of a 2.5 % quantile of 4,000 resamples, on both sides.
      const tolerance = 0.06 * (refHigh - refLow);
      expect(Math.abs(low - refLow), `low ${low} vs ${refLow}`).toBeLessThan(tolerance);
      expect(Math.abs(high - refHigh), `high ${high} vs ${refHigh}`).toBeLessThan(tolerance);
    });
  }
});

/** The definition: pairs (positive, negative) ordered right, ties half, over all pairs. */
function bruteAuc(label: number[], score: number[]): number {
  let right = 0;
  let pairs = 0;
  label.forEach((y, i) => {
    if (!y) return;
    label.forEach((z, j) => {
      if (z) return;
      pairs++;
      right += score[i]! > score[j]! ? 1 : score[i] === score[j] ? 0.5 : 0;
    });
  });
  return pairs === 0 ? Number.NaN : right / pairs;
}

describe('AUC from one sorted pass', () => {
  it('equals the pairwise definition on any scores, ties included', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 6 }), fc.integer({ min: -3, max: 3 })),
          { minLength: 1, maxLength: 60 },
        ),
        (rows) => {
          const label = rows.map(([y]) => (y ? 1 : 0));
          const a = rows.map(([, s]) => s / 6);
          const b = rows.map(([, , s]) => s * 0.25);
          const got = compareAuc(scoreOrderOf(label, a, b), { resamples: 0, seed: 1, stream: '' });
          const wantA = bruteAuc(label, a);
          const wantB = bruteAuc(label, b);
          if (Number.isNaN(wantA)) {
            expect(got.baseline).toBeNaN();
            expect(got.candidate).toBeNaN();
          } else {
            expect(got.baseline).toBeCloseTo(wantA, 12);
            expect(got.candidate).toBeCloseTo(wantB, 12);
          }
        },
      ),
    );
  });

  it('a resample weighs rows: the same as repeating each row its count of times', () => {
    const random = new Random(3);
    const m = 50;
    const label = Array.from({ length: m }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const a = label.map((y, i) => Math.round((y + ((i * 7) % 11) / 11) * 4) / 4);
    const b = label.map((y, i) => Math.round((y * 0.5 + ((i * 5) % 13) / 13) * 4) / 4);
    const order = scoreOrderOf(label, a, b);
    // One resample of compareAuc's stream, replayed by hand.
    const counts = new Int32Array(m);
    drawCounts(random, m, counts);
    // counts are in the baseline's score order: map back to rows.
    const byBaseline = Array.from({ length: m }, (_, i) => i).sort(
      (i, j) => a[i]! - a[j]! || i - j,
    );
    const repeated = { y: [] as number[], a: [] as number[], b: [] as number[] };
    byBaseline.forEach((row, k) => {
      for (let t = 0; t < counts[k]!; t++) {
        repeated.y.push(label[row]!);
        repeated.a.push(a[row]!);
        repeated.b.push(b[row]!);
      }
    });
    const resample = scoreOrderOf(repeated.y, repeated.a, repeated.b);
    const direct = compareAuc(resample, { resamples: 0, seed: 1, stream: '' });
    // The weighted passes over the original order give the same AUCs.
    const weighted = weightedAuc(order, counts);
    expect(weighted.baseline).toBeCloseTo(direct.baseline, 12);
    expect(weighted.candidate).toBeCloseTo(direct.candidate, 12);
    const brute = bruteWeighted(order, counts);
    expect(weighted.baseline).toBeCloseTo(brute.baseline, 12);
    expect(weighted.candidate).toBeCloseTo(brute.candidate, 12);
  });

  it('is undefined (NaN) with one label only, and draws no resample then', () => {
    const order = scoreOrderOf([1, 1, 1], [0.1, 0.5, 0.9], [0.2, 0.2, 0.3]);
    const got = compareAuc(order, { resamples: 100, seed: 1, stream: '' });
    expect(got.baseline).toBeNaN();
    expect(got.resampled.length).toBe(0);
  });
});

/** The weighted AUCs of one resample, by repeating the row positions (test-only helper). */
function bruteWeighted(
  order: ReturnType<typeof scoreOrderOf>,
  counts: Int32Array,
): { baseline: number; candidate: number } {
  const m = counts.length;
  // Rebuild an order in which each row appears counts[k] times, keeping both orders.
  const positive: number[] = [];
  const aRank: number[] = [];
  const bRank: number[] = [];
  const rankInCandidate = new Int32Array(m);
  order.candidateOrder.forEach((k, j) => (rankInCandidate[k] = j));
  // Scores that rebuild the same runs: the run index in each order.
  const runA = new Int32Array(m);
  let run = -1;
  for (let k = 0; k < m; k++) {
    if (order.baselineFlags[k]! & 2) run++;
    runA[k] = run;
  }
  const runB = new Int32Array(m);
  run = -1;
  for (let j = 0; j < m; j++) {
    if (order.candidateFlags[j]! & 2) run++;
    runB[order.candidateOrder[j]!] = run;
  }
  for (let k = 0; k < m; k++) {
    for (let t = 0; t < counts[k]!; t++) {
      positive.push(order.baselineFlags[k]! & 1);
      aRank.push(runA[k]!);
      bRank.push(runB[k]!);
    }
  }
  return { baseline: bruteAuc(positive, aRank), candidate: bruteAuc(positive, bRank) };
}

describe('drawing the ids with replacement as counts', () => {
  it.each([1, 7, 4096, 4097, 10_000, 50_000])('draws exactly m ids over %d rows', (m) => {
    const counts = new Int32Array(m + 5).fill(9);
    drawCounts(new Random(m), m, counts);
    let sum = 0;
    let least = Infinity;
    for (let k = 0; k < m; k++) {
      least = Math.min(least, counts[k]!);
      sum += counts[k]!;
    }
    expect(least).toBeGreaterThanOrEqual(0);
    expect(sum).toBe(m);
    // Rows past m are not touched.
    expect([...counts.subarray(m)]).toEqual([9, 9, 9, 9, 9]);
  });

  it('gives every row, in full and short blocks, the Binomial(m, 1/m) mean and variance', () => {
    const m = 4096 + 1000;
    const random = new Random(17);
    const counts = new Int32Array(m);
    const rounds = 400;
    // Per block: the first full block, and the short one.
    const sums = [0, 0];
    const squares = [0, 0];
    for (let r = 0; r < rounds; r++) {
      drawCounts(random, m, counts);
      for (let k = 0; k < m; k++) {
        const side = k < 4096 ? 0 : 1;
        sums[side]! += counts[k]!;
        squares[side]! += counts[k]! * counts[k]!;
      }
    }
    for (const [side, size] of [
      [0, 4096],
      [1, 1000],
    ] as const) {
      const draws = rounds * size;
      const mean = sums[side]! / draws;
      const variance = squares[side]! / draws - mean * mean;
      expect(Math.abs(mean - 1), `mean of block ${side}`).toBeLessThan(0.02);
      expect(Math.abs(variance - (1 - 1 / m)), `variance of block ${side}`).toBeLessThan(0.03);
    }
  });
});
