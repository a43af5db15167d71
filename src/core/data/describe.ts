import type { SqlEngine, SqlRow } from './engine.js';
import { diagnoseCsv, guardMixedFiles, guardOneColumn } from './csv-diagnose.js';
import { translateEngineError } from './engine-errors.js';
import { checkJsonKinds } from './json-kinds.js';
import type { DataColumn } from './checks.js';
import type { DataSchema } from './schema.js';
import { jsonKeysSql, scanSql } from './source.js';
import type { DataSource, ScanOptions } from './source.js';
import { DUCKDB_TYPE, typeFamily } from './sql.js';
import { refuseNulInColumns } from './sql-text.js';

/** Columns and their types as DuckDB reads the source (CSV: before forcing declared types). */
export async function describeSource(
  engine: SqlEngine,
  source: DataSource,
  options: ScanOptions = {},
): Promise<DataColumn[]> {
  let rows: SqlRow[];
  try {
    rows = await engine.query(`DESCRIBE SELECT * FROM ${scanSql(source, options)}`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (source.format === 'csv' && /Error when sniffing file/.test(message))
      throw await diagnoseCsv(engine, source, '');
    translateEngineError(error, source);
  }
  const columns = rows.map((r) => ({
    name: String(r['column_name']),
    type: String(r['column_type']),
    family: typeFamily(String(r['column_type'])),
  }));
  refuseNulInColumns(
    columns.map((c) => c.name),
    source.label,
  );
  // DuckDB reads records of over 200 keys, or of keys each in few records, as one MAP column
  // `json`: a record's keys are its columns here, however many or rare.
  const [only] = columns;
  if (
    source.format === 'json' &&
    !options.keysAsColumns &&
    columns.length === 1 &&
    only?.name === 'json' &&
    only.type.startsWith('MAP(')
  )
    return describeSource(engine, source, { ...options, keysAsColumns: true });
  return columns;
}

/**
 * Columns the schema declares get the declared type, so a bad value fails with its line: CSV
 * takes just those; JSON takes every column (the others as DuckDB sniffed them). Parquet
 * stores its types: a mismatch there is the type check's to report.
 */
function forcedTypes(
  source: DataSource,
  schema: DataSchema,
  columns: DataColumn[],
): Record<string, string> {
  if (source.format === 'parquet') return {};
  const present = new Set(columns.map((c) => c.name));
  const types: Record<string, string> = {};
  if (source.format === 'json') for (const c of columns) types[c.name] = c.type;
  for (const rule of schema.columns) {
    if (rule.type && present.has(rule.name)) types[rule.name] = DUCKDB_TYPE[rule.type] as string;
  }
  return types;
}

/**
 * A source's columns with the schema's declared types forced (CSV), and those types; a CSV
 * read as one column whose name holds a delimiter is diagnosed (ragged rows, wrong delimiter).
 */
export async function describeTyped(
  engine: SqlEngine,
  source: DataSource,
  schema: DataSchema,
): Promise<{ columns: DataColumn[]; types: Record<string, string> }> {
  const sniffed = await withLateJsonKeys(engine, source, await describeSource(engine, source));
  await guardOneColumn(
    engine,
    source,
    sniffed,
    schema.columns.map((c) => c.name),
  );
  await guardMixedFiles(engine, source, sniffed);
  await checkJsonKinds(engine, source, schema);
  const types = forcedTypes(source, schema, sniffed);
  // Own keys only: a column may be called `constructor`.
  const columns = sniffed.map((c) =>
    Object.hasOwn(types, c.name)
      ? { name: c.name, type: types[c.name] as string, family: typeFamily(types[c.name] as string) }
      : c,
  );
  return { columns, types };
}

/**
 * JSON keys that first appear after DuckDB's sample: DuckDB's reader, given the columns it
 * sampled, drops the others without a word, so a declared column would be reported missing and
 * an undeclared one would pass `strict` unseen. One light pass lists every record's keys; when
 * one is not a sampled column, the source is described again from every record, a second full
 * read in which DuckDB names and types every key itself. Keys it renames (`name` beside `Name`
 * becomes `name_1`, an empty key `C1`) take that path too, since only it names them alike.
 */
async function withLateJsonKeys(
  engine: SqlEngine,
  source: DataSource,
  sniffed: DataColumn[],
): Promise<DataColumn[]> {
  if (source.format !== 'json') return sniffed;
  let rows: SqlRow[];
  try {
    rows = await engine.query(jsonKeysSql(source));
  } catch (error) {
    translateEngineError(error, source);
  }
  const known = new Set(sniffed.map((c) => c.name));
  const late = rows.some((r) => !known.has(String(r['k'])));
  return late ? describeSource(engine, source, { wholeSample: true }) : sniffed;
}

/**
 * A CSV without a header (`csv: { header: false }`): the schema's columns name the file's, in
 * order, as far as the file has columns (a schema column beyond them is missing, and says so).
 */
export async function withSchemaNames(
  engine: SqlEngine,
  source: DataSource,
  schema: DataSchema,
): Promise<DataSource> {
  if (source.format !== 'csv' || source.header || schema.columns.length === 0) return source;
  const sniffed = await describeSource(engine, source);
  return { ...source, names: schema.columns.slice(0, sniffed.length).map((c) => c.name) };
}
