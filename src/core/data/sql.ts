/** SQL text helpers: every identifier and literal that comes from a user goes through these. */

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A number as a SQL literal that DuckDB parses back to the same double. */
export function numberLiteral(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  // toString gives the shortest text that round-trips; force DOUBLE so 0.1 is not a DECIMAL.
  return Number.isInteger(value) && Math.abs(value) < 2 ** 53
    ? String(value)
    : `${String(value)}::DOUBLE`;
}

export function literalSql(value: string | number | boolean): string {
  if (typeof value === 'number') return numberLiteral(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  return quoteString(value);
}

/** DuckDB type families, as the checks and statistics see them. */
export type TypeFamily =
  'integer' | 'float' | 'string' | 'boolean' | 'date' | 'timestamp' | 'other';

export function typeFamily(duckdbType: string): TypeFamily {
  const t = duckdbType.toUpperCase();
  if (
    /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/.test(
      t,
    )
  )
    return 'integer';
  if (/^(FLOAT|DOUBLE|REAL)$/.test(t) || t.startsWith('DECIMAL')) return 'float';
  if (t === 'VARCHAR' || t.startsWith('ENUM')) return 'string';
  if (t === 'BOOLEAN') return 'boolean';
  if (t === 'DATE') return 'date';
  if (t.startsWith('TIMESTAMP')) return 'timestamp';
  return 'other';
}

export function isNumericFamily(family: TypeFamily): boolean {
  return family === 'integer' || family === 'float';
}

export function isTimeFamily(family: TypeFamily): boolean {
  return family === 'date' || family === 'timestamp';
}

/** A numeric or time column as DOUBLE: times as seconds since the epoch, so distances are in seconds. */
export function doubleSql(column: string, family: TypeFamily): string {
  const q = quoteIdent(column);
  return isTimeFamily(family) ? `epoch(${q})` : `CAST(${q} AS DOUBLE)`;
}

/**
 * Whether a value takes part in drift: not null and, for floats, finite. Evidently drops NaN and
 * ±inf before any test; DuckDB keeps NaN as a value, which would wreck min/max and the bins.
 */
export function measuredSql(column: string, family: TypeFamily): string {
  const q = quoteIdent(column);
  return family === 'float' ? `isfinite(CAST(${q} AS DOUBLE))` : `${q} IS NOT NULL`;
}

/** The DuckDB type a declared schema type reads as (forced on CSV columns). */
export const DUCKDB_TYPE: Record<string, string> = {
  integer: 'BIGINT',
  float: 'DOUBLE',
  string: 'VARCHAR',
  boolean: 'BOOLEAN',
  date: 'DATE',
  // With time zone: an offset in the data is kept (a plain TIMESTAMP drops it), and a value
  // without one is read as UTC (the engine's time zone).
  timestamp: 'TIMESTAMPTZ',
};

/** Whether data of this DuckDB type satisfies a declared type. */
export function typeSatisfies(declared: string, family: TypeFamily): boolean {
  if (declared === 'float') return family === 'float' || family === 'integer';
  return declared === family;
}
