import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InfraError } from '../../core/errors.js';
import type { NumberChunk, SqlEngine, SqlRow, SqlValue } from '../../core/data/engine.js';
import type { DuckDbChunk, DuckDbConnection, DuckDbInstance } from './load-module.js';
import type { LoadDuckDbOptions } from './load-module.js';
import { removeScratchFolder, trackScratchFolder } from '../scratch/scratch-folders.js';

/**
 * DuckDB's buffer pool. Sorts and hash tables also allocate beside it, and Node and the binding
 * add ~150 MB: with 512 MB, drift over 2 × 10 M CSV rows peaked at 930 MB; with 384 MB at
 * 690–720 MB and no slower, since the passes spill either way (bench/data/RESULTS.md).
 */
export const DEFAULT_MEMORY_LIMIT = '384MB';

/**
 * The folder DuckDB spills to, in the temporary folder. One this user cannot write in (a
 * container's read-only /tmp, a TMPDIR that does not exist) is the machine's setup, not a bug.
 */
async function scratchFolder(): Promise<string> {
  const temp = os.tmpdir();
  try {
    return await mkdtemp(path.join(temp, 'sluice-duckdb-'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'an error';
    throw new InfraError(
      `cannot make DuckDB's scratch folder in the temporary folder ${temp} (${code})`,
      {
        hint: 'validate-data and infer-schema spill data there: point TMPDIR at a folder this user can write (in a container, a writable /tmp or --tmpfs /tmp)',
        cause: error,
      },
    );
  }
}

/**
 * DuckDB in-process behind the core's SqlEngine port. The module is imported lazily so
 * that commands which never touch data never load the native binding.
 */
export async function createDuckDbEngine(
  options: { threads?: number; memoryLimit?: string } & LoadDuckDbOptions = {},
): Promise<SqlEngine> {
  const duckdb = await (
    await import('./load-module.js')
  ).loadDuckDb(undefined, { persist: options.persist, logger: options.logger });
  // An in-memory database that spills to a private temp folder: its tables are written
  // uncompressed (a CSV copies in about half the time a database file takes), are evicted to
  // disk under the memory limit, so a 10 GB CSV validates in bounded memory, and, unlike
  // TEMP tables, are visible to the extra connections that stream sorted columns.
  const folder = await scratchFolder();
  trackScratchFolder(folder);
  const config: Record<string, string> = {
    memory_limit: options.memoryLimit ?? DEFAULT_MEMORY_LIMIT,
    temp_directory: path.join(folder, 'spill'),
    // validate-data only aggregates (samples and streams say ORDER BY themselves): keeping
    // insertion order would serialise the parallel CSV reader for nothing.
    preserve_insertion_order: 'false',
  };
  if (options.threads !== undefined) config['threads'] = String(options.threads);
  const instance = await duckdb.DuckDBInstance.create(':memory:', config);
  const connection = await instance.connect();
  // Progress is tracked only when the progress bar is on; it must not print on its own.
  await connection.runAndReadAll('SET enable_progress_bar = true');
  await connection.runAndReadAll('SET enable_progress_bar_print = false');
  // Timestamps without an offset are UTC, and times show in UTC, whatever the machine's zone.
  // Without the ICU extension DuckDB knows no other zone, and the setting is refused.
  await connection.runAndReadAll("SET TimeZone = 'UTC'").catch(() => undefined);
  const streams = new Set<DuckDbConnection>();
  let confined = false;
  return {
    async query(sql: string): Promise<SqlRow[]> {
      const reader = await connection.runAndReadAll(sql);
      return reader.getRowObjects().map((row) => {
        const out: SqlRow = {};
        for (const [key, value] of Object.entries(row)) out[key] = toSqlValue(value);
        return out;
      });
    },
    progress(): number | undefined {
      const percentage = connection.progress?.percentage;
      return typeof percentage === 'number' && percentage >= 0 ? percentage : undefined;
    },
    streamNumbers(sql: string): AsyncIterable<NumberChunk> {
      return streamNumbers(instance, streams, sql);
    },
    async keep(name: string, select: string): Promise<void> {
      await keep(connection, folder, name, select);
    },
    async confine(readable: readonly string[]): Promise<void> {
      if (confined) throw new Error('the DuckDB engine is confined already');
      confined = true;
      await confine(connection, folder, readable);
    },
    async close(): Promise<void> {
      for (const open of streams) open.closeSync();
      connection.closeSync();
      instance.closeSync();
      await removeScratchFolder(folder);
    },
  };
}

const GLOB = /[*?[\]{}]/;

/**
 * Shuts DuckDB in with its data: it may read the given files, the folders the given globs
 * start from, and its private folder (kept Parquet files, spill), and write only there. No
 * other file, no extension, no ATTACH; and the configuration is locked, so no SQL can open
 * it again. Applies to every connection, streams included.
 */
async function confine(
  connection: DuckDbConnection,
  folder: string,
  readable: readonly string[],
): Promise<void> {
  const directories = [`${folder}${path.sep}`];
  const files: string[] = [];
  for (const entry of readable) {
    const at = entry.search(GLOB);
    if (at < 0) files.push(entry);
    else directories.push(entry.slice(0, entry.lastIndexOf(path.sep, at) + 1) || path.sep);
  }
  const list = (items: string[]): string => `[${items.map(quoteText).join(', ')}]`;
  await connection.runAndReadAll(`SET allowed_directories = ${list(directories)}`);
  if (files.length > 0) await connection.runAndReadAll(`SET allowed_paths = ${list(files)}`);
  await connection.runAndReadAll('SET enable_external_access = false');
  await connection.runAndReadAll('SET lock_configuration = true');
}

/**
 * Types a Parquet file does not give back as they went in: HUGEINT comes back as DOUBLE
 * (digits lost), BIT as text, TIME WITH TIME ZONE shifted to UTC. Rows holding any of them
 * stay in a table.
 */
const NOT_KEPT_BY_PARQUET = /HUGEINT|\bBIT\b|TIME WITH TIME ZONE|UNION|VARINT|BIGNUM|ENUM/;

/**
 * Kept rows go to a Parquet file in the engine's private folder, behind a view. A table of
 * this in-memory database would be written uncompressed and, past the memory limit, spilled
 * and read back block by block: for two 10 M-row CSV files, every later pass read ~1 GB per
 * side that way, and the drift run took 34 s instead of 27–28 s (bench/data/RESULTS.md).
 */
async function keep(
  connection: DuckDbConnection,
  folder: string,
  name: string,
  select: string,
): Promise<void> {
  const described = await connection.runAndReadAll(`DESCRIBE ${select}`);
  const types = described.getRowObjects().map((row) => String(row['column_type']));
  const view = quoteName(name);
  if (types.some((type) => NOT_KEPT_BY_PARQUET.test(type))) {
    await connection.runAndReadAll(`CREATE OR REPLACE TABLE ${view} AS ${select}`);
    return;
  }
  const file = quoteText(path.join(folder, `${name}.parquet`));
  await connection.runAndReadAll(`COPY (${select}) TO ${file} (FORMAT parquet)`);
  await connection.runAndReadAll(
    `CREATE OR REPLACE VIEW ${view} AS SELECT * FROM read_parquet(${file})`,
  );
}

function quoteName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteText(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** Each stream gets its own connection, so two sorted sides can be read in step. */
async function* streamNumbers(
  instance: DuckDbInstance,
  streams: Set<DuckDbConnection>,
  sql: string,
): AsyncGenerator<NumberChunk> {
  const connection = await instance.connect();
  streams.add(connection);
  try {
    const result = await connection.stream(sql);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) return;
      const values = doubles(chunk, 0);
      yield chunk.columnCount > 1 ? { values, counts: doubles(chunk, 1) } : { values };
    }
  } finally {
    streams.delete(connection);
    connection.closeSync();
  }
}

/**
 * A DOUBLE column of a chunk. The client keeps a flat Float64Array behind each DOUBLE vector
 * (private in its types, stable in the pinned version): reading it whole is ~20× faster than
 * one getItem call per row; any other shape falls back to getItem.
 */
function doubles(chunk: DuckDbChunk, column: number): Float64Array {
  const vector = chunk.getColumnVector(column);
  const items = (vector as unknown as { items?: unknown }).items;
  if (items instanceof Float64Array && items.length >= chunk.rowCount)
    return items.subarray(0, chunk.rowCount);
  const out = new Float64Array(chunk.rowCount);
  for (let i = 0; i < chunk.rowCount; i++) {
    const value = vector.getItem(i);
    out[i] = value === null ? Number.NaN : Number(value);
  }
  return out;
}

function toSqlValue(value: unknown): SqlValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean')
    return value;
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (
    typeof value === 'object' &&
    value !== null &&
    'items' in value &&
    Array.isArray((value as { items: unknown }).items)
  ) {
    return (value as { items: unknown[] }).items.map(toSqlValue);
  }
  // Dates, timestamps, decimals, intervals: their text form is what users read.
  return String(value);
}
