import type { SqlEngine, SqlRow } from './engine.js';
import { diagnoseCsv, guardMixedFiles, guardOneColumn } from './csv-diagnose.js';
import { translateEngineError } from './engine-errors.js';
import { checkJsonKinds } from './json-kinds.js';
import { scanCulprit } from './culprit.js';
import { duplicateAggregates, duplicateCheck, repeatedRows } from './repeats.js';
import { sampleRows } from './samples.js';
import { planChecks, toNumber } from './checks.js';
import { vetChecks } from './check-sql.js';
import type { CheckResult, DataColumn } from './checks.js';
import { dataFiles, diskBytes, exactProfileFits, refuseDeepJson } from './data-files.js';
import { estimateQuantiles, profileAggregates, readProfiles, withSeenValues } from './profile.js';
import type { ColumnProfile } from './profile.js';
import type { DataSchema, DriftConfig } from './schema.js';
import { jsonKeysSql, scanSql } from './source.js';
import type { ScanOptions } from './source.js';
import type { ProgressEngine } from './progress.js';
import type { DataSource } from './source.js';
import { DUCKDB_TYPE, quoteIdent, typeFamily } from './sql.js';
import { driftColumns, readsInFull, runDrift } from './drift/run.js';
import type { SeenValues } from './drift/seen.js';
import { CURRENT_PREFIX, sideAggregates, withStdRetry } from './drift/sides.js';
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
  /** Size of the data files on disk (compressed, when they are). */
  bytes?: number;
}

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

export async function validateData(options: {
  engine: SqlEngine;
  schema: DataSchema;
  data: DataSource;
  reference?: DataSource;
  now: Date;
  clockMs?: () => number;
}): Promise<ValidationResult> {
  const { engine, schema } = options;
  const clockMs = options.clockMs ?? (() => 0);
  // Before anything a schema wrote runs, DuckDB may read these files and nothing else.
  await engine.confine([...options.data.paths, ...(options.reference?.paths ?? [])]);
  // Every file is a regular one before DuckDB opens any (a FIFO would block it for ever).
  const files = await dataFiles(engine, options.data);
  const referenceFiles = options.reference ? await dataFiles(engine, options.reference) : undefined;
  await refuseDeepJson(files, options.data);
  if (options.reference && referenceFiles) await refuseDeepJson(referenceFiles, options.reference);
  const expressions = await vetChecks(engine, schema.checks);
  const data = await withSchemaNames(engine, options.data, schema);
  const referenceSource = options.reference
    ? await withSchemaNames(engine, options.reference, schema)
    : undefined;
  const { columns, types } = await describeTyped(engine, data, schema);
  if (schema.drift) namedDriftColumnsExist(schema.drift, columns, data);
  // The reference's columns are known before the checks' scan, so that scan also gathers the
  // current side's drift statistics (one pass less).
  const reference =
    schema.drift && referenceSource
      ? await describeTyped(engine, referenceSource, schema)
      : undefined;
  if (reference && referenceSource)
    await sharesColumns(engine, reference, columns, referenceSource, data);
  const started = clockMs();
  const bytes = diskBytes(files);
  const compressed = files.some((f) => f.compression !== undefined);
  phase(engine, 'reading', bytes, compressed);
  // Without drift the checks, profile and duplicate hashes all come from one pass, so the file
  // is read once where it lies; drift reads the current data again (value counts, ECDFs).
  const drifting = schema.drift !== undefined && reference !== undefined;
  const scan = drifting
    ? await materialize(engine, '__sluice_current', scanSql(data, { types }), data)
    : scanSql(data, { types });

  const plan = planChecks(schema, columns, options.now.getTime() / 1000, expressions);
  const small = await exactProfileFits(engine, data, files, columns.length);
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
  phase(engine, 'checks and profile', drifting ? undefined : bytes, !drifting && compressed);
  const row: SqlRow = {};
  try {
    await withStdRetry(async (scaled) => {
      if (scaled) Object.assign(aggregates, sideAggregates(chosen, CURRENT_PREFIX, true));
      for (const batch of distinctBatches(aggregates)) {
        const select = Object.entries(batch)
          .map(([alias, sql]) => `${sql} AS ${quoteIdent(alias)}`)
          .join(',\n  ');
        Object.assign(row, (await engine.query(`SELECT\n  ${select}\nFROM ${scan}`))[0]);
      }
    });
  } catch (error) {
    const culprit = await scanCulprit(engine, scan, plan.planned, error);
    if (culprit) throw culprit;
    translateEngineError(error, data);
  }
  const scanMs = clockMs() - started;
  const rows = toNumber(row['__rows']);
  if (rows === 0)
    throw new UsageError('the dataset is empty (no rows)', { place: { file: data.label } });

  const checks: CheckResult[] = [...plan.static, ...plan.planned.map((p) => p.evaluate(row))];
  for (const check of checks) {
    if (check.name === 'unique' && check.status === 'fail' && check.column !== null)
      Object.assign(check, await repeatedRows(engine, scan, check.column));
  }
  phase(engine, 'duplicate rows');
  if (schema.duplicates)
    checks.push(await duplicateCheck(engine, scan, columns, rows, schema, row));
  for (const check of checks) {
    if (check.status === 'fail' && check.failWhere && (check.failingRows ?? 0) > 0) {
      check.samples = await sampleRows(engine, data, types, check.failWhere);
    }
  }

  let drift: DriftSummary | null = null;
  const seen = new Map<string, SeenValues>();
  if (schema.drift && referenceSource) {
    phase(
      engine,
      'reading the reference',
      diskBytes(referenceFiles ?? []),
      (referenceFiles ?? []).some((f) => f.compression !== undefined),
    );
    const refScan = await materialize(
      engine,
      '__sluice_reference',
      scanSql(referenceSource, { types: reference?.types ?? {} }),
      referenceSource,
    );
    await notEmpty(engine, refScan, referenceSource);
    phase(engine, 'drift');
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
      translateEngineError(error, referenceSource);
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
    bytes,
  };
}

/**
 * A source's columns with the schema's declared types forced (CSV), and those types; a CSV
 * read as one column whose name holds a delimiter is diagnosed (ragged rows, wrong delimiter).
 */
async function describeTyped(
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
 * Reads a text source once into the engine's scratch space: with drift, CSV and JSON are
 * parsed once, not once per pass (checks, then drift reads columns again: value counts,
 * sorted streams), and the later passes read only the columns they need. Returns the name
 * for FROM, which drift's sorted streams read from connections of their own.
 */
async function materialize(
  engine: SqlEngine,
  name: string,
  scan: string,
  source: DataSource,
): Promise<string> {
  // Parquet is columnar already: each pass reads only its columns, so a copy would cost more.
  if (source.format === 'parquet') return scan;
  // Row order in the copy does not matter (samples and their lines come from the files); the
  // engine runs with preserve_insertion_order=false, so the parallel CSV reader is not serialised.
  try {
    await engine.keep(name, `SELECT * FROM ${scan}`);
  } catch (error) {
    translateEngineError(error, source);
  }
  return name;
}

/**
 * Each exact count(DISTINCT) holds a hash table of its own, ~2.5 MB even for a few rows: 150
 * of them in one query outran DuckDB's 384 MB. Past DISTINCT_PER_SCAN they go to further
 * scans (a wide table, on small data where every column is counted exactly).
 */
const DISTINCT_PER_SCAN = 64;

function distinctBatches(aggregates: Record<string, string>): Record<string, string>[] {
  const main: Record<string, string> = {};
  const extra: Record<string, string>[] = [];
  let distinct = 0;
  for (const [alias, sql] of Object.entries(aggregates)) {
    if (!sql.startsWith('count(DISTINCT ') || distinct++ < DISTINCT_PER_SCAN) {
      main[alias] = sql;
      continue;
    }
    const last = extra[extra.length - 1];
    if (last && Object.keys(last).length < DISTINCT_PER_SCAN) last[alias] = sql;
    else extra.push({ [alias]: sql });
  }
  return [main, ...extra];
}

/**
 * A CSV without a header (`csv: { header: false }`): the schema's columns name the file's, in
 * order, as far as the file has columns (a schema column beyond them is missing, and says so).
 */
async function withSchemaNames(
  engine: SqlEngine,
  source: DataSource,
  schema: DataSchema,
): Promise<DataSource> {
  if (source.format !== 'csv' || source.header || schema.columns.length === 0) return source;
  const sniffed = await describeSource(engine, source);
  return { ...source, names: schema.columns.slice(0, sniffed.length).map((c) => c.name) };
}

/** A name in `drift.columns` the data does not have is a typo until shown otherwise. */
function namedDriftColumnsExist(
  config: DriftConfig,
  columns: readonly DataColumn[],
  data: DataSource,
): void {
  if (config.columns === 'all') return;
  const present = new Set(columns.map((c) => c.name));
  const index = config.columns.findIndex((name) => !present.has(name));
  if (index < 0) return;
  throw new UsageError(
    `\`drift.columns\` names \`${config.columns[index]}\`, which ${data.label} does not have`,
    {
      place: config.columnPlaces?.[index] ?? config.place,
      hint: `its columns: ${listed(columns.map((c) => c.name))}`,
    },
  );
}

/** A reference with none of the data's columns is empty, was read wrongly, or is the wrong file. */
async function sharesColumns(
  engine: SqlEngine,
  reference: { columns: readonly DataColumn[]; types: Record<string, string> },
  columns: readonly DataColumn[],
  source: DataSource,
  data: DataSource,
): Promise<void> {
  const names = new Set(columns.map((c) => c.name));
  if (reference.columns.some((c) => names.has(c.name))) return;
  await notEmpty(engine, scanSql(source, { types: reference.types }), source);
  throw new UsageError(`the reference has none of the columns of ${data.label}`, {
    place: { file: source.label },
    hint: `the reference's columns: ${listed(reference.columns.map((c) => c.name))}; the data's: ${listed([...names])}`,
  });
}

async function notEmpty(engine: SqlEngine, scan: string, source: DataSource): Promise<void> {
  let rows: SqlRow[];
  try {
    rows = await engine.query(`SELECT count(*) AS n FROM ${scan}`);
  } catch (error) {
    translateEngineError(error, source);
  }
  if (toNumber(rows[0]?.['n']) === 0)
    throw new UsageError('the reference is empty (no rows)', { place: { file: source.label } });
}

function listed(names: readonly string[]): string {
  const shown = names.slice(0, 12).map((n) => `\`${n}\``);
  return names.length > 12 ? `${shown.join(', ')} and ${names.length - 12} more` : shown.join(', ');
}

/** Names the pass for progress lines, when the engine prints them (withProgress). */
function phase(engine: SqlEngine, name: string, bytes?: number, compressed = false): void {
  const tracked = engine as Partial<ProgressEngine>;
  if (typeof tracked.phase === 'function') tracked.phase(name, bytes, compressed);
}
