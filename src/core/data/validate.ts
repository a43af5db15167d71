import type { SqlEngine, SqlRow } from './engine.js';
import { translateEngineError } from './engine-errors.js';
import { scanCulprit } from './culprit.js';
import { duplicateAggregates, duplicateCheck, repeatedRows } from './repeats.js';
import { sampleRows } from './samples.js';
import { toNumber } from './checks.js';
import { planChecks } from './plan-checks.js';
import { vetChecks } from './check-sql.js';
import type { CheckResult, DataColumn, PlannedCheck } from './checks.js';
import { dataFiles, diskBytes, exactProfileFits, refuseDeepJson } from './data-files.js';
import type { DataFile } from './data-files.js';
import { describeTyped, withSchemaNames } from './describe.js';
import { estimateQuantiles, profileAggregates, readProfiles, withSeenValues } from './profile.js';
import type { ColumnProfile } from './profile.js';
import { namedDriftColumnsExist, notEmpty, sharesColumns } from './reference-guards.js';
import type { DataSchema, DriftConfig } from './schema.js';
import { scanSql } from './source.js';
import type { DataSource } from './source.js';
import type { ProgressEngine } from './progress.js';
import { quoteIdent } from './sql.js';
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
  const sources = await prepare(engine, schema, options.data, options.reference);
  const { data, files, columns, types, reference } = sources;
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

  const plan = planChecks(schema, columns, options.now.getTime() / 1000, sources.expressions);
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
  const row = await scanOnce(engine, scan, aggregates, chosen, plan.planned, data);
  const scanMs = clockMs() - started;
  const rows = toNumber(row['__rows']);
  if (rows === 0)
    throw new UsageError('the dataset is empty (no rows)', { place: { file: data.label } });

  const checks = await checkResults(engine, schema, sources, scan, plan.static, plan.planned, row);
  const seen = new Map<string, SeenValues>();
  const drift =
    schema.drift && reference
      ? await driftAgainst(engine, schema.drift, reference, { scan, columns }, row, seen)
      : null;
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

/** The reference side of a run with drift: its source, files and columns as typed. */
interface ReferenceSide {
  source: DataSource;
  files: DataFile[];
  columns: DataColumn[];
  types: Record<string, string>;
}

/** The data (and the reference) vetted and described before anything reads their rows. */
interface PreparedSources {
  data: DataSource;
  files: DataFile[];
  columns: DataColumn[];
  types: Record<string, string>;
  /** Only with `drift:`: without it the reference is not read. */
  reference: ReferenceSide | undefined;
  /** The schema's `sql:` checks as DuckDB rendered them. */
  expressions: string[];
}

async function prepare(
  engine: SqlEngine,
  schema: DataSchema,
  dataSource: DataSource,
  referenceSource: DataSource | undefined,
): Promise<PreparedSources> {
  // Before anything a schema wrote runs, DuckDB may read these files and nothing else.
  await engine.confine([...dataSource.paths, ...(referenceSource?.paths ?? [])]);
  // Every file is a regular one before DuckDB opens any (a FIFO would block it for ever).
  const files = await dataFiles(engine, dataSource);
  const referenceFiles = referenceSource ? await dataFiles(engine, referenceSource) : undefined;
  await refuseDeepJson(files, dataSource);
  if (referenceSource && referenceFiles) await refuseDeepJson(referenceFiles, referenceSource);
  const expressions = await vetChecks(engine, schema.checks);
  const data = await withSchemaNames(engine, dataSource, schema);
  const reference = referenceSource
    ? await withSchemaNames(engine, referenceSource, schema)
    : undefined;
  const { columns, types } = await describeTyped(engine, data, schema);
  if (schema.drift) namedDriftColumnsExist(schema.drift, columns, data);
  // The reference's columns are known before the checks' scan, so that scan also gathers the
  // current side's drift statistics (one pass less).
  const described =
    schema.drift && reference ? await describeTyped(engine, reference, schema) : undefined;
  if (described && reference) await sharesColumns(engine, described, columns, reference, data);
  return {
    data,
    files,
    columns,
    types,
    expressions,
    reference:
      described && reference
        ? { source: reference, files: referenceFiles ?? [], ...described }
        : undefined,
  };
}

/** The one scan of the data: every check's, the profile's and drift's aggregates in one row. */
async function scanOnce(
  engine: SqlEngine,
  scan: string,
  aggregates: Record<string, string>,
  chosen: Parameters<typeof sideAggregates>[0],
  planned: PlannedCheck[],
  data: DataSource,
): Promise<SqlRow> {
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
    const culprit = await scanCulprit(engine, scan, planned, error);
    if (culprit) throw culprit;
    translateEngineError(error, data);
  }
  return row;
}

/** Every check's result from the scan's row, with repeated values, duplicates and samples. */
async function checkResults(
  engine: SqlEngine,
  schema: DataSchema,
  sources: PreparedSources,
  scan: string,
  decided: CheckResult[],
  planned: PlannedCheck[],
  row: SqlRow,
): Promise<CheckResult[]> {
  const { columns, data, types } = sources;
  const checks: CheckResult[] = [...decided, ...planned.map((p) => p.evaluate(row))];
  for (const check of checks) {
    if (check.name === 'unique' && check.status === 'fail' && check.column !== null)
      Object.assign(check, await repeatedRows(engine, scan, check.column));
  }
  phase(engine, 'duplicate rows');
  if (schema.duplicates)
    checks.push(await duplicateCheck(engine, scan, columns, toNumber(row['__rows']), schema, row));
  for (const check of checks) {
    if (check.status === 'fail' && check.failWhere && (check.failingRows ?? 0) > 0) {
      check.samples = await sampleRows(engine, data, types, check.failWhere);
    }
  }
  return checks;
}

/** Reads the reference and compares the current data's columns with it. */
async function driftAgainst(
  engine: SqlEngine,
  config: DriftConfig,
  reference: ReferenceSide,
  current: { scan: string; columns: DataColumn[] },
  row: SqlRow,
  seen: Map<string, SeenValues>,
): Promise<DriftSummary | null> {
  phase(
    engine,
    'reading the reference',
    diskBytes(reference.files),
    reference.files.some((f) => f.compression !== undefined),
  );
  const refScan = await materialize(
    engine,
    '__sluice_reference',
    scanSql(reference.source, { types: reference.types }),
    reference.source,
  );
  await notEmpty(engine, refScan, reference.source);
  phase(engine, 'drift');
  try {
    return await runDrift(
      engine,
      { reference: refScan, current: current.scan },
      { current: current.columns, reference: reference.columns },
      config,
      config.minEffect,
      row,
      (column, values) => seen.set(column, values),
    );
  } catch (error) {
    translateEngineError(error, reference.source);
  }
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

/** Names the pass for progress lines, when the engine prints them (withProgress). */
function phase(engine: SqlEngine, name: string, bytes?: number, compressed = false): void {
  const tracked = engine as Partial<ProgressEngine>;
  if (typeof tracked.phase === 'function') tracked.phase(name, bytes, compressed);
}
