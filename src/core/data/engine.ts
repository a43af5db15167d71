/**
 * The one thing validate-data needs from a SQL engine. The DuckDB client implements it
 * (src/clients/duckdb); the core never imports DuckDB, so other commands never load it.
 */

/** A cell as the engine hands it over: integers that fit become numbers, others strings. */
export type SqlValue = string | number | boolean | null | SqlValue[];
export type SqlRow = Record<string, SqlValue>;

/**
 * One chunk of a numeric stream: the query's first column as doubles and, when the query has
 * a second column, how many rows each value stands for.
 */
export interface NumberChunk {
  values: Float64Array;
  counts?: Float64Array;
}

export interface SqlEngine {
  query(sql: string): Promise<SqlRow[]>;
  /**
   * Streams a query of one DOUBLE column (and optionally a DOUBLE count column) chunk by chunk,
   * so a sorted column of any length passes through bounded memory. Several streams may be
   * open at once (drift merges two sorted sides).
   */
  streamNumbers(sql: string): AsyncIterable<NumberChunk>;
  /**
   * Stores a query's rows under `name` in the engine's scratch space, for passes that read
   * them again (text data parsed once, then read column by column). Every connection, streams
   * included, sees it; `close` removes it.
   */
  keep(name: string, select: string): Promise<void>;
  /**
   * Shuts the engine in with its data before any SQL a schema wrote runs: from then on it
   * reads no file but these (paths, or globs whose folder it may read) and writes none but
   * its own scratch space, and no setting can change again. A second call is refused.
   */
  confine(readable: readonly string[]): Promise<void>;
  close(): Promise<void>;
  /** How far the running query is, 0–100, when the engine can tell (for progress lines). */
  progress?(): number | undefined;
}

/** Builds the engine on first use (a dynamic import in production, a fake or a real one in tests). */
export type SqlEngineFactory = () => Promise<SqlEngine>;
