import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareUnits, intervalOf } from '../../../src/core/predictions/metrics.js';
import { mcnemarExact } from '../../../src/core/predictions/tests.js';
import { cellsOf, unitsOf } from './support.js';

/**
 * Agreement with the reference implementations on generated data (scripts/fixtures/predictions.py):
 * scikit-learn's metrics, statsmodels' exact McNemar test, and a numpy bootstrap resampling the ids.
 */
interface Case {
  name: string;
  task: 'classification' | 'regression';
  label: number[];
  baseline: number[];
  candidate: number[];
  metrics: { baseline: Record<string, number>; candidate: Record<string, number> };
  mcnemar?: { worse: number; better: number; statistic: number; p: number };
  interval: Record<string, [number, number]>;
}

const reference = JSON.parse(
  readFileSync(new URL('../../fixtures/predictions/reference.json', import.meta.url), 'utf8'),
) as {
  resamples: number;
  confidence: number;
  cases: Case[];
  mcnemar: { worse: number; better: number; statistic: number; p: number }[];
};

describe('per-example comparison against scikit-learn, statsmodels and numpy', () => {
  for (const c of reference.cases) {
    const units =
      c.task === 'classification'
        ? cellsOf(c.label, c.baseline, c.candidate)
        : unitsOf(c.label, c.baseline, c.candidate);
    const compared = compareUnits(units, {
      resamples: reference.resamples,
      seed: 7,
      stream: c.name,
    });

    it(`${c.name}: metrics equal scikit-learn's`, () => {
      for (const m of compared) {
        expect(m.baseline, `${m.metric} baseline`).toBeCloseTo(c.metrics.baseline[m.metric]!, 12);
        expect(m.candidate, `${m.metric} candidate`).toBeCloseTo(
          c.metrics.candidate[m.metric]!,
          12,
        );
      }
    });

    it(`${c.name}: bootstrap intervals agree with numpy's resampling of the ids`, () => {
      for (const m of compared) {
        const [low, high] = intervalOf(m, reference.confidence)!;
        const [refLow, refHigh] = c.interval[m.metric]!;
        // Monte Carlo error of a 2.5 % quantile of 4,000 resamples, on both sides: a few
        // percent of the interval's width.
        const tolerance = 0.06 * (refHigh - refLow);
        expect(Math.abs(low - refLow), `${m.metric} low ${low} vs ${refLow}`).toBeLessThan(
          tolerance,
        );
        expect(Math.abs(high - refHigh), `${m.metric} high ${high} vs ${refHigh}`).toBeLessThan(
          tolerance,
        );
      }
    });

    if (c.mcnemar) {
      const expected = c.mcnemar;
      it(`${c.name}: McNemar's exact test equals statsmodels'`, () => {
        const got = mcnemarExact(expected.worse, expected.better);
        expect(got.statistic).toBe(expected.statistic);
        expect(got.p).toBeCloseTo(expected.p, 12);
      });
    }
  }

  it("McNemar's exact p-value equals statsmodels' from 0 to 23,500 discordant pairs", () => {
    for (const expected of reference.mcnemar) {
      const got = mcnemarExact(expected.worse, expected.better);
      expect(got.statistic).toBe(expected.statistic);
      const scale = Math.max(expected.p, 1e-300);
      expect(
        Math.abs(got.p - expected.p) / scale,
        `${expected.worse}/${expected.better}`,
      ).toBeLessThan(1e-9);
    }
  });
});
