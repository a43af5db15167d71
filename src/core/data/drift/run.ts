import type { SqlEngine, SqlRow } from '../engine.js';
import type { DataColumn } from '../checks.js';
import type { DriftConfig, DriftMethod } from '../schema.js';
import { isNumericFamily, isTimeFamily } from '../sql.js';
import { ecdfDistances } from './ecdf.js';
import { histogram, MAX_CATEGORIES, sortedValues, valueCounts } from './queries.js';
import { CURRENT_PREFIX, readSides, sideStats } from './sides.js';
import type { Side } from './sides.js';
import { ksTwoSamplePValue } from './kolmogorov.js';
import {
  chiSquare,
  jensenShannon,
  normedWasserstein,
  psi,
  sturgesEdges,
  totalVariation,
} from './stats.js';
import type { Binned } from './stats.js';
import { observeCategories, observeSorted } from './seen.js';
import type { SeenValues } from './seen.js';
import { PROFILE_QUANTILES } from '../profile.js';

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
  /** Effect size behind a p-value test (KS: D; chi-square: total variation distance). */
  effect: number | null;
  note?: string;
}

export interface DriftSummary {
  columns: DriftColumnResult[];
  driftedShare: number;
  datasetDrift: boolean;
}

/** Evidently's defaults: p < 0.05 for tests, 0.1 for distances; dataset drift at ≥ 50 % of columns. */
const DEFAULT_THRESHOLD: Record<DriftMethod, number> = {
  ks: 0.05,
  chisquare: 0.05,
  wasserstein: 0.1,
  jensenshannon: 0.1,
  psi: 0.1,
};
export const DATASET_DRIFT_SHARE = 0.5;
/** A numeric column with more distinct values than this is continuous, not categories (Evidently's line too). */
const CHISQUARE_MAX_VALUES = 20;
/**
 * A p-value test flags drift only when the effect is at least this large too (KS: D ≥ 0.05;
 * chi-square: total variation distance ≥ 0.05), so a huge current sample does not flag a
 * shift nobody would act on.
 */
export const DEFAULT_MIN_EFFECT = 0.05;
export function isPValueMethod(method: DriftMethod): boolean {
  return method === 'ks' || method === 'chisquare';
}

/** Evidently's automatic choice for one column. */
export function autoMethod(
  numeric: boolean,
  referenceRows: number,
  distinctValues: number,
): DriftMethod {
  const treatAsCategory = !numeric || distinctValues <= 5;
  if (referenceRows <= 1000) return treatAsCategory ? 'chisquare' : 'ks';
  return treatAsCategory ? 'jensenshannon' : 'wasserstein';
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
          engine,
          scans,
          column,
          numeric,
          ref,
          cur,
          config,
          minEffect,
          refType,
          report,
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

async function driftOne(
  engine: SqlEngine,
  scans: { reference: string; current: string },
  column: DataColumn,
  numeric: boolean,
  ref: Side,
  cur: Side,
  config: DriftConfig,
  minEffect: number,
  refColumn: DataColumn,
  report: SeenReport,
): Promise<DriftColumnResult> {
  const base = { column: column.name, statistic: null, pValue: null, drifted: false, effect: null };
  const countCategories = async (): Promise<Binned & { categories: number }> => {
    const counted = await valueCounts(engine, scans.reference, scans.current, column, refColumn);
    if (counted.categories <= MAX_CATEGORIES) {
      const seen = observeCategories(
        counted.labels,
        counted.current,
        PROFILE_QUANTILES,
        isNumericFamily(column.family),
      );
      if (seen) report(column.name, seen);
    }
    return counted;
  };
  let counts: (Binned & { categories: number }) | undefined;
  let method: DriftMethod;
  if (config.method === 'auto') {
    let distinct = Math.max(ref.distinct, cur.distinct);
    if (numeric && distinct <= 5) {
      counts = await countCategories();
      distinct = counts.categories;
    }
    method = autoMethod(numeric, ref.n, distinct);
  } else {
    method = config.method;
  }
  const threshold = config.threshold ?? DEFAULT_THRESHOLD[method];
  if (ref.n === 0 && cur.n === 0)
    return { ...base, method, threshold, note: 'no values on either side' };
  // A column that emptied (or filled) entirely has drifted as far as a column can; no
  // statistic measures it, so it is flagged as it is (Evidently stops with an error here).
  if (ref.n === 0 || cur.n === 0)
    return {
      ...base,
      method,
      threshold,
      drifted: true,
      note: ref.n === 0 ? 'no values in the reference' : 'no values here (all null)',
    };
  if ((method === 'ks' || method === 'wasserstein') && !numeric)
    return { ...base, method, threshold, note: `${method} needs a numeric column` };
  // Chi-square compares category counts: on a continuous column every value is its own category.
  const distinctValues = Math.max(ref.distinct, cur.distinct);
  if (method === 'chisquare' && numeric && distinctValues > CHISQUARE_MAX_VALUES)
    return {
      ...base,
      method,
      threshold,
      note: `chisquare needs categories: more than ${CHISQUARE_MAX_VALUES} distinct values here (use ks or wasserstein)`,
    };

  if (method === 'ks' || method === 'wasserstein') {
    const { d, wasserstein } = await ecdfDistances(
      sortedValues(engine, scans.reference, refColumn, ref),
      isNumericFamily(column.family)
        ? observeSorted(
            sortedValues(engine, scans.current, column, cur),
            cur.n,
            PROFILE_QUANTILES,
            (seen) => report(column.name, seen),
          )
        : sortedValues(engine, scans.current, column, cur),
      ref.n,
      cur.n,
    );
    if (method === 'ks') {
      const result = ksTwoSamplePValue(d, ref.n, cur.n);
      return {
        ...base,
        method,
        threshold,
        statistic: result.statistic,
        pValue: result.pValue,
        effect: result.statistic,
        drifted: result.pValue < threshold && result.statistic >= minEffect,
      };
    }
    const statistic = normedWasserstein(wasserstein, ref.std);
    return { ...base, method, threshold, statistic, drifted: statistic >= threshold };
  }

  let binned: Binned;
  if (numeric && method !== 'chisquare' && ref.distinct > 20) {
    // numpy clamps the Sturges width to 1 only for integer arrays; pandas turns a column with nulls into floats.
    const integerValues =
      column.family === 'integer' &&
      refColumn.family === 'integer' &&
      ref.nulls === 0 &&
      cur.nulls === 0;
    const edges = sturgesEdges(
      Math.min(ref.min, cur.min),
      Math.max(ref.max, cur.max),
      ref.n + cur.n,
      integerValues,
    );
    binned = {
      reference: await histogram(engine, scans.reference, refColumn, edges),
      current: await histogram(engine, scans.current, column, edges),
      referenceTotal: ref.n,
      currentTotal: cur.n,
    };
  } else {
    // DuckDB's HyperLogLog errs by up to ~30 %: only at twice the cap is the count surely over it.
    if (Math.max(ref.distinct, cur.distinct) > MAX_CATEGORIES * 2)
      return { ...base, method, threshold, note: `more than ${MAX_CATEGORIES} categories` };
    counts ??= await countCategories();
    if (counts.categories > MAX_CATEGORIES)
      return { ...base, method, threshold, note: `more than ${MAX_CATEGORIES} categories` };
    binned = counts;
  }
  if (method === 'chisquare') {
    const result = chiSquare(binned);
    const effect = totalVariation(binned);
    const pValue = Number.isNaN(result.pValue) ? null : result.pValue;
    return {
      ...base,
      method,
      threshold,
      statistic: result.statistic,
      pValue,
      effect,
      drifted: pValue !== null && pValue < threshold && effect >= minEffect,
    };
  }
  const statistic = method === 'psi' ? psi(binned) : jensenShannon(binned);
  return { ...base, method, threshold, statistic, drifted: statistic >= threshold };
}

export type { SqlRow };
