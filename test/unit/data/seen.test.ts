import { describe, expect, it } from 'vitest';
import type { NumberChunk } from '../../../src/core/data/engine.js';
import { observeCategories, observeSorted } from '../../../src/core/data/drift/seen.js';
import type { SeenValues } from '../../../src/core/data/drift/seen.js';

const P = [0, 0.05, 0.25, 0.5, 0.75, 0.95, 1];

/** DuckDB's quantile_cont, written plainly over the sorted values. */
function quantileCont(sorted: readonly number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const low = sorted[Math.floor(h)] as number;
  const high = sorted[Math.ceil(h)] as number;
  return low + (h - Math.floor(h)) * (high - low);
}

/** Values with many ties, from a fixed seed. */
function tiedValues(n: number): number[] {
  let seed = 7;
  return Array.from({ length: n }, () => {
    seed = (seed * 48271) % 2147483647;
    return Math.round((seed / 2147483647) * 40) / 4;
  }).sort((a, b) => a - b);
}

async function* chunks(
  values: number[],
  size: number,
  grouped: boolean,
): AsyncIterable<NumberChunk> {
  if (!grouped) {
    for (let i = 0; i < values.length; i += size)
      yield { values: Float64Array.from(values.slice(i, i + size)) };
    return;
  }
  const distinct = [...new Set(values)];
  const counts = distinct.map((v) => values.filter((x) => x === v).length);
  for (let i = 0; i < distinct.length; i += size)
    yield {
      values: Float64Array.from(distinct.slice(i, i + size)),
      counts: Float64Array.from(counts.slice(i, i + size)),
    };
}

async function drain(stream: AsyncIterable<NumberChunk>): Promise<number> {
  let n = 0;
  for await (const chunk of stream) n += chunk.values.length;
  return n;
}

describe('what drift saw of a column, for the profile', () => {
  const values = tiedValues(1001);
  const expected = P.map((p) => quantileCont(values, p));

  for (const [grouped, size] of [
    [false, 7],
    [false, 5000],
    [true, 3],
  ] as const) {
    it(`passes the stream through and gives quantile_cont and the distinct count (${grouped ? 'value counts' : 'raw values'}, ${size} per chunk)`, async () => {
      let seen: SeenValues | undefined;
      const passed = await drain(
        observeSorted(chunks(values, size, grouped), values.length, P, (s) => (seen = s)),
      );
      expect(passed).toBe(grouped ? new Set(values).size : values.length);
      expect(seen).toEqual({
        count: values.length,
        distinct: new Set(values).size,
        quantiles: expected,
        viaDouble: true,
      });
    });
  }

  it('reports nothing for a stream left before its end, or shorter than announced', async () => {
    let seen: SeenValues | undefined;
    for await (const _ of observeSorted(
      chunks(values, 10, false),
      values.length,
      P,
      (s) => (seen = s),
    ))
      break;
    await drain(observeSorted(chunks(values, 10, false), values.length + 1, P, (s) => (seen = s)));
    expect(seen).toBeUndefined();
  });

  it('reads numeric categories in numeric order, and only counts the current side', () => {
    const labels = ['10', '9', '-1.5', '3'];
    const counts = [2, 1, 0, 3];
    const seen = observeCategories(labels, counts, [0, 0.5, 1], true);
    expect(seen).toEqual({ count: 6, distinct: 3, quantiles: [3, 6, 10], viaDouble: false });
  });

  it('counts text categories without quantiles', () => {
    const seen = observeCategories(['DE', 'FR', 'US'], [5, 0, 1], P, false);
    expect(seen).toEqual({ count: 6, distinct: 2, quantiles: null, viaDouble: false });
  });
});
