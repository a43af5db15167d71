import type { SqlEngine, SqlRow } from './engine.js';
import type { SeenValues } from './drift/seen.js';
import type { DataColumn } from './checks.js';
import { toNumber } from './checks.js';
import { isNumericFamily, quoteIdent } from './sql.js';

export interface ColumnProfile {
  column: string;
  type: string;
  count: number;
  nulls: number;
  /** Exact on small data and for `unique` columns; else DuckDB's HyperLogLog estimate. */
  distinct: number;
  /** False when `distinct` is the estimate (off by up to ~30 % in DuckDB's HyperLogLog). */
  distinctExact: boolean;
  min: string | null;
  max: string | null;
  mean: number | null;
  /**
   * Quantiles at 5, 25, 50, 75, 95 %: exact on small files and for the columns drift read in
   * full (of their finite values), else t-digest estimates.
   */
  quantiles: { p05: number; p25: number; p50: number; p75: number; p95: number } | null;
  /** False when the quantiles are estimates (which also vary slightly from run to run). */
  quantilesExact: boolean;
}

export const PROFILE_QUANTILES = [0.05, 0.25, 0.5, 0.75, 0.95] as const;

/**
 * Data files up to this size get exact distinct counts and quantiles for every column, in the
 * same scan: about 650,000 rows of a dozen columns, 2 s and 400 MB here (twice the time of the
 * estimates). DuckDB's HyperLogLog was seen 30 % off (70,528 for 100,000 distinct strings),
 * which a profile next to a `unique` check that passed must not show, and its t-digest
 * quantiles change slightly from run to run. Parquet packs more rows per byte.
 */
export function exactProfileUpTo(format: 'csv' | 'parquet' | 'json'): number {
  return format === 'parquet' ? 16e6 : 64e6;
}

/**
 * The profile aggregates of every column, for the same scan as the checks. `exact` names the
 * columns counted exactly: all of them on small data, else those whose exact count the scan
 * computes anyway (`unique` checks; DuckDB computes an aggregate written twice once).
 * `later` names the columns whose quantiles drift will give (withSeenValues).
 */
export function profileAggregates(
  columns: readonly DataColumn[],
  exact: ReadonlySet<string> = new Set(),
  exactQuantiles = false,
  later: ReadonlySet<string> = new Set(),
): Record<string, string> {
  const out: Record<string, string> = {};
  columns.forEach((column, i) => {
    const q = quoteIdent(column.name);
    out[`p${i}_nn`] = `count(${q})`;
    out[`p${i}_distinct`] = exact.has(column.name)
      ? `count(DISTINCT ${q})`
      : `approx_count_distinct(${q})`;
    if (column.family === 'other') {
      out[`p${i}_min`] = 'NULL';
      out[`p${i}_max`] = 'NULL';
    } else {
      out[`p${i}_min`] = `CAST(min(${q}) AS VARCHAR)`;
      out[`p${i}_max`] = `CAST(max(${q}) AS VARCHAR)`;
    }
    if (isNumericFamily(column.family)) {
      out[`p${i}_mean`] = `avg(CAST(${q} AS DOUBLE))`;
      if (later.has(column.name)) return;
      const quantile = exactQuantiles ? 'quantile_cont' : 'approx_quantile';
      out[`p${i}_q`] = `${quantile}(CAST(${q} AS DOUBLE), [${PROFILE_QUANTILES.join(', ')}])`;
    }
  });
  return out;
}

export function readProfiles(
  columns: readonly DataColumn[],
  row: SqlRow,
  exact: ReadonlySet<string> = new Set(),
  exactQuantiles = false,
): ColumnProfile[] {
  const total = toNumber(row['__rows']);
  return columns.map((column, i) => {
    const nn = toNumber(row[`p${i}_nn`]);
    const q = row[`p${i}_q`];
    const mean = row[`p${i}_mean`];
    const quantiles =
      Array.isArray(q) && q.every((v) => v !== null)
        ? {
            p05: toNumber(q[0]),
            p25: toNumber(q[1]),
            p50: toNumber(q[2]),
            p75: toNumber(q[3]),
            p95: toNumber(q[4]),
          }
        : null;
    const min = row[`p${i}_min`];
    const max = row[`p${i}_max`];
    return {
      column: column.name,
      type: column.type,
      count: nn,
      nulls: total - nn,
      // HyperLogLog can overshoot the count itself.
      distinct: Math.min(toNumber(row[`p${i}_distinct`]), nn),
      distinctExact: exact.has(column.name),
      min: min === null || min === undefined ? null : String(min),
      max: max === null || max === undefined ? null : String(max),
      mean: mean === null || mean === undefined ? null : toNumber(mean),
      quantiles,
      quantilesExact: exactQuantiles,
    };
  });
}

/** Integers beyond 2^53 can share a DOUBLE, and so can long decimals: distinct counts over DOUBLEs hold only below. */
const EXACT_DOUBLE_INTEGER = 2 ** 53;

function distinctSurvivesDouble(profile: ColumnProfile): boolean {
  const type = profile.type.toUpperCase();
  if (/^(FLOAT|DOUBLE|REAL)$/.test(type)) return true;
  if (type.startsWith('DECIMAL')) return false;
  return [profile.min, profile.max].every(
    (v) => v !== null && Math.abs(Number(v)) <= EXACT_DOUBLE_INTEGER,
  );
}

/**
 * Puts what drift read of the current data in place of the scan's estimates: its quantiles,
 * and its distinct count when drift saw every non-null value (no NaN or ±inf left out).
 * `viaDouble` names the columns drift read as DOUBLEs (sorted streams), not as text categories.
 */
export function withSeenValues(
  profiles: readonly ColumnProfile[],
  seen: ReadonlyMap<string, SeenValues>,
): ColumnProfile[] {
  return profiles.map((profile) => {
    const values = seen.get(profile.column);
    if (!values) return profile;
    const out = { ...profile };
    if (values.quantiles) {
      const [p05, p25, p50, p75, p95] = values.quantiles as [
        number,
        number,
        number,
        number,
        number,
      ];
      out.quantiles = { p05, p25, p50, p75, p95 };
      out.quantilesExact = true;
    }
    if (values.count === profile.count && (!values.viaDouble || distinctSurvivesDouble(profile))) {
      out.distinct = values.distinct;
      out.distinctExact = true;
    }
    return out;
  });
}

/** t-digest quantiles, in a pass of their own, for columns drift was to give but did not. */
export async function estimateQuantiles(
  engine: SqlEngine,
  scan: string,
  profiles: readonly ColumnProfile[],
  columns: ReadonlySet<string>,
): Promise<ColumnProfile[]> {
  const missing = profiles.filter(
    (p) => columns.has(p.column) && p.quantiles === null && p.count > 0,
  );
  if (missing.length === 0) return [...profiles];
  const select = missing
    .map(
      (p, i) =>
        `approx_quantile(CAST(${quoteIdent(p.column)} AS DOUBLE), [${PROFILE_QUANTILES.join(', ')}]) AS q${i}`,
    )
    .join(', ');
  const [row] = await engine.query(`SELECT ${select} FROM ${scan}`);
  const found = new Map(missing.map((p, i) => [p.column, row?.[`q${i}`]]));
  return profiles.map((p) => {
    const q = found.get(p.column);
    if (!Array.isArray(q) || !q.every((v) => v !== null)) return p;
    const [p05, p25, p50, p75, p95] = q.map(toNumber) as [number, number, number, number, number];
    return { ...p, quantiles: { p05, p25, p50, p75, p95 }, quantilesExact: false };
  });
}
