/**
 * Array helpers for arrays whose size the user decides (one entry per metric, row or file).
 * `push(...items)` and `Math.max(...items)` pass every item as a call argument and overflow the
 * stack past roughly 100,000 items: these loop instead.
 */
export function pushAll<T>(target: T[], items: readonly T[]): T[] {
  for (const item of items) target.push(item);
  return target;
}

/** The largest of `values` and `floor` (floor alone for none). */
export function maxOf(values: Iterable<number>, floor = -Infinity): number {
  let max = floor;
  for (const value of values) if (value > max || Number.isNaN(value)) max = value;
  return max;
}

/** The smallest of `values` and `ceiling` (ceiling alone for none). */
export function minOf(values: Iterable<number>, ceiling = Infinity): number {
  let min = ceiling;
  for (const value of values) if (value < min || Number.isNaN(value)) min = value;
  return min;
}
