import type { SqlEngine, SqlRow } from './engine.js';
import type { CheckResult, DataColumn } from './checks.js';
import { formatFraction, toNumber } from './checks.js';
import type { DataSchema } from './schema.js';
import { plural } from '../text/plural.js';
import { quoteIdent } from './sql.js';

/**
 * Aggregates for the duplicate-rows check in the checks' scan (no pass of its own). A column
 * declared unique that turns out non-null and all distinct proves every row distinct, and its
 * exact count is already in the scan (the unique check); otherwise equal rows have equal
 * hashes, so all-distinct hashes prove there is no duplicate with 8-byte keys, not whole rows.
 */
export function duplicateAggregates(
  schema: DataSchema,
  columns: readonly DataColumn[],
): Record<string, string> {
  const present = new Set(columns.map((c) => c.name));
  const key = schema.columns.find((c) => c.unique && present.has(c.name));
  if (key) {
    const q = quoteIdent(key.name);
    return { __dup_key_nn: `count(${q})`, __dup_key_distinct: `count(DISTINCT ${q})` };
  }
  const list = columns.map((c) => quoteIdent(c.name)).join(', ');
  return { __dup_hashes: `count(DISTINCT hash(${list}))` };
}

export async function duplicateCheck(
  engine: SqlEngine,
  scan: string,
  columns: DataColumn[],
  rows: number,
  schema: DataSchema,
  row: SqlRow,
): Promise<CheckResult> {
  const list = columns.map((c) => quoteIdent(c.name)).join(', ');
  const keyProves =
    toNumber(row['__dup_key_nn']) === rows && toNumber(row['__dup_key_distinct']) === rows;
  let duplicates = 0;
  if (!keyProves) {
    duplicates =
      '__dup_hashes' in row
        ? rows - toNumber(row['__dup_hashes'])
        : toNumber(
            (
              await engine.query(
                `SELECT count(*) - count(DISTINCT hash(${list})) AS dup FROM ${scan}`,
              )
            )[0]?.['dup'],
          );
  }
  // Only when some hashes repeat (a duplicate, or rarely a collision) does the exact grouping run.
  if (duplicates > 0) {
    const [exact] = await engine.query(
      `SELECT coalesce(sum(c) - count(*), 0) AS dup FROM (SELECT count(*) AS c FROM ${scan} GROUP BY ${list})`,
    );
    duplicates = toNumber(exact?.['dup']);
  }
  const fraction = duplicates / rows;
  const limit = schema.duplicates?.maxFraction ?? 0;
  return {
    name: 'duplicate_rows',
    column: null,
    status: fraction <= limit ? 'pass' : 'fail',
    observed: `${plural(duplicates, 'duplicate row')} (${formatFraction(fraction)})`,
    expected: `≤ ${formatFraction(limit)}`,
    failingRows: duplicates,
    samples: [],
    ...(schema.duplicates ? { place: schema.duplicates.place } : {}),
    failWhere: `(${list}) IN (SELECT (${list}) FROM __source GROUP BY ${list} HAVING count(*) > 1)`,
  };
}

/**
 * A failed `unique` check in full: how many values repeat and on how many rows (every row that
 * shares its value with another fails, as the sampled rows show), one grouping of the column.
 */
export async function repeatedRows(
  engine: SqlEngine,
  scan: string,
  column: string,
): Promise<Pick<CheckResult, 'observed' | 'failingRows'>> {
  const q = quoteIdent(column);
  const [row] = await engine.query(
    `SELECT count(*) AS "values", coalesce(sum(c), 0) AS "rows"
     FROM (SELECT count(*) AS c FROM ${scan} WHERE ${q} IS NOT NULL GROUP BY ${q} HAVING count(*) > 1)`,
  );
  const rows = toNumber(row?.['rows']);
  return {
    observed: `${plural(toNumber(row?.['values']), 'value')} repeated, on ${plural(rows, 'row')}`,
    failingRows: rows,
  };
}
