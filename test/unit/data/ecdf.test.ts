import { describe, expect, it } from 'vitest';
import type { NumberChunk } from '../../../src/core/data/engine.js';
import { ecdfDistances } from '../../../src/core/data/drift/ecdf.js';
import { numericSample, readDriftFixture } from './drift-samples.js';

const fixture = readDriftFixture();

/** Sorted values in chunks of `size` (ties cross chunk borders), raw or as value + count runs. */
async function* chunks(
  values: number[],
  size: number,
  grouped: boolean,
): AsyncGenerator<NumberChunk> {
  const sorted = [...values].sort((a, b) => a - b);
  let runs: { v: number; c: number }[] = sorted.map((v) => ({ v, c: 1 }));
  if (grouped) {
    runs = [];
    for (const v of sorted) {
      const last = runs[runs.length - 1];
      if (last && last.v === v) last.c++;
      else runs.push({ v, c: 1 });
    }
  }
  for (let i = 0; i < runs.length; i += size) {
    const part = runs.slice(i, i + size);
    const values = Float64Array.from(part, (r) => r.v);
    yield grouped ? { values, counts: Float64Array.from(part, (r) => r.c) } : { values };
  }
}

function relative(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
}

describe('ecdfDistances', () => {
  for (const c of fixture.numeric) {
    for (const [label, size, grouped] of [
      ['raw values, 7 per chunk', 7, false],
      ['value counts, 3 per chunk', 3, true],
      ['one chunk', 1e9, false],
    ] as const) {
      it(`equals scipy's KS statistic and Wasserstein distance: ${c.name}, ${label}`, async () => {
        const ref = numericSample(c.reference);
        const cur = numericSample(c.current);
        const result = await ecdfDistances(
          chunks(ref, size, grouped),
          chunks(cur, size, grouped),
          ref.length,
          cur.length,
        );
        expect(relative(result.d, c.ks_statistic)).toBeLessThanOrEqual(1e-12);
        expect(relative(result.wasserstein, c.wasserstein)).toBeLessThanOrEqual(1e-12);
      });
    }
  }

  it('is zero for identical sides and handles an empty side without reading further', async () => {
    const same = [3, 1, 2, 2, 5];
    expect(await ecdfDistances(chunks(same, 2, false), chunks(same, 3, true), 5, 5)).toEqual({
      d: 0,
      wasserstein: 0,
    });
    expect(await ecdfDistances(chunks([], 2, false), chunks([], 2, false), 0, 0)).toEqual({
      d: 0,
      wasserstein: 0,
    });
  });

  it('closes a stream it did not finish when the other one fails', async () => {
    let closed = false;
    async function* endless(): AsyncGenerator<NumberChunk> {
      try {
        for (let v = 0; ; v++) yield { values: Float64Array.of(v) };
      } finally {
        closed = true;
      }
    }
    async function* failing(): AsyncGenerator<NumberChunk> {
      yield { values: Float64Array.of(0.5) };
      throw new Error('disk full');
    }
    await expect(ecdfDistances(endless(), failing(), 10, 10)).rejects.toThrow('disk full');
    expect(closed).toBe(true);
  });
});
