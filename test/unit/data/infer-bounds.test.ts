import { describe, expect, it } from 'vitest';
import { widenedBounds } from '../../../src/core/data/infer-bounds.js';

const flat = (lo: number, hi: number, integer = false) => ({
  lo,
  hi,
  p01: lo + (hi - lo) * 0.01,
  p99: hi - (hi - lo) * 0.01,
  integer,
});

describe('widenedBounds: the observed range, widened so the next batch passes', () => {
  it('a quarter of the range on each side, rounded out to the margin’s leading digit', () => {
    expect(widenedBounds(flat(-20, 100))).toEqual({ min: -50, max: 130 });
    expect(widenedBounds(flat(-0.2, 0.6))).toEqual({ min: -0.4, max: 0.8 });
  });

  it('a long tail widens by twice its length past the 99th percentile', () => {
    // Log-normal-like: p99 at 10, the one extreme at 33.
    expect(widenedBounds({ lo: 1, hi: 33, p01: 1.5, p99: 10, integer: false })).toEqual({
      min: 0,
      max: 80,
    });
  });

  it('no negatives stays ≥ 0; a share within [0, 1] stays within it', () => {
    expect(widenedBounds(flat(2, 14, true))).toEqual({ min: 0, max: 17 });
    expect(widenedBounds(flat(0.01, 0.97))).toEqual({ min: 0, max: 1 });
    expect(widenedBounds(flat(-90, -10))).toEqual({ min: -110, max: 0 });
  });

  it('integers to whole numbers; a constant widens by a quarter of its value', () => {
    expect(widenedBounds(flat(0, 3, true))).toEqual({ min: 0, max: 4 });
    expect(widenedBounds(flat(1000, 1000, true))).toEqual({ min: 700, max: 1300 });
    expect(widenedBounds(flat(0, 0, true))).toEqual({ min: 0, max: 0 });
  });

  it('has no binary noise in what it writes', () => {
    const { min, max } = widenedBounds(flat(0.1, 0.3));
    expect([min, max]).toEqual([0.05, 0.35]);
  });
});
