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
): Record<string, string> {
  const out: Record<string, string> = {};
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
    out[`${prefix}s${i}`] = numeric ? `stddev_pop(${value})${only}` : 'NULL';
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
  const sides = columns.map((_, i) => ({
    n: toNumber(row?.[`${prefix}n${i}`]),
    nulls: toNumber(row?.[`${prefix}z${i}`]),
    distinct: toNumber(row?.[`${prefix}d${i}`]),
    min: toNumber(row?.[`${prefix}lo${i}`]),
    max: toNumber(row?.[`${prefix}hi${i}`]),
    std: toNumber(row?.[`${prefix}s${i}`]),
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
  const select = Object.entries(sideAggregates(columns, ''))
    .map(([alias, sql]) => `${sql} AS ${quoteIdent(alias)}`)
    .join(', ');
  const [row] = await engine.query(`SELECT ${select} FROM ${scan}`);
  return readSides(engine, scan, columns, row, '');
}
