import type { SqlEngine } from '../engine.js';
import type { DataColumn } from '../checks.js';
import type { DriftConfig, DriftMethod } from '../schema.js';
import { isNumericFamily } from '../sql.js';
import { ecdfDistances } from './ecdf.js';
import { histogram, MAX_CATEGORIES, sortedValues, valueCounts } from './queries.js';
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
import { PROFILE_QUANTILES } from '../profile.js';
import type { DriftColumnResult, SeenReport } from './run.js';
import { twoProportionZTest } from '../../stats/proportions.js';

/**
 * One column's drift: the method (`auto` chooses as Evidently does), whether the column can be
 * measured at all, and the measurement, from sorted streams (KS, Wasserstein) or from counts
 * per bin or category (chi-square, PSI, Jensen–Shannon).
 */

/** Evidently's defaults: p < 0.05 for tests, 0.1 for distances. */
export const DEFAULT_THRESHOLD: Record<DriftMethod, number> = {
  ks: 0.05,
  chisquare: 0.05,
  z: 0.05,
  wasserstein: 0.1,
  jensenshannon: 0.1,
  psi: 0.1,
};
/** A numeric column with more distinct values than this is continuous, not categories (Evidently's line too). */
const CHISQUARE_MAX_VALUES = 20;

/**
 * Evidently's automatic choice for one column, `distinctValues` counted over both sides: on a
 * small reference, two values (or one) take the z-test for two proportions, as Evidently's
 * `z` does, where chi-square against the reference's shares treats those shares as exact and
 * calls a small reference's sampling noise drift.
 */
export function autoMethod(
  numeric: boolean,
  referenceRows: number,
  distinctValues: number,
): DriftMethod {
  const treatAsCategory = !numeric || distinctValues <= 5;
  if (referenceRows <= 1000) {
    if (treatAsCategory && distinctValues <= 2) return 'z';
    return treatAsCategory ? 'chisquare' : 'ks';
  }
  return treatAsCategory ? 'jensenshannon' : 'wasserstein';
}

/** A column as it is in both datasets, with each side's statistics from the scans. */
export interface ColumnPair {
  engine: SqlEngine;
  scans: { reference: string; current: string };
  column: DataColumn;
  refColumn: DataColumn;
  /** Both sides numbers, or both times: measured as values, not as categories. */
  numeric: boolean;
  ref: Side;
  cur: Side;
  report: SeenReport;
}

type Counted = Binned & { categories: number; labels: string[] };

/** Examples of values new in the current data the report names. */
const UNSEEN_EXAMPLES = 5;

export async function driftOne(
  pair: ColumnPair,
  config: DriftConfig,
  minEffect: number,
): Promise<DriftColumnResult> {
  const { method, counts } = await chooseMethod(pair, config);
  const threshold = config.threshold ?? DEFAULT_THRESHOLD[method];
  // The keys in the order the report's JSON has always had them.
  const verdict: DriftColumnResult = {
    column: pair.column.name,
    statistic: null,
    pValue: null,
    drifted: false,
    effect: null,
    method,
    threshold,
  };
  const unmeasured = unmeasurable(pair, method);
  if (unmeasured) return { ...verdict, ...unmeasured };
  if (method === 'ks' || method === 'wasserstein')
    return ecdfDrift(pair, method, verdict, minEffect);
  const binned = await binnedSides(pair, method, counts);
  if (typeof binned === 'string') return { ...verdict, note: binned };
  const measured = binnedDrift(binned, method, verdict, minEffect);
  const unseen = 'labels' in binned ? unseenValues(binned as Counted) : undefined;
  // A value the reference never had is a finding of its own, whatever the statistic says: an
  // effect floor or a small share must not hide a new category (3 % of rows, p = 0).
  return unseen ? { ...measured, unseen, drifted: true } : measured;
}

/** The method to use; `auto` may count a few-valued numeric column's values to decide. */
async function chooseMethod(
  pair: ColumnPair,
  config: DriftConfig,
): Promise<{ method: DriftMethod; counts?: Counted }> {
  if (config.method !== 'auto') return { method: config.method };
  const { numeric, ref, cur } = pair;
  let distinct = Math.max(ref.distinct, cur.distinct);
  let counts: Counted | undefined;
  // Few values: count them over both sides (the estimates are per side) to choose exactly.
  if (distinct <= 5) {
    counts = await countCategories(pair);
    distinct = counts.categories;
  }
  return { method: autoMethod(numeric, ref.n, distinct), ...(counts ? { counts } : {}) };
}

/** Counts per value on both sides; a few-valued current column's values go to the profile. */
async function countCategories(pair: ColumnPair): Promise<Counted> {
  const { column } = pair;
  const counted = await valueCounts(
    pair.engine,
    pair.scans.reference,
    pair.scans.current,
    column,
    pair.refColumn,
  );
  if (counted.categories <= MAX_CATEGORIES) {
    const seen = observeCategories(
      counted.labels,
      counted.current,
      PROFILE_QUANTILES,
      isNumericFamily(column.family),
    );
    if (seen) pair.report(column.name, seen);
  }
  return counted;
}

/** Why no statistic can measure this column with this method (a note, and whether it drifted). */
function unmeasurable(
  pair: ColumnPair,
  method: DriftMethod,
): { note: string; drifted?: boolean } | undefined {
  const { ref, cur, numeric } = pair;
  if (ref.n === 0 && cur.n === 0) return { note: 'no values on either side' };
  // A column that emptied (or filled) entirely has drifted as far as a column can; no
  // statistic measures it, so it is flagged as it is (Evidently stops with an error here).
  if (ref.n === 0 || cur.n === 0)
    return {
      drifted: true,
      note: ref.n === 0 ? 'no values in the reference' : 'no values here (all null)',
    };
  if ((method === 'ks' || method === 'wasserstein') && !numeric)
    return { note: `${method} needs a numeric column` };
  // Chi-square compares category counts: on a continuous column every value is its own category.
  const distinctValues = Math.max(ref.distinct, cur.distinct);
  if (method === 'chisquare' && numeric && distinctValues > CHISQUARE_MAX_VALUES)
    return {
      note: `chisquare needs categories: more than ${CHISQUARE_MAX_VALUES} distinct values here (use ks or wasserstein)`,
    };
  return undefined;
}

/** KS or Wasserstein, from both sides' sorted values (the current side's go to the profile). */
async function ecdfDrift(
  pair: ColumnPair,
  method: 'ks' | 'wasserstein',
  verdict: DriftColumnResult,
  minEffect: number,
): Promise<DriftColumnResult> {
  const { engine, scans, column, refColumn, ref, cur } = pair;
  const { threshold } = verdict;
  const { d, wasserstein } = await ecdfDistances(
    sortedValues(engine, scans.reference, refColumn, ref),
    isNumericFamily(column.family)
      ? observeSorted(
          sortedValues(engine, scans.current, column, cur),
          cur.n,
          PROFILE_QUANTILES,
          (seen) => pair.report(column.name, seen),
        )
      : sortedValues(engine, scans.current, column, cur),
    ref.n,
    cur.n,
  );
  if (method === 'ks') {
    const result = ksTwoSamplePValue(d, ref.n, cur.n);
    return {
      ...verdict,
      statistic: result.statistic,
      pValue: result.pValue,
      effect: result.statistic,
      drifted: result.pValue < threshold && result.statistic >= minEffect,
    };
  }
  const statistic = normedWasserstein(wasserstein, ref.std);
  return { ...verdict, statistic, drifted: statistic >= threshold };
}

/**
 * Both sides as counts: a histogram over shared Sturges bins for a many-valued number under PSI
 * or Jensen–Shannon, else counts per category. A string: why it cannot be binned.
 */
async function binnedSides(
  pair: ColumnPair,
  method: DriftMethod,
  counted: Counted | undefined,
): Promise<Binned | string> {
  const { engine, scans, column, refColumn, ref, cur, numeric } = pair;
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
    return {
      reference: await histogram(engine, scans.reference, refColumn, edges),
      current: await histogram(engine, scans.current, column, edges),
      referenceTotal: ref.n,
      currentTotal: cur.n,
    };
  }
  // DuckDB's HyperLogLog errs by up to ~30 %: only at twice the cap is the count surely over it.
  if (Math.max(ref.distinct, cur.distinct) > MAX_CATEGORIES * 2)
    return `more than ${MAX_CATEGORIES} categories`;
  const counts = counted ?? (await countCategories(pair));
  if (counts.categories > MAX_CATEGORIES) return `more than ${MAX_CATEGORIES} categories`;
  return counts;
}

/** Chi-square (a p-value and its effect), PSI or Jensen–Shannon, from both sides' counts. */
function binnedDrift(
  binned: Binned,
  method: DriftMethod,
  verdict: DriftColumnResult,
  minEffect: number,
): DriftColumnResult {
  const { threshold } = verdict;
  if (method === 'z') {
    if (binned.reference.length > 2)
      return {
        ...verdict,
        note: `z needs two values: ${binned.reference.length} here (use chisquare or jensenshannon)`,
      };
    // The share of the first value on each side; with one value on both, nothing differs.
    const test = twoProportionZTest(
      binned.reference[0] ?? 0,
      binned.referenceTotal,
      binned.current[0] ?? 0,
      binned.currentTotal,
    );
    const effect = Math.abs(test.difference);
    return {
      ...verdict,
      statistic: test.z,
      pValue: test.p,
      effect,
      drifted: test.p < threshold && effect >= minEffect,
    };
  }
  if (method === 'chisquare') {
    const result = chiSquare(binned);
    const effect = totalVariation(binned);
    const pValue = Number.isNaN(result.pValue) ? null : result.pValue;
    return {
      ...verdict,
      statistic: result.statistic,
      pValue,
      effect,
      drifted: pValue !== null && pValue < threshold && effect >= minEffect,
    };
  }
  const statistic = method === 'psi' ? psi(binned) : jensenShannon(binned);
  return { ...verdict, statistic, drifted: statistic >= threshold };
}

/** Values in the current data that the reference never had: how many, their rows, examples. */
function unseenValues(counted: Counted): DriftColumnResult['unseen'] {
  let values = 0;
  let rows = 0;
  const found: { label: string; count: number }[] = [];
  counted.labels.forEach((label, i) => {
    const current = counted.current[i] ?? 0;
    if ((counted.reference[i] ?? 0) > 0 || current === 0) return;
    values++;
    rows += current;
    found.push({ label, count: current });
  });
  if (values === 0) return undefined;
  const examples = found
    .sort((a, b) => b.count - a.count || (a.label < b.label ? -1 : 1))
    .slice(0, UNSEEN_EXAMPLES)
    .map((f) => f.label);
  return { values, rows, share: rows / counted.currentTotal, examples };
}
