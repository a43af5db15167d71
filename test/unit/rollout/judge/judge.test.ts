import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../../src/core/errors.js';
import {
  compareErrorRate,
  compareLatency,
  type JudgeVerdict,
} from '../../../../src/core/rollout/judge/index.js';
import { kthDifference } from '../../../../src/core/stats/mann-whitney.js';
import { normalQuantile, normalSf } from '../../../../src/core/stats/normal.js';

const options = { maxIncrease: 0.1, confidence: 0.95, minSamples: 30 };
const order: Record<JudgeVerdict, number> = { pass: 0, inconclusive: 1, fail: 2 };

/** Latencies in ms: positive, spread like real ones (log-normal-ish), from fast-check's ints. */
const latency = fc
  .integer({ min: 1, max: 10_000 })
  .map((i) => 20 * Math.exp(((i % 997) / 997 - 0.5) * 1.2) + i / 1000);
const sample = (min: number, max: number) => fc.array(latency, { minLength: min, maxLength: max });

describe('compareLatency', () => {
  it('never fails identical samples (property)', () => {
    fc.assert(
      fc.property(
        sample(1, 300),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (values, maxIncrease) => {
          const result = compareLatency(values, [...values].reverse(), { ...options, maxIncrease });
          expect(result.verdict).not.toBe('fail');
          if (values.length >= options.minSamples) expect(result.shift).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('always fails a canary 50 % slower, with enough samples (property)', () => {
    fc.assert(
      fc.property(sample(200, 400), fc.integer({ min: 0, max: 1000 }), (values, seed) => {
        const canary = values.map(
          (v, i) => v * 1.5 * (1 + (((i * 7919 + seed) % 101) - 50) / 5000),
        );
        const result = compareLatency(values, canary, options);
        expect(result.verdict).toBe('fail');
        // The Hodges–Lehmann shift is the median of the pairwise differences, over stable's
        // median: for a spread-out sample it sits below the 50 % a scale change adds to each
        // value, but a failing verdict means its interval lies above the allowed increase.
        expect(result.interval[0]).toBeGreaterThan(options.maxIncrease);
        expect(result.shift).toBeGreaterThanOrEqual(result.interval[0]);
      }),
      { numRuns: 60 },
    );
  });

  it('gives a verdict monotone in the shift: pass ≤ inconclusive ≤ fail (property)', () => {
    fc.assert(
      fc.property(
        sample(30, 200),
        fc.double({ min: -0.5, max: 1, noNaN: true }),
        fc.double({ min: -0.5, max: 1, noNaN: true }),
        (values, s1, s2) => {
          const [low, high] = s1 <= s2 ? [s1, s2] : [s2, s1];
          const judge = (s: number) =>
            compareLatency(
              values,
              values.map((v) => v * (1 + s)),
              options,
            );
          const a = judge(low);
          const b = judge(high);
          expect(order[a.verdict]).toBeLessThanOrEqual(order[b.verdict]);
          expect(a.interval[0]).toBeLessThanOrEqual(b.interval[0]);
          expect(a.shift).toBeLessThanOrEqual(b.shift);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('is inconclusive, never a pass, below minSamples or without samples', () => {
    const few = compareLatency([10, 11, 12], [10, 11, 12], options);
    expect(few.verdict).toBe('inconclusive');
    expect(few.reason).toMatch(/too few samples.*stable 3, canary 3.*at least 30/);
    expect(compareLatency([], [], options).verdict).toBe('inconclusive');
    // NaN samples (a provider's gaps) do not count
    const gaps = Array.from({ length: 40 }, (_, i) => (i % 2 ? Number.NaN : 10 + i));
    expect(compareLatency(gaps, gaps, options)).toMatchObject({
      verdict: 'inconclusive',
      n: [20, 20],
    });
  });

  it('passes a canary as fast as stable with many samples, and says why', () => {
    const stable = Array.from({ length: 500 }, (_, i) => 50 + ((i * 37) % 100) / 10);
    const canary = Array.from({ length: 500 }, (_, i) => 50 + ((i * 53) % 100) / 10);
    const result = compareLatency(stable, canary, options);
    expect(result.verdict).toBe('pass');
    expect(result.reason).toMatch(/within the allowed \+10\.0%/);
    expect(result.n).toEqual([500, 500]);
  });

  it('is inconclusive when the interval straddles the margin', () => {
    const stable = Array.from({ length: 40 }, (_, i) => 10 + i);
    const canary = stable.map((v) => v * 1.1);
    const result = compareLatency(stable, canary, options);
    expect(result.verdict).toBe('inconclusive');
    expect(result.reason).toMatch(/straddles/);
  });

  it('cannot judge a relative increase over a stable median of 0', () => {
    const zeros = new Array<number>(40).fill(0);
    expect(
      compareLatency(
        zeros,
        zeros.map((_, i) => i),
        options,
      ),
    ).toMatchObject({
      verdict: 'inconclusive',
      reason: expect.stringMatching(/median latency is 0/) as unknown,
    });
  });

  it('stays bounded on large samples: thinned to quantiles, still decided', () => {
    const stable = Array.from({ length: 150_000 }, (_, i) => 40 + (i % 1000) / 50);
    const canary = stable.map((v) => v * 1.5);
    const started = Date.now();
    const result = compareLatency(stable, canary, options);
    expect(result.verdict).toBe('fail');
    expect(result.reason).toMatch(/judged on 100000 quantiles/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('refuses options that make no sense, naming them', () => {
    expect(() => compareLatency([1], [1], { ...options, confidence: 1 })).toThrow(UsageError);
    expect(() => compareLatency([1], [1], { ...options, maxIncrease: -1 })).toThrow(/maxIncrease/);
    expect(() => compareLatency([1], [1], { ...options, minSamples: 0 })).toThrow(/minSamples/);
  });
});

describe('compareErrorRate', () => {
  const o = { maxIncrease: 0.01, confidence: 0.95, minSamples: 100 };
  it('fails 5 % errors against 0 %', () => {
    const result = compareErrorRate({ errors: 0, total: 2000 }, { errors: 100, total: 2000 }, o);
    expect(result.verdict).toBe('fail');
    expect(result.difference).toBeCloseTo(0.05, 12);
    expect(result.reason).toMatch(/above the allowed \+1\.00%/);
  });
  it('passes equal low error rates with enough requests', () => {
    const result = compareErrorRate({ errors: 2, total: 5000 }, { errors: 3, total: 5000 }, o);
    expect(result.verdict).toBe('pass');
  });
  it('is inconclusive on no traffic and on few requests, never a pass', () => {
    expect(compareErrorRate({ errors: 0, total: 0 }, { errors: 0, total: 0 }, o).verdict).toBe(
      'inconclusive',
    );
    expect(compareErrorRate({ errors: 0, total: 99 }, { errors: 0, total: 500 }, o).reason).toMatch(
      /too few requests/,
    );
    // 0 errors in 150 each: the interval is still wider than ±1 point
    expect(compareErrorRate({ errors: 0, total: 150 }, { errors: 0, total: 150 }, o).verdict).toBe(
      'inconclusive',
    );
  });
  it('refuses impossible counts', () => {
    expect(() => compareErrorRate({ errors: 5, total: 4 }, { errors: 0, total: 1 }, o)).toThrow(
      UsageError,
    );
    expect(() =>
      compareErrorRate({ errors: Number.NaN, total: 4 }, { errors: 0, total: 1 }, o),
    ).toThrow(/stable/);
  });
  it('never fails identical counts, and is monotone in the canary errors (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 20_000 }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.integer({ min: 0, max: 20_000 }),
        (total, e0, e1, e2) => {
          const s = { errors: Math.min(e0, total), total };
          expect(compareErrorRate(s, s, o).verdict).not.toBe('fail');
          const [lo, hi] = [Math.min(e1, e2, total), Math.min(Math.max(e1, e2), total)];
          const a = compareErrorRate(s, { errors: lo, total }, o);
          const b = compareErrorRate(s, { errors: hi, total }, o);
          expect(order[a.verdict]).toBeLessThanOrEqual(order[b.verdict]);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('numerical pieces', () => {
  it('normal tails keep their precision and the quantile inverts them', () => {
    expect(normalSf(0)).toBe(0.5);
    expect(normalSf(1.959963984540054)).toBeCloseTo(0.025, 15);
    expect(normalSf(30) / 4.906713927148187e-198).toBeCloseTo(1, 10);
    for (const p of [1e-12, 0.001, 0.025, 0.3, 0.5, 0.9, 0.975, 0.999999]) {
      expect(Math.abs(1 - normalSf(normalQuantile(p)) - p)).toBeLessThan(1e-14 + p * 1e-12);
    }
  });
  it('selects the k-th Walsh difference like sorting all of them (property)', () => {
    const values = fc.array(
      fc.integer({ min: -50, max: 50 }).map((v) => v / 4),
      { minLength: 1, maxLength: 40 },
    );
    fc.assert(
      fc.property(values, values, fc.double({ min: 0, max: 1, noNaN: true }), (a, b, at) => {
        const sa = [...a].sort((x, y) => x - y);
        const sb = [...b].sort((x, y) => x - y);
        const all = sa.flatMap((x) => sb.map((y) => y - x)).sort((x, y) => x - y);
        const k = 1 + Math.min(all.length - 1, Math.floor(at * all.length));
        expect(kthDifference(sa, sb, k)).toBe(all[k - 1]);
      }),
      { numRuns: 300 },
    );
  });
});
