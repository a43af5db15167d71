import type { SqlEngine, SqlRow } from './engine.js';
import type { SampleRow } from './checks.js';
import { toNumber } from './checks.js';
import { recordLines } from './record-lines.js';
import { jsonLines, scanSql, singleFile } from './source.js';
import { quoteIdent, quoteString } from './sql.js';
import type { DataSource } from './source.js';

const SAMPLE_LIMIT = 5;
/** Not `filename`: the data may have a column of that name. */
const FILE_COLUMN = '__sluice_file';

/**
 * Up to five failing rows, with the file, the row within it (WITH ORDINALITY runs across the
 * files of a glob, so the rows of the files before are subtracted) and, for CSV and JSON
 * lines, the line it starts on, counted in the file itself (record-lines.ts): quoted values
 * may span lines and blank lines are skipped, so row + 1 is not always the line.
 */
export async function sampleRows(
  engine: SqlEngine,
  source: DataSource,
  types: Record<string, string>,
  failWhere: string,
): Promise<SampleRow[]> {
  const scan = scanSql(source, { types, filename: FILE_COLUMN });
  // WITH ORDINALITY names its column `ordinality`, or `ordinality0` when the data has one.
  const described = await engine.query(`DESCRIBE SELECT * FROM ${scan} WITH ORDINALITY`);
  const ordinality = String(described[described.length - 1]?.['column_name'] ?? 'ordinality');
  const order = quoteIdent(ordinality);
  const file = quoteIdent(FILE_COLUMN);
  const rows = await engine.query(
    `WITH __source AS (SELECT * FROM ${scan} WITH ORDINALITY)
     SELECT * FROM __source WHERE ${failWhere} ORDER BY ${order} LIMIT ${SAMPLE_LIMIT}`,
  );
  const files = [...new Set(rows.map((r) => String(r[FILE_COLUMN])))];
  const offsets = new Map<string, number>();
  if (rows.length > 0 && !singleFile(source)) {
    const perFile = await engine.query(
      `SELECT ${file} AS f, min(${order}) AS first FROM ${scan} WITH ORDINALITY
       WHERE ${file} IN (${files.map(quoteString).join(', ')}) GROUP BY ${file}`,
    );
    for (const f of perFile) offsets.set(String(f['f']), toNumber(f['first']) - 1);
  }
  const located = rows.map((r) => {
    const path = String(r[FILE_COLUMN]);
    const values: Record<string, SqlRow[string]> = {};
    for (const [key, value] of Object.entries(r))
      if (key !== ordinality && key !== FILE_COLUMN) values[key] = capped(value);
    return { path, row: toNumber(r[ordinality]) - (offsets.get(path) ?? 0), values };
  });
  const lines = await linesOf(source, located);
  return located.map(({ path, row, values }) => ({
    line: lines.get(path)?.get(row) ?? fallbackLine(source, row),
    row,
    file: path,
    values,
  }));
}

/** Lines counted in each file; a file Node cannot read gets none (fallbackLine). */
async function linesOf(
  source: DataSource,
  located: readonly { path: string; row: number }[],
): Promise<Map<string, Map<number, number>>> {
  const out = new Map<string, Map<number, number>>();
  if (source.format === 'parquet' || (source.format === 'json' && !jsonLines(source))) return out;
  const byFile = new Map<string, number[]>();
  for (const { path, row } of located) byFile.set(path, [...(byFile.get(path) ?? []), row]);
  for (const [path, rows] of byFile) {
    const lines = await recordLines(
      path,
      rows,
      source.format === 'csv' ? { header: source.header, quote: '"' } : { header: false },
    ).catch(() => undefined);
    if (lines) out.set(path, lines);
  }
  return out;
}

function fallbackLine(source: DataSource, row: number): number | null {
  if (source.format === 'csv') return row + (source.header ? 1 : 0);
  return jsonLines(source) ? row : null;
}

/** Longest text a sample cell keeps: a 200 KB blob would be the whole report otherwise. */
const MAX_SAMPLE_TEXT = 200;

function capped(value: SqlRow[string]): SqlRow[string] {
  if (typeof value !== 'string' || value.length <= MAX_SAMPLE_TEXT) return value;
  return `${value.slice(0, MAX_SAMPLE_TEXT)}… (${value.length.toLocaleString('en-US')} characters)`;
}
