import type { Place } from '../errors.js';
import type { SqlRow, SqlValue } from './engine.js';
import type { TypeFamily } from './sql.js';

type CheckStatus = 'pass' | 'fail' | 'warn';

export interface SampleRow {
  /** Line in the file (CSV: header counted; JSON lines), when the format has lines. */
  line: number | null;
  /** 1-based row number inside the file. */
  row: number | null;
  file: string | null;
  values: Record<string, SqlValue>;
}

export interface CheckResult {
  /** What kind of check: not_null, range, allowed, pattern, unique, …; or the schema's name for a SQL check. */
  name: string;
  column: string | null;
  status: CheckStatus;
  observed: string;
  expected: string;
  /** Rows that fail the check; null for checks that are not about rows (type, row count, …). */
  failingRows: number | null;
  samples: SampleRow[];
  /** The schema line this check comes from (annotations). */
  place?: Place;
  /** SQL condition true for the failing rows; used to sample them. */
  failWhere?: string;
}

export interface DataColumn {
  name: string;
  type: string;
  family: TypeFamily;
}

/**
 * One check compiled to SQL: its aggregates go into the single scan of the data, and
 * `evaluate` reads them back. Checks that need their own query (duplicates) have none.
 */
export interface PlannedCheck {
  aggregates: Record<string, string>;
  evaluate(row: SqlRow): CheckResult;
  /**
   * Where the schema wrote the SQL or the values this check compiles (a SQL check, a pattern,
   * a bound): when the scan fails, the culprit is named by this place, not blamed on the data.
   */
  written?: Written[];
}

/** One piece of a check the schema wrote; `aggregates` narrows it to the SQL that piece made. */
export interface Written {
  place: Place;
  what: string;
  hint?: string;
  aggregates?: Record<string, string>;
}

export function toNumber(value: SqlValue | undefined): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return Number.NaN;
}

export function formatFraction(value: number): string {
  // Trailing zeros go only after a decimal point: 100 stays 100.
  return `${(value * 100)
    .toPrecision(3)
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '')}%`;
}
