import type { SqlEngine, SqlRow } from '../engine.js';
import type { DataColumn } from '../checks.js';
import type { DriftConfig, DriftMethod } from '../schema.js';
import { isNumericFamily, isTimeFamily } from '../sql.js';
import { DEFAULT_THRESHOLD, driftOne } from './column.js';
import { CURRENT_PREFIX, readSides, sideStats } from './sides.js';
import type { Side } from './sides.js';
import type { SeenValues } from './seen.js';

/** Receives what drift read of a current column, for the profile (seen.ts). */
export type SeenReport = (column: string, seen: SeenValues) => void;

export interface DriftColumnResult {
  column: string;
  /** null for a column left out before any method was chosen (`auto`, not in both datasets, …). */
  method: DriftMethod | null;
  statistic: number | null;
  pValue: number | null;
  threshold: number;
  drifted: boolean;
  /** Effect size behind a p-value test (KS: D; chi-square: total variation distance; z: |p1 − p2|). */
  effect: number | null;
  note?: string;
  /** Values the current data has and the reference never had (categories only). */
  unseen?: { values: number; rows: number; share: number; examples: string[] };
}

export interface DriftSummary {
  columns: DriftColumnResult[];
  driftedShare: number;
  datasetDrift: boolean;
}

/** Dataset drift: at least this share of the measured columns drifted (Evidently's default). */
export const DATASET_DRIFT_SHARE = 0.5;
/**
 * A p-value test flags drift only when the effect is at least this large too (KS: D ≥ 0.05;
 * chi-square: total variation distance ≥ 0.05), so a huge current sample does not flag a
 * shift nobody would act on.
 */
export const DEFAULT_MIN_EFFECT = 0.05;
export function isPValueMethod(method: DriftMethod): boolean {
  return method === 'ks' || method === 'chisquare' || method === 'z';
}

/**
 * Why a wanted column is not measured, or undefined when it is. Dates and timestamps are
 * measured only when named: under `columns: all` they would flag drift on every run, since
 * new data is newer by nature (Evidently leaves them out of drift too).
 */
function skipReason(
  column: DataColumn | undefined,
  inReference: DataColumn | undefined,
  config: DriftConfig,
): string | undefined {
  if (!column || !inReference) return 'not in both datasets';
  if (column.family === 'other' || inReference.family === 'other')
    return `unsupported type ${column.family === 'other' ? column.type : inReference.type}`;
  // Comparing `yes`/`no` text with booleans, or codes with numbers, would measure the spelling.
  if (kindOf(column.family) !== kindOf(inReference.family))
    return `types differ: ${column.type} here, ${inReference.type} in the reference`;
  if (config.columns === 'all' && isTimeFamily(column.family))
    return 'a time column: name it in drift.columns to measure it (in seconds)';
  // Like times, keys are new in new data by nature: measured, they would drift on every run.
  if (config.columns === 'all' && config.keys?.includes(column.name))
    return 'a unique key: name it in drift.columns to measure it';
  return undefined;
}

/** What values of a type family can be compared with: numbers with numbers, times with times. */
function kindOf(family: DataColumn['family']): string {
  if (isNumericFamily(family)) return 'number';
  if (isTimeFamily(family)) return 'time';
  return family;
}

function wantedNames(columns: readonly DataColumn[], config: DriftConfig): readonly string[] {
  return config.columns === 'all' ? columns.map((c) => c.name) : config.columns;
}

/** The columns drift measures: wanted, in both datasets, of a supported type. */
export function driftColumns(
  columns: { current: readonly DataColumn[]; reference: readonly DataColumn[] },
  config: DriftConfig,
): DataColumn[] {
  const reference = new Map(columns.reference.map((c) => [c.name, c]));
  const wanted = new Set(wantedNames(columns.current, config));
  return columns.current.filter(
    (c) => wanted.has(c.name) && skipReason(c, reference.get(c.name), config) === undefined,
  );
}

/**
 * The numeric columns whose current values drift reads in full, as a sorted stream (KS,
 * Wasserstein) or as counts per value (chi-square; `auto` on five values or fewer), and so
 * reports to the profile. Not PSI and Jensen–Shannon: they bin numbers into a histogram.
 */
export function readsInFull(columns: readonly DataColumn[], config: DriftConfig): Set<string> {
  if (config.method === 'psi' || config.method === 'jensenshannon') return new Set();
  return new Set(columns.filter((c) => isNumericFamily(c.family)).map((c) => c.name));
}

/** Drift of each chosen column between reference and current data; statistics from DuckDB counts. */
export async function runDrift(
  engine: SqlEngine,
  scans: { reference: string; current: string },
  columns: { current: readonly DataColumn[]; reference: readonly DataColumn[] },
  config: DriftConfig,
  minEffect = DEFAULT_MIN_EFFECT,
  /** The checks' scan row holding sideAggregates(driftColumns(…), 'dc_') for the current side. */
  currentRow?: SqlRow,
  report: SeenReport = () => undefined,
): Promise<DriftSummary> {
  const refByName = new Map(columns.reference.map((c) => [c.name, c]));
  const curByName = new Map(columns.current.map((c) => [c.name, c]));
  const chosen = driftColumns(columns, config);
  const results: DriftColumnResult[] = [];
  for (const name of wantedNames(columns.current, config)) {
    const note = skipReason(curByName.get(name), refByName.get(name), config);
    if (note !== undefined) {
      const method = config.method === 'auto' ? null : config.method;
      results.push({
        column: name,
        method,
        statistic: null,
        pValue: null,
        threshold: config.threshold ?? (method ? DEFAULT_THRESHOLD[method] : 0),
        drifted: false,
        effect: null,
        note,
      });
    }
  }
  if (chosen.length > 0) {
    const refStats = await sideStats(
      engine,
      scans.reference,
      chosen.map((c) => refByName.get(c.name) as DataColumn),
    );
    const curStats = currentRow
      ? await readSides(engine, scans.current, chosen, currentRow, CURRENT_PREFIX)
      : await sideStats(engine, scans.current, chosen);
    for (let i = 0; i < chosen.length; i++) {
      const column = chosen[i] as DataColumn;
      const ref = refStats[i] as Side;
      const cur = curStats[i] as Side;
      const refType = refByName.get(column.name) as DataColumn;
      const numeric =
        (isNumericFamily(column.family) && isNumericFamily(refType.family)) ||
        (isTimeFamily(column.family) && isTimeFamily(refType.family));
      results.push(
        await driftOne(
          { engine, scans, column, refColumn: refType, numeric, ref, cur, report },
          config,
          minEffect,
        ),
      );
    }
  }
  // Measured columns, and those drifted past measuring (a side without values).
  const measured = results.filter((r) => r.statistic !== null || r.drifted);
  const driftedCount = measured.filter((r) => r.drifted).length;
  const driftedShare = measured.length === 0 ? 0 : driftedCount / measured.length;
  return {
    columns: results,
    driftedShare,
    datasetDrift: measured.length > 0 && driftedShare >= DATASET_DRIFT_SHARE,
  };
}

export type { SqlRow };
