import type { DataColumn } from '../checks.js';
import { toNumber } from '../checks.js';
import type { SqlEngine, SqlRow } from '../engine.js';
import { doubleSql, isNumericFamily, isTimeFamily, measuredSql, quoteIdent } from '../sql.js';

/** Where the checks' scan puts the current side's aggregates (validate.ts). */
export const CURRENT_PREFIX = 'dc_';

/**
 * Numeric columns whose approximate distinct count is at most this are counted exactly: the
 * choices that hang on it (≤ 5 values: categories; > 20: Sturges bins) must not flip on
 * HyperLogLog's error (up to ~25 % seen at 1,000 values, a few % below 100). Categorical
 * columns need no exact count: their value counts give it.
 */
const EXACT_DISTINCT_BELOW = 40;

/** One side's per-column statistics that drift needs before choosing and binning. */
export interface Side {
  n: number;
  min: number;
  max: number;
  std: number;
  distinct: number;
  nulls: number;
}

/**
 * The aggregates behind Side, aliased `<prefix>n0`, `<prefix>z0`, …: the current side's go into
 * the checks' scan (validate.ts), so drift reads the current data one time less.
 */
export function sideAggregates(
  columns: readonly DataColumn[],
  prefix: string,
  scaled = false,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (scaled) out[`${prefix}scaled`] = 'true';
  columns.forEach((c, i) => {
    const q = quoteIdent(c.name);
    const numeric = isNumericFamily(c.family) || isTimeFamily(c.family);
    const value = doubleSql(c.name, c.family);
    const measured = measuredSql(c.name, c.family);
    // HyperLogLog first: an exact count of a million distinct ids costs a hash table; readSides
    // counts exactly where the choices near small counts need it.
    // n counts the values drift compares; z the nulls (NaN and ±inf are neither).
    out[`${prefix}n${i}`] =
      c.family === 'float' ? `count(*) FILTER (WHERE ${measured})` : `count(${q})`;
    out[`${prefix}z${i}`] = `count(*) - count(${q})`;
    out[`${prefix}d${i}`] = `approx_count_distinct(${q})`;
    const only = c.family === 'float' ? ` FILTER (WHERE ${measured})` : '';
    out[`${prefix}lo${i}`] = numeric ? `min(${value})${only}` : 'NULL';
    out[`${prefix}hi${i}`] = numeric ? `max(${value})${only}` : 'NULL';
    // Scaled by 2^-512 where squares of the values would pass 1e308 (STDDEV_POP fails there).
    const std = scaled ? `stddev_pop(${value} * ${STD_SCALE})` : `stddev_pop(${value})`;
    out[`${prefix}s${i}`] = numeric ? `${std}${only}` : 'NULL';
  });
  return out;
}

/** Reads sideAggregates back, then counts exactly where the approximate count is small. */
export async function readSides(
  engine: SqlEngine,
  scan: string,
  columns: readonly DataColumn[],
  row: SqlRow | undefined,
  prefix: string,
): Promise<Side[]> {
  const unscale = row?.[`${prefix}scaled`] === true ? 1 / STD_SCALE : 1;
  const sides = columns.map((_, i) => ({
    n: toNumber(row?.[`${prefix}n${i}`]),
    nulls: toNumber(row?.[`${prefix}z${i}`]),
    distinct: toNumber(row?.[`${prefix}d${i}`]),
    min: toNumber(row?.[`${prefix}lo${i}`]),
    max: toNumber(row?.[`${prefix}hi${i}`]),
    std: toNumber(row?.[`${prefix}s${i}`]) * unscale,
  }));
  const small = columns
    .map((c, i) => ({ c, i }))
    .filter(
      ({ c, i }) =>
        (isNumericFamily(c.family) || isTimeFamily(c.family)) &&
        (sides[i]?.distinct ?? 0) <= EXACT_DISTINCT_BELOW,
    );
  if (small.length > 0) {
    const [exact] = await engine.query(
      `SELECT ${small.map(({ c, i }) => `count(DISTINCT ${quoteIdent(c.name)}) AS d${i}`).join(', ')} FROM ${scan}`,
    );
    for (const { i } of small) (sides[i] as Side).distinct = toNumber(exact?.[`d${i}`]);
  }
  return sides;
}

/** One side's statistics in one pass of its own (the reference; or the current side in tests). */
export async function sideStats(
  engine: SqlEngine,
  scan: string,
  columns: readonly DataColumn[],
): Promise<Side[]> {
  const row = await withStdRetry((scaled) => {
    const select = Object.entries(sideAggregates(columns, '', scaled))
      .map(([alias, sql]) => `${sql} AS ${quoteIdent(alias)}`)
      .join(', ');
    return engine.query(`SELECT ${select} FROM ${scan}`).then((rows) => rows[0]);
  });
  return readSides(engine, scan, columns, row, '');
}

/** 2^-512, exact in binary: scaling by it and back loses no digits of the large values. */
const STD_SCALE = 7.458340731200207e-155;

/**
 * Runs a scan holding side aggregates; when DuckDB's STDDEV_POP overflows (values beyond
 * ~1e154), runs it again with the standard deviations scaled down. Values that small lose
 * their last digits then, which a column spanning 1e154 does not notice.
 */
export async function withStdRetry<T>(scan: (scaled: boolean) => Promise<T>): Promise<T> {
  try {
    return await scan(false);
  } catch (error) {
    if (!/STDDEV_POP is out of range/i.test(error instanceof Error ? error.message : ''))
      throw error;
    return scan(true);
  }
}
