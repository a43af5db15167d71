import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  agreement,
  compareErrorRate,
  comparePredictions,
} from '../../../../src/core/rollout/judge/index.js';
import { hodgesLehmann, mannWhitney } from '../../../../src/core/stats/mann-whitney.js';
import { newcombeInterval, twoProportionZTest } from '../../../../src/core/stats/proportions.js';

/**
 * Agreement with scipy and statsmodels. The numbers (and the inputs) come from
 * scripts/fixtures/judge.py, which says how each was computed; re-run it to regenerate.
 */
interface Reference {
  versions: Record<string, string>;
  mannWhitney: {
    name: string;
    stable: number[];
    canary: number[];
    confidence: number;
    method: 'exact' | 'asymptotic';
    u: number;
    p: number;
    hl: number;
    k: number;
    interval: [number, number] | null;
  }[];
  proportions: {
    name: string;
    canary: { errors: number; total: number };
    stable: { errors: number; total: number };
    confidence: number;
    z: number | null;
    p: number | null;
    difference: number;
    interval: [number, number];
  }[];
  predictions: {
    name: string;
    stable: string[];
    canary: string[];
    psi: number;
    js: number;
    agreement: number;
  }[];
}

const reference = JSON.parse(
  readFileSync(new URL('../../../fixtures/judge/reference.json', import.meta.url), 'utf8'),
) as Reference;

/** |actual − expected| within `rel` of the expected value (and `abs` near 0). */
function close(actual: number, expected: number, rel = 1e-9, abs = 1e-12): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.max(abs, rel * Math.abs(expected)));
}

describe(`Mann–Whitney U against scipy ${reference.versions.scipy}`, () => {
  for (const c of reference.mannWhitney) {
    it(`${c.name}: U, p and method`, () => {
      const result = mannWhitney(c.canary, c.stable);
      expect(result.method).toBe(c.method);
      expect(result.u).toBe(c.u);
      close(result.p, c.p, 1e-9);
    });
    it(`${c.name}: Hodges–Lehmann shift and interval (k = ${c.k})`, () => {
      const hl = hodgesLehmann(c.stable, c.canary, c.confidence);
      expect(hl.estimate).toBe(c.hl);
      expect(hl.k).toBe(c.k);
      if (c.interval === null) expect(hl.interval).toEqual([-Infinity, Infinity]);
      else expect(hl.interval).toEqual(c.interval);
    });
  }
});

describe(`two proportions against statsmodels ${reference.versions.statsmodels}`, () => {
  for (const c of reference.proportions) {
    it(`${c.name}: pooled z-test and Newcombe interval`, () => {
      const test = twoProportionZTest(
        c.canary.errors,
        c.canary.total,
        c.stable.errors,
        c.stable.total,
      );
      close(test.difference, c.difference, 1e-12);
      if (c.z === null) {
        // statsmodels divides 0 by 0; sluice says there is no difference to see
        expect(test).toMatchObject({ z: 0, p: 1 });
      } else {
        close(test.z, c.z, 1e-10);
        close(test.p, c.p!, 1e-9);
      }
      const interval = newcombeInterval(
        c.canary.errors,
        c.canary.total,
        c.stable.errors,
        c.stable.total,
        c.confidence,
      );
      close(interval[0], c.interval[0], 1e-9, 1e-14);
      close(interval[1], c.interval[1], 1e-9, 1e-14);
      const judged = compareErrorRate(c.stable, c.canary, {
        maxIncrease: 0.01,
        confidence: c.confidence,
        minSamples: 1,
      });
      close(judged.interval[0], c.interval[0], 1e-9, 1e-14);
      close(judged.p, c.p ?? 1, 1e-9);
    });
  }
});

describe('prediction distributions against scipy and Evidently', () => {
  for (const c of reference.predictions) {
    it(c.name, () => {
      const compared = comparePredictions(c.stable, c.canary)!;
      expect(compared.kind).toBe('classes');
      close(compared.psi, c.psi, 1e-9, 1e-15);
      close(compared.jensenShannon, c.js, 1e-9, 1e-15);
      close(
        agreement(c.stable.map((s, i) => ({ stable: s, canary: c.canary[i]! }))),
        c.agreement,
        1e-15,
      );
    });
  }
});
