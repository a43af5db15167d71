/**
 * The one thing validate-data needs from a SQL engine. The DuckDB client implements it
 * (src/clients/duckdb); the core never imports DuckDB, so other commands never load it.
 */

/** A cell as the engine hands it over: integers that fit become numbers, others strings. */
export type SqlValue = string | number | boolean | null | SqlValue[];
export type SqlRow = Record<string, SqlValue>;

export interface SqlEngine {
  query(sql: string): Promise<SqlRow[]>;
  close(): Promise<void>;
  /** How far the running query is, 0–100, when the engine can tell (for progress lines). */
  progress?(): number | undefined;
}

/** Builds the engine on first use (a dynamic import in production, a fake or a real one in tests). */
export type SqlEngineFactory = () => Promise<SqlEngine>;
