import type { SqlEngine, SqlRow, SqlValue } from '../../core/data/engine.js';

/**
 * DuckDB in-process behind the core's SqlEngine port. The module is imported lazily so
 * that commands which never touch data never load the native binding.
 */
export async function createDuckDbEngine(
  options: { threads?: number; memoryLimit?: string } = {},
): Promise<SqlEngine> {
  const duckdb = await (await import('./load-module.js')).loadDuckDb();
  const config: Record<string, string> = {};
  if (options.threads !== undefined) config['threads'] = String(options.threads);
  if (options.memoryLimit !== undefined) config['memory_limit'] = options.memoryLimit;
  const instance = await duckdb.DuckDBInstance.create(':memory:', config);
  const connection = await instance.connect();
  return {
    async query(sql: string): Promise<SqlRow[]> {
      const reader = await connection.runAndReadAll(sql);
      return reader.getRowObjects().map((row) => {
        const out: SqlRow = {};
        for (const [key, value] of Object.entries(row)) out[key] = toSqlValue(value);
        return out;
      });
    },
    async close(): Promise<void> {
      connection.closeSync();
      instance.closeSync();
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
