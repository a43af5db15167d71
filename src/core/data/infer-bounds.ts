/**
 * The range infer-schema writes for a numeric column: not the sample's exact extremes, which
 * the next batch of the same data crosses about half the time (a fresh sample's maximum beats
 * the old one with probability m / (n + m)), but those extremes widened outward:
 * - by a quarter of the observed range on each side,
 * - or, where the tail is long, by twice the distance from the 1st / 99th percentile to the
 *   extreme (a log-normal amount or a count's rare spike crosses a quarter-range margin often);
 * - a column with no negative value stays at ≥ 0, one within [0, 1] (a share, a probability)
 *   stays within it;
 * - then rounded outward to the margin's leading digit, so the schema reads `max: 130`, not
 *   `max: 126.49823`; integer columns to whole numbers.
 * A constant column is widened by a quarter of its value.
 */
export interface Observed {
  lo: number;
  hi: number;
  /** 1st and 99th percentiles. */
  p01: number;
  p99: number;
  integer: boolean;
}

const RANGE_SHARE = 0.25;
const TAIL_FACTOR = 2;

export function widenedBounds(o: Observed): { min: number; max: number } {
  const width = o.hi - o.lo;
  const base = width > 0 ? width : Math.max(Math.abs(o.hi), Math.abs(o.lo));
  const below = Math.max(RANGE_SHARE * base, TAIL_FACTOR * (o.p01 - o.lo));
  const above = Math.max(RANGE_SHARE * base, TAIL_FACTOR * (o.hi - o.p99));
  let min = roundOut(o.lo - below, below, -1, o.integer);
  let max = roundOut(o.hi + above, above, 1, o.integer);
  if (o.lo >= 0 && min < 0) min = 0;
  if (o.hi <= 0 && max > 0) max = 0;
  if (o.lo >= 0 && o.hi <= 1 && max > 1) max = 1;
  return { min, max };
}

/** x rounded away from the data (direction) to a step of the margin's leading digit. */
function roundOut(x: number, margin: number, direction: 1 | -1, integer: boolean): number {
  if (!Number.isFinite(x)) return x;
  let step = margin > 0 ? 10 ** Math.floor(Math.log10(margin)) : 0;
  if (integer) step = Math.max(1, step);
  if (step === 0 || !Number.isFinite(step)) return x;
  const steps = x / step;
  const rounded = direction > 0 ? Math.ceil(steps) : Math.floor(steps);
  // toPrecision drops the binary noise of rounded × step (0.1 × 3 = 0.30000000000000004).
  return Number((rounded * step).toPrecision(15));
}
