import type { NumberChunk } from '../engine.js';

/** Where the two empirical CDFs differ most (KS D) and the area between them (1-Wasserstein). */
export interface EcdfDistances {
  d: number;
  wasserstein: number;
}

/** Reads a sorted stream a chunk at a time; each value stands for `counts[i]` rows (1 if absent). */
class SortedSide {
  values: Float64Array = new Float64Array(0);
  counts: Float64Array | undefined;
  index = 0;
  ended = false;
  private readonly iterator: AsyncIterator<NumberChunk>;

  constructor(stream: AsyncIterable<NumberChunk>) {
    this.iterator = stream[Symbol.asyncIterator]();
  }

  get buffered(): boolean {
    return this.index < this.values.length;
  }

  /** Loads the next chunk when this one is used up; false once the stream has ended. */
  async refill(): Promise<boolean> {
    while (!this.buffered && !this.ended) {
      const next = await this.iterator.next();
      if (next.done) {
        this.ended = true;
        break;
      }
      this.values = next.value.values;
      this.counts = next.value.counts;
      this.index = 0;
    }
    return this.buffered;
  }

  async close(): Promise<void> {
    if (!this.ended) await this.iterator.return?.();
  }
}

/**
 * Merges two ascending streams of one column (reference and current) in a single pass,
 * evaluating F_ref − F_cur after each distinct value: the same sums as scipy's ks_2samp and
 * wasserstein_distance, in memory bounded by one chunk per side however long the column is.
 * `referenceTotal` and `currentTotal` are the non-null counts the CDFs are normalised by.
 */
export async function ecdfDistances(
  reference: AsyncIterable<NumberChunk>,
  current: AsyncIterable<NumberChunk>,
  referenceTotal: number,
  currentTotal: number,
): Promise<EcdfDistances> {
  const ref = new SortedSide(reference);
  const cur = new SortedSide(current);
  let refSeen = 0;
  let curSeen = 0;
  let value = Number.NaN;
  let started = false;
  let highest = Number.NEGATIVE_INFINITY;
  let lowest = Number.POSITIVE_INFINITY;
  // Neumaier-compensated sum: millions of tiny areas would otherwise lose digits.
  let area = 0;
  let compensation = 0;
  const closeGroup = (next: number): void => {
    const diff = refSeen / referenceTotal - curSeen / currentTotal;
    if (diff > highest) highest = diff;
    if (diff < lowest) lowest = diff;
    if (Number.isNaN(next)) return;
    const term = Math.abs(diff) * (next - value);
    const sum = area + term;
    compensation += Math.abs(area) >= Math.abs(term) ? area - sum + term : term - sum + area;
    area = sum;
  };
  try {
    for (;;) {
      if (!ref.buffered) await ref.refill();
      if (!cur.buffered) await cur.refill();
      if (!ref.buffered && !cur.buffered) break;
      // Runs synchronously until one side needs its next chunk.
      for (;;) {
        let fromReference: boolean;
        if (ref.buffered && cur.buffered)
          fromReference = (ref.values[ref.index] as number) <= (cur.values[cur.index] as number);
        else if (ref.buffered && cur.ended) fromReference = true;
        else if (cur.buffered && ref.ended) fromReference = false;
        else break;
        const side = fromReference ? ref : cur;
        const next = side.values[side.index] as number;
        if (next !== value) {
          if (started) closeGroup(next);
          value = next;
          started = true;
        }
        const weight = side.counts ? (side.counts[side.index] as number) : 1;
        if (fromReference) refSeen += weight;
        else curSeen += weight;
        side.index++;
      }
    }
    if (started) closeGroup(Number.NaN);
  } finally {
    await Promise.all([ref.close(), cur.close()]);
  }
  if (!started) return { d: 0, wasserstein: 0 };
  return {
    d: Math.max(Math.min(Math.max(-lowest, 0), 1), highest),
    wasserstein: area + compensation,
  };
}
