import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../../src/core/async/map-limit.js';

describe('mapLimit', () => {
  it('keeps at most `limit` in flight and returns results in order', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await mapLimit([5, 1, 4, 2, 3], 2, async (ms) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, ms));
      inFlight -= 1;
      return ms * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });

  it('rejects with the first error only after the work in flight has settled, and starts no more', async () => {
    const finished: number[] = [];
    const started: number[] = [];
    const error = await mapLimit([0, 1, 2, 3], 2, async (item) => {
      started.push(item);
      if (item === 0) throw new Error('first');
      await new Promise((resolve) => setTimeout(resolve, 30));
      finished.push(item);
      return item;
    }).catch((caught: unknown) => caught);
    expect((error as Error).message).toBe('first');
    // Item 1 was in flight when item 0 failed: it finished before mapLimit rejected.
    expect(finished).toEqual([1]);
    expect(started).toEqual([0, 1]);
  });
});
