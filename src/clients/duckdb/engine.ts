import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SqlEngine, SqlRow, SqlValue } from '../../core/data/engine.js';

/** DuckDB's own buffers; the process adds ~150 MB (Node, the binding, results) on top. */
export const DEFAULT_MEMORY_LIMIT = '512MB';

/**
 * DuckDB in-process behind the core's SqlEngine port. The module is imported lazily so
 * that commands which never touch data never load the native binding.
 */
export async function createDuckDbEngine(
  options: { threads?: number; memoryLimit?: string } = {},
): Promise<SqlEngine> {
  const duckdb = await (await import('./load-module.js')).loadDuckDb();
  // A database file in a private temp folder, not :memory:: tables written there are
  // compressed and evicted to disk under the memory limit, so a 10 GB CSV validates in
  // bounded memory (peak RSS is the goal, not only speed).
  const folder = await mkdtemp(path.join(os.tmpdir(), 'sluice-duckdb-'));
  const config: Record<string, string> = {
    memory_limit: options.memoryLimit ?? DEFAULT_MEMORY_LIMIT,
    temp_directory: path.join(folder, 'spill'),
  };
  if (options.threads !== undefined) config['threads'] = String(options.threads);
  const instance = await duckdb.DuckDBInstance.create(path.join(folder, 'work.duckdb'), config);
  const connection = await instance.connect();
  // Progress is tracked only when the progress bar is on; it must not print on its own.
  await connection.runAndReadAll('SET enable_progress_bar = true');
  await connection.runAndReadAll('SET enable_progress_bar_print = false');
  // validate-data only aggregates (samples order by their row number themselves): keeping
  // insertion order would serialise the parallel CSV reader for nothing.
  await connection.runAndReadAll('SET preserve_insertion_order = false');
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
    async close(): Promise<void> {
      connection.closeSync();
      instance.closeSync();
      await rm(folder, { recursive: true, force: true });
    },
  };
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
