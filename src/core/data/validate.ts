import type { SqlEngine, SqlRow } from './engine.js';
import { diagnoseCsv, likelyDelimiter } from './csv-diagnose.js';
import { translateEngineError } from './engine-errors.js';
import { planChecks, toNumber } from './checks.js';
import type { CheckResult, DataColumn, SampleRow } from './checks.js';
import {
  estimateQuantiles,
  exactProfileUpTo,
  profileAggregates,
  readProfiles,
  withSeenValues,
} from './profile.js';
import type { ColumnProfile } from './profile.js';
import type { DataSchema } from './schema.js';
import { scanSql, sourceBytes } from './source.js';
import type { ProgressEngine } from './progress.js';
import type { DataSource } from './source.js';
import { DUCKDB_TYPE, quoteIdent, typeFamily } from './sql.js';
import { driftColumns, readsInFull, runDrift } from './drift/run.js';
import type { SeenValues } from './drift/seen.js';
import { CURRENT_PREFIX, sideAggregates } from './drift/sides.js';
import type { DriftSummary } from './drift/run.js';
import { UsageError } from '../errors.js';

export interface ValidationResult {
  verdict: 'pass' | 'fail';
  rows: number;
  columns: DataColumn[];
  checks: CheckResult[];
  profiles: ColumnProfile[];
  drift: DriftSummary | null;
  /** Wall time of reading the data and the checks' scan, for the rows/s line. */
  scanMs: number;
  /** Size of the data files, when progress lines asked for it. */
  bytes?: number;
}

const SAMPLE_LIMIT = 5;

/** Columns and their types as DuckDB reads the source (CSV: before forcing declared types). */
export async function describeSource(engine: SqlEngine, source: DataSource): Promise<DataColumn[]> {
  let rows: SqlRow[];
  try {
    rows = await engine.query(`DESCRIBE SELECT * FROM ${scanSql(source)}`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (source.format === 'csv' && /Error when sniffing file/.test(message))
      throw await diagnoseCsv(engine, source, '');
    translateEngineError(error, source);
  }
  return rows.map((r) => ({
    name: String(r['column_name']),
    type: String(r['column_type']),
    family: typeFamily(String(r['column_type'])),
  }));
}

/** CSV columns the schema declares get the declared type, so a bad value fails with its line. */
function forcedTypes(
  source: DataSource,
  schema: DataSchema,
  columns: DataColumn[],
): Record<string, string> {
  if (source.format !== 'csv') return {};
  const present = new Set(columns.map((c) => c.name));
  const types: Record<string, string> = {};
  for (const rule of schema.columns) {
    if (rule.type && present.has(rule.name)) types[rule.name] = DUCKDB_TYPE[rule.type] as string;
  }
  return types;
}

/** One CSV column whose name holds a delimiter: ragged rows or the wrong delimiter, found with its line. */
async function guardDelimiter(
  engine: SqlEngine,
  source: DataSource,
  schema: DataSchema,
  columns: DataColumn[],
): Promise<void> {
  if (source.format !== 'csv' || columns.length !== 1 || schema.columns.length < 2) return;
  const only = columns[0]?.name ?? '';
  if (likelyDelimiter(only) !== undefined) throw await diagnoseCsv(engine, source, only);
}

export async function validateData(options: {
  engine: SqlEngine;
  schema: DataSchema;
  data: DataSource;
  reference?: DataSource;
  now: Date;
  clockMs?: () => number;
}): Promise<ValidationResult> {
  const { engine, schema, data } = options;
  const clockMs = options.clockMs ?? (() => 0);
  const sniffed = await describeSource(engine, data);
  await guardDelimiter(engine, data, schema, sniffed);
  const types = forcedTypes(data, schema, sniffed);
  const columns = sniffed.map((c) =>
    types[c.name]
      ? { name: c.name, type: types[c.name] as string, family: typeFamily(types[c.name] as string) }
      : c,
  );
  // The reference's columns are known before the checks' scan, so that scan also gathers the
  // current side's drift statistics (one pass less).
  const reference =
    schema.drift && options.reference
      ? await describeTyped(engine, options.reference, schema)
      : undefined;
  const started = clockMs();
  const bytes = await phase(engine, 'reading', data);
  // Without drift the checks, profile and duplicate hashes all come from one pass, so the file
  // is read once where it lies; drift reads the current data again (value counts, ECDFs).
  const drifting = schema.drift !== undefined && reference !== undefined;
  const scan = drifting
    ? await materialize(engine, '__sluice_current', scanSql(data, { types }), data)
    : scanSql(data, { types });

  const plan = planChecks(schema, columns, options.now.getTime() / 1000);
  const size = bytes ?? (await sourceBytes(engine, data));
  const small = size !== undefined && size <= exactProfileUpTo(data.format);
  const exactDistinct = new Set(
    small ? columns.map((c) => c.name) : schema.columns.filter((c) => c.unique).map((c) => c.name),
  );
  const chosen =
    schema.drift && reference
      ? driftColumns({ current: columns, reference: reference.columns }, schema.drift)
      : [];
  // Drift reads these current columns in full and hands their exact quantiles to the profile,
  // so the scan spares their t-digests (the costliest aggregates after exact distinct counts).
  const quantilesFromDrift =
    schema.drift && !small ? readsInFull(chosen, schema.drift) : new Set<string>();
  const aggregates: Record<string, string> = {
    ...profileAggregates(columns, exactDistinct, small, quantilesFromDrift),
  };
  for (const check of plan.planned) Object.assign(aggregates, check.aggregates);
  if (schema.duplicates) Object.assign(aggregates, duplicateAggregates(schema, columns));
  Object.assign(aggregates, sideAggregates(chosen, CURRENT_PREFIX));
  const select = Object.entries(aggregates)
    .map(([alias, sql]) => `${sql} AS ${quoteIdent(alias)}`)
    .join(',\n  ');
  await phase(engine, 'checks and profile');
  let row: SqlRow;
  try {
    row = (await engine.query(`SELECT\n  ${select}\nFROM ${scan}`))[0] ?? {};
  } catch (error) {
    const custom = schema.checks.find((c) =>
      (error instanceof Error ? error.message : '').includes(c.sql),
    );
    translateEngineError(
      error,
      data,
      custom ? { place: custom.place, what: `check \`${custom.name}\`` } : undefined,
    );
  }
  const scanMs = clockMs() - started;
  const rows = toNumber(row['__rows']);
  if (rows === 0)
    throw new UsageError('the dataset is empty (no rows)', { place: { file: data.label } });

  const checks: CheckResult[] = [...plan.static, ...plan.planned.map((p) => p.evaluate(row))];
  await phase(engine, 'duplicate rows');
  if (schema.duplicates)
    checks.push(await duplicateCheck(engine, scan, columns, rows, schema, row));
  for (const check of checks) {
    if (check.status === 'fail' && check.failWhere && (check.failingRows ?? 0) > 0) {
      check.samples = await sampleRows(engine, data, types, check.failWhere);
    }
  }

  let drift: DriftSummary | null = null;
  const seen = new Map<string, SeenValues>();
  if (schema.drift && options.reference) {
    await phase(engine, 'reading the reference', options.reference);
    const refScan = await materialize(
      engine,
      '__sluice_reference',
      scanSql(options.reference, { types: reference?.types ?? {} }),
      options.reference,
    );
    await phase(engine, 'drift');
    try {
      drift = await runDrift(
        engine,
        { reference: refScan, current: scan },
        { current: columns, reference: reference?.columns ?? [] },
        schema.drift,
        schema.drift.minEffect,
        row,
        (column, values) => seen.set(column, values),
      );
    } catch (error) {
      translateEngineError(error, options.reference);
    }
  }
  let profiles = readProfiles(columns, row, exactDistinct, small);
  if (!small) profiles = withSeenValues(profiles, seen);
  profiles = await estimateQuantiles(engine, scan, profiles, quantilesFromDrift);
  const failed = checks.some((c) => c.status === 'fail') || (drift?.datasetDrift ?? false);
  return {
    verdict: failed ? 'fail' : 'pass',
    rows,
    columns,
    checks,
    profiles,
    drift,
    scanMs,
    ...(bytes !== undefined ? { bytes } : {}),
  };
}

/** A source's columns with the schema's declared types forced (CSV), and those types. */
async function describeTyped(
  engine: SqlEngine,
  source: DataSource,
  schema: DataSchema,
): Promise<{ columns: DataColumn[]; types: Record<string, string> }> {
  const sniffed = await describeSource(engine, source);
  const types = forcedTypes(source, schema, sniffed);
  const columns = sniffed.map((c) =>
    types[c.name]
      ? { name: c.name, type: types[c.name] as string, family: typeFamily(types[c.name] as string) }
      : c,
  );
  return { columns, types };
}

/**
 * Reads a text source once into a table of the engine's scratch database: with drift, CSV
 * and JSON are parsed once, not once per pass (checks, then drift reads columns again: value
 * counts, sorted streams), and the later passes read only the columns they need. Returns the
 * table's name for FROM. Not a TEMP table: drift's sorted streams read it from connections
 * of their own.
 */
async function materialize(
  engine: SqlEngine,
  table: string,
  scan: string,
  source: DataSource,
): Promise<string> {
  // Parquet is columnar already: each pass reads only its columns, so a copy would cost more.
  if (source.format === 'parquet') return scan;
  // Row order in the copy does not matter (samples and their lines come from the files); the
  // engine runs with preserve_insertion_order=false, so the parallel CSV reader is not serialised.
  try {
    await engine.query(`CREATE OR REPLACE TABLE ${table} AS SELECT * FROM ${scan}`);
  } catch (error) {
    translateEngineError(error, source);
  }
  return table;
}

/** Names the pass for progress lines, when the engine prints them (withProgress). */
async function phase(
  engine: SqlEngine,
  name: string,
  source?: DataSource,
): Promise<number | undefined> {
  const tracked = engine as Partial<ProgressEngine>;
  if (typeof tracked.phase !== 'function') return undefined;
  const bytes = source ? await sourceBytes(engine, source) : undefined;
  tracked.phase(name, bytes);
  return bytes;
}

/**
 * Aggregates for the duplicate-rows check in the checks' scan (no pass of its own). A column
 * declared unique that turns out non-null and all distinct proves every row distinct, and its
 * exact count is already in the scan (the unique check); otherwise equal rows have equal
 * hashes, so all-distinct hashes prove there is no duplicate with 8-byte keys, not whole rows.
 */
function duplicateAggregates(
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

async function duplicateCheck(
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
    observed: `${duplicates} duplicate rows (${(fraction * 100).toPrecision(3)}%)`,
    expected: `≤ ${limit * 100}%`,
    failingRows: duplicates,
    samples: [],
    ...(schema.duplicates ? { place: schema.duplicates.place } : {}),
    failWhere: `(${list}) IN (SELECT (${list}) FROM __source GROUP BY ${list} HAVING count(*) > 1)`,
  };
}

/**
 * Up to five failing rows. Line numbers come from WITH ORDINALITY (row order within the scan):
 * for CSV with a header, line = row + 1, which holds when no quoted value spans lines.
 */
async function sampleRows(
  engine: SqlEngine,
  source: DataSource,
  types: Record<string, string>,
  failWhere: string,
): Promise<SampleRow[]> {
  const scan = scanSql(source, { types, filename: true });
  const rows = await engine.query(
    `WITH __source AS (SELECT * FROM ${scan} WITH ORDINALITY)
     SELECT * FROM __source WHERE ${failWhere} ORDER BY ordinality LIMIT ${SAMPLE_LIMIT}`,
  );
  const offsets = new Map<string, number>();
  const files = [...new Set(rows.map((r) => String(r['filename'])))];
  if (rows.length > 0 && (source.paths.length > 1 || source.paths.some((p) => /[*?[]/.test(p)))) {
    // The ordinality runs across files: subtract the rows of the files read before.
    const perFile = await engine.query(
      `SELECT filename, min(ordinality) AS first FROM ${scan} WITH ORDINALITY WHERE filename IN (${files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ')}) GROUP BY filename`,
    );
    for (const f of perFile) offsets.set(String(f['filename']), toNumber(f['first']) - 1);
  }
  return rows.map((r) => {
    const file = String(r['filename']);
    const rowNumber = toNumber(r['ordinality']) - (offsets.get(file) ?? 0);
    const values: Record<string, SqlRow[string]> = {};
    for (const [key, value] of Object.entries(r))
      if (key !== 'ordinality' && key !== 'filename') values[key] = value;
    const line =
      source.format === 'csv'
        ? rowNumber + (source.header ? 1 : 0)
        : source.format === 'json'
          ? rowNumber
          : null;
    return { line, row: rowNumber, file, values };
  });
}
