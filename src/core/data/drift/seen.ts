import type { NumberChunk } from '../engine.js';

/**
 * What drift's own pass over the current side showed of one column: the profile takes its
 * distinct count and quantiles from here instead of estimating them in the checks' scan, so a
 * drift run reports them exactly and the scan skips its t-digests.
 */
export interface SeenValues {
  /** How many values drift measured (for floats: the finite ones). */
  count: number;
  distinct: number;
  /** quantile_cont at each asked probability; null for a non-numeric column. */
  quantiles: number[] | null;
  /** Read as DOUBLEs (a sorted stream), which can merge distinct huge integers or long decimals. */
  viaDouble: boolean;
}

/**
 * Follows values arriving in ascending order, each standing for `count` rows, and keeps the
 * values at the ranks linear interpolation needs (DuckDB's quantile_cont: rank (n − 1)·p).
 */
class RankedValues {
  private readonly wanted: number[];
  private readonly found = new Map<number, number>();
  private seen = 0;
  private distinct = 0;
  private last = Number.NaN;

  constructor(
    private readonly total: number,
    private readonly probabilities: readonly number[],
  ) {
    const ranks = probabilities.flatMap((p) => {
      const h = (total - 1) * p;
      return [Math.floor(h), Math.ceil(h)];
    });
    this.wanted = [...new Set(ranks)].sort((a, b) => a - b);
  }

  add(value: number, count: number): void {
    if (value !== this.last) {
      this.distinct++;
      this.last = value;
    }
    const end = this.seen + count;
    for (const rank of this.wanted) {
      if (rank >= this.seen && rank < end) this.found.set(rank, value);
    }
    this.seen = end;
  }

  /** A chunk of single values: the ranks are picked by index, the distinct count by one loop. */
  addValues(values: Float64Array): void {
    const start = this.seen;
    const end = start + values.length;
    for (const rank of this.wanted) {
      if (rank >= start && rank < end) this.found.set(rank, values[rank - start] as number);
    }
    let last = this.last;
    let distinct = 0;
    for (let i = 0; i < values.length; i++) {
      const value = values[i] as number;
      if (value !== last) {
        distinct++;
        last = value;
      }
    }
    this.last = last;
    this.distinct += distinct;
    this.seen = end;
  }

  /** The summary, or undefined when the values did not add up to the total announced. */
  result(numeric: boolean, viaDouble: boolean): SeenValues | undefined {
    if (this.seen !== this.total) return undefined;
    const base = { count: this.total, distinct: this.distinct, viaDouble };
    if (!numeric || this.total === 0) return { ...base, quantiles: null };
    const quantiles = this.probabilities.map((p) => {
      const h = (this.total - 1) * p;
      const low = this.found.get(Math.floor(h)) as number;
      const high = this.found.get(Math.ceil(h)) as number;
      return low + (h - Math.floor(h)) * (high - low);
    });
    return { ...base, quantiles };
  }
}

/**
 * Passes an ascending stream through unchanged and reports what it held once it has been read
 * to the end (a stream left early reports nothing).
 */
export async function* observeSorted(
  stream: AsyncIterable<NumberChunk>,
  total: number,
  probabilities: readonly number[],
  report: (seen: SeenValues) => void,
): AsyncIterable<NumberChunk> {
  const ranked = new RankedValues(total, probabilities);
  for await (const chunk of stream) {
    if (chunk.counts) {
      for (let i = 0; i < chunk.values.length; i++)
        ranked.add(chunk.values[i] as number, chunk.counts[i] as number);
    } else {
      ranked.addValues(chunk.values);
    }
    yield chunk;
  }
  const seen = ranked.result(true, true);
  if (seen) report(seen);
}

/**
 * The same summary from a column drift measured by category: each label is a value as DuckDB
 * writes it, with its count in the current data (zero where only the reference has it).
 */
export function observeCategories(
  labels: readonly string[],
  counts: readonly number[],
  probabilities: readonly number[],
  numeric: boolean,
): SeenValues | undefined {
  const present = labels.flatMap((label, i) =>
    (counts[i] ?? 0) > 0 ? [{ label, count: counts[i] as number }] : [],
  );
  const total = present.reduce((sum, p) => sum + p.count, 0);
  const values = present.map((p) => Number(p.label));
  if (!numeric || values.some(Number.isNaN))
    return { count: total, distinct: present.length, quantiles: null, viaDouble: false };
  const order = values
    .map((_, i) => i)
    .sort((a, b) => (values[a] as number) - (values[b] as number));
  const ranked = new RankedValues(total, probabilities);
  for (const i of order) ranked.add(values[i] as number, (present[i] as { count: number }).count);
  const seen = ranked.result(true, false);
  // Each label is one distinct value, even where two parse to the same number.
  return seen && { ...seen, distinct: present.length };
}
