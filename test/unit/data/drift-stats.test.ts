import { describe, expect, it } from 'vitest';
import {
  kolmogorovSf,
  ksTwoSamplePValue,
  smirnovSf,
} from '../../../src/core/data/drift/kolmogorov.js';
import { autoMethod } from '../../../src/core/data/drift/column.js';
import { chi2Sf } from '../../../src/core/stats/special.js';
import {
  chiSquare,
  ecdfStatistics,
  jensenShannon,
  normedWasserstein,
  psi,
  sturgesEdges,
} from '../../../src/core/data/drift/stats.js';
import type { Binned } from '../../../src/core/data/drift/stats.js';
import {
  categorySample,
  histogram,
  numericSample,
  valueCounts,
  readDriftFixture,
} from './drift-samples.js';

const fixture = readDriftFixture();
const EVIDENTLY = `Evidently ${fixture.evidently_versions.evidently}`;

function expectRelative(actual: number, expected: number, tolerance: number): void {
  if (expected === 0 || actual === 0) {
    expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-300);
    return;
  }
  const relative = Math.abs(actual - expected) / Math.abs(expected);
  expect(relative, `actual ${actual} expected ${expected}`).toBeLessThanOrEqual(tolerance);
}

function populationStd(values: readonly number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
}

function binnedNumeric(reference: number[], current: number[], integer: boolean): Binned {
  const distinct = new Set(reference).size;
  if (distinct > 20) {
    const all = [...reference, ...current];
    const min = all.reduce((a, b) => Math.min(a, b));
    const max = all.reduce((a, b) => Math.max(a, b));
    const edges = sturgesEdges(min, max, all.length, integer);
    return {
      reference: histogram(reference, edges),
      current: histogram(current, edges),
      referenceTotal: reference.length,
      currentTotal: current.length,
    };
  }
  const counts = valueCounts(reference, current);
  return { ...counts, referenceTotal: reference.length, currentTotal: current.length };
}

describe('drift statistics equal scipy / Evidently on the same samples', () => {
  for (const c of fixture.numeric) {
    describe(c.name, () => {
      const reference = numericSample(c.reference);
      const current = numericSample(c.current);
      const sortedRef = [...reference].sort((a, b) => a - b);
      const sortedCur = [...current].sort((a, b) => a - b);
      const { d, wasserstein } = ecdfStatistics(sortedRef, sortedCur);

      it('KS statistic exactly, p-value to 1e-9', () => {
        const result = ksTwoSamplePValue(d, reference.length, current.length);
        expect(Math.abs(result.statistic - c.ks_statistic)).toBeLessThanOrEqual(1e-12);
        expectRelative(result.pValue, c.ks_pvalue, 1e-9);
      });
      it('normed Wasserstein', () => {
        expectRelative(wasserstein, c.wasserstein, 1e-9);
        expectRelative(populationStd(reference), c.reference_std, 1e-12);
        expectRelative(
          normedWasserstein(wasserstein, populationStd(reference)),
          c.wasserstein_norm,
          1e-9,
        );
      });
      it('Sturges edges, PSI and Jensen-Shannon', () => {
        if (c.bin_edges) {
          const all = [...reference, ...current];
          const edges = sturgesEdges(
            all.reduce((a, b) => Math.min(a, b)),
            all.reduce((a, b) => Math.max(a, b)),
            all.length,
            c.integer,
          );
          expect(edges).toEqual(c.bin_edges);
        }
        const binned = binnedNumeric(reference, current, c.integer);
        expectRelative(psi(binned), c.psi, 1e-12);
        expectRelative(jensenShannon(binned), c.jensenshannon, 1e-12);
      });
      it(`${EVIDENTLY} itself: KS p-value, normed Wasserstein, PSI, Jensen-Shannon`, () => {
        const ev = c.evidently;
        expectRelative(
          ksTwoSamplePValue(d, reference.length, current.length).pValue,
          ev.ks_pvalue,
          1e-9,
        );
        expectRelative(
          normedWasserstein(wasserstein, populationStd(reference)),
          ev.wasserstein_norm,
          1e-9,
        );
        const binned = binnedNumeric(reference, current, c.integer);
        expectRelative(psi(binned), ev.psi, 1e-9);
        expectRelative(jensenShannon(binned), ev.jensenshannon, 1e-9);
      });
      it(`picks the test ${EVIDENTLY} picks (${c.evidently.auto})`, () => {
        const distinct = new Set([...reference, ...current]).size;
        expect(autoMethod(true, reference.length, distinct)).toBe(c.evidently.auto);
      });
    });
  }

  for (const c of fixture.categorical) {
    const reference = categorySample(c.reference);
    const current = categorySample(c.current);
    const counts = valueCounts(reference, current);
    const binned: Binned = { ...counts, referenceTotal: c.reference.n, currentTotal: c.current.n };

    it(`${c.name}: chi-square, PSI, Jensen-Shannon`, () => {
      const chi = chiSquare(binned);
      if (typeof c.chisquare_statistic === 'number')
        expectRelative(chi.statistic, c.chisquare_statistic, 1e-12);
      else expect(chi.statistic).toBe(Number.POSITIVE_INFINITY);
      expectRelative(chi.pValue, c.chisquare_pvalue, 1e-9);
      expectRelative(psi(binned), c.psi, 1e-12);
      expectRelative(jensenShannon(binned), c.jensenshannon, 1e-12);
    });
    it(`${c.name}: ${EVIDENTLY} itself: chi-square p-value, PSI, Jensen-Shannon`, () => {
      expectRelative(chiSquare(binned).pValue, c.evidently.chisquare_pvalue, 1e-9);
      expectRelative(psi(binned), c.evidently.psi, 1e-9);
      expectRelative(jensenShannon(binned), c.evidently.jensenshannon, 1e-9);
    });
    it(`${c.name}: picks the test ${EVIDENTLY} picks (${c.evidently.auto})`, () => {
      expect(autoMethod(false, reference.length, counts.reference.length)).toBe(c.evidently.auto);
    });
  }

  it(`automatic choice around ${EVIDENTLY}'s switches (1000 rows; 2 and 5 values)`, () => {
    for (const probe of fixture.evidently_auto) {
      const ours = autoMethod(probe.numeric, probe.reference_rows, probe.distinct);
      const where = `numeric=${probe.numeric} rows=${probe.reference_rows} distinct=${probe.distinct}`;
      expect(ours, where).toBe(probe.method);
    }
    expect(fixture.evidently_auto.filter((p) => p.method === 'z')).toHaveLength(4);
  });

  it('two-sided Kolmogorov survival function (kstwo.sf) over every algorithm region', () => {
    for (const point of fixture.kolmogorov_sf) {
      const actual = kolmogorovSf(point.n, point.x);
      try {
        expectRelative(actual, point.sf, 1e-9);
      } catch (error) {
        throw new Error(`n=${point.n} x=${point.x}: ${(error as Error).message}`);
      }
    }
  });

  it('one-sided Smirnov survival function', () => {
    for (const point of fixture.smirnov_sf) {
      try {
        expectRelative(smirnovSf(point.n, point.x), point.sf, 1e-9);
      } catch (error) {
        throw new Error(`n=${point.n} x=${point.x}: ${(error as Error).message}`);
      }
    }
  });

  it('chi-square survival function', () => {
    for (const point of fixture.chi2_sf) expectRelative(chi2Sf(point.x, point.k), point.sf, 1e-9);
  });
});
