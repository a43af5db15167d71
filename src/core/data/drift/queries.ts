import type { DataColumn } from '../checks.js';
import { toNumber } from '../checks.js';
import type { NumberChunk, SqlEngine } from '../engine.js';
import { doubleSql, isNumericFamily, measuredSql, numberLiteral, quoteIdent } from '../sql.js';
import type { TypeFamily } from '../sql.js';
import type { Side } from './sides.js';
import type { Binned } from './stats.js';

/** Above this many categories a column is not measured (its table would be the report). */
export const MAX_CATEGORIES = 10_000;

/**
 * Both sides' counts per category (in a fixed order), the categories as DuckDB writes them,
 * and how many there are.
 */
export async function valueCounts(
  engine: SqlEngine,
  refScan: string,
  curScan: string,
  column: DataColumn,
  refColumn: DataColumn,
): Promise<Binned & { categories: number; labels: string[] }> {
  const q = quoteIdent(column.name);
  const measured = measuredSql(column.name, column.family);
  const refMeasured = measuredSql(refColumn.name, refColumn.family);
  // Numbers are categories by value, not by spelling: 1 (an integer side) is 1.0 (a float
  // side), and -0.0 is 0.0 (`+ 0.0` turns the one into the other).
  const numbers = isNumericFamily(column.family) && isNumericFamily(refColumn.family);
  // Other values are grouped as they are and spelt afterwards: casting every row to text
  // first cost 4× as much for booleans and 2× for timestamps (10 M rows).
  const counts = (scan: string, where: string): string =>
    numbers
      ? `SELECT CAST(${q} AS DOUBLE) + 0.0 AS v, count(*) AS c FROM ${scan} WHERE ${where} GROUP BY 1`
      : `SELECT CAST(v AS VARCHAR) AS v, CAST(sum(c) AS BIGINT) AS c
         FROM (SELECT ${q} AS v, count(*) AS c FROM ${scan} WHERE ${where} GROUP BY 1) GROUP BY 1`;
  // Sorted, so the floating sums over categories come out the same on every run.
  const rows = await engine.query(
    `WITH r AS (${counts(refScan, refMeasured)}),
          k AS (${counts(curScan, measured)})
     SELECT CAST(coalesce(r.v, k.v) AS VARCHAR) AS v, coalesce(r.c, 0) AS rc, coalesce(k.c, 0) AS kc
     FROM r FULL OUTER JOIN k ON r.v = k.v
     ORDER BY coalesce(r.v, k.v) LIMIT ${MAX_CATEGORIES + 1}`,
  );
  const reference = rows.map((r) => toNumber(r['rc']));
  const current = rows.map((r) => toNumber(r['kc']));
  return {
    reference,
    current,
    referenceTotal: reference.reduce((a, b) => a + b, 0),
    currentTotal: current.reduce((a, b) => a + b, 0),
    categories: rows.length,
    labels: rows.map((r) => String(r['v'])),
  };
}

/**
 * Above this many distinct values a side streams its raw values sorted (DuckDB's sort spills);
 * below, it streams one row per value with its count (a small hash table, then a small sort).
 */
const GROUP_VALUES_BELOW = 200_000;

/** One side of a column as an ascending stream for ecdfDistances. */
export function sortedValues(
  engine: SqlEngine,
  scan: string,
  column: DataColumn,
  side: Side,
): AsyncIterable<NumberChunk> {
  const measured = measuredSql(column.name, column.family);
  const value = doubleSql(column.name, column.family);
  return engine.streamNumbers(
    side.distinct <= GROUP_VALUES_BELOW
      ? `SELECT ${value} AS v, CAST(count(*) AS DOUBLE) AS c FROM ${scan} WHERE ${measured} GROUP BY 1 ORDER BY 1`
      : `SELECT ${value} AS v FROM ${scan} WHERE ${measured} ORDER BY 1`,
  );
}

/** One side's counts in the bins between `edges`. */
export async function histogram(
  engine: SqlEngine,
  scan: string,
  column: { name: string; family: TypeFamily },
  edges: readonly number[],
): Promise<number[]> {
  const q = doubleSql(column.name, column.family);
  const measured = measuredSql(column.name, column.family);
  const inner = edges.slice(1, -1);
  const parts = [
    `count(*) FILTER (WHERE ${measured}) AS n`,
    ...inner.map(
      (e, i) => `count(*) FILTER (WHERE ${measured} AND ${q} < ${numberLiteral(e)}) AS lt${i}`,
    ),
  ];
  const [row] = await engine.query(`SELECT ${parts.join(', ')} FROM ${scan}`);
  const below = inner.map((_, i) => toNumber(row?.[`lt${i}`]));
  const n = toNumber(row?.['n']);
  const counts: number[] = [];
  let previous = 0;
  for (const b of below) {
    counts.push(b - previous);
    previous = b;
  }
  counts.push(n - previous);
  return counts;
}
