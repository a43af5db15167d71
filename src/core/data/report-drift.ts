import type { Block, Cell, Chart, TestCase } from '../report/model.js';
import type { DriftMethod } from './schema.js';
import type { DriftColumnResult, DriftSummary } from './drift/run.js';
import { DATASET_DRIFT_SHARE, isPValueMethod } from './drift/run.js';
import { fmt } from './report-text.js';
import { plural } from '../text/plural.js';

/** Bars per chart: the most drifted columns, so the chart reads at a glance. */
const CHART_BARS = 10;

/**
 * What each method's chart shows: always a distance (bigger is more drift), never a p-value,
 * and one chart per measure so no axis mixes scales. KS D is a distance; chi-square's statistic
 * grows with the sample, so its chart shows the effect beside it (total variation distance).
 */
const MEASURE: Record<DriftMethod, { title: string; axis: string }> = {
  wasserstein: { title: 'Wasserstein distance (normed)', axis: 'distance' },
  jensenshannon: { title: 'Jensen–Shannon distance', axis: 'distance' },
  psi: { title: 'PSI', axis: 'PSI' },
  ks: { title: 'KS statistic D', axis: 'D' },
  chisquare: { title: 'Chi-square: total variation distance', axis: 'distance' },
  z: { title: 'Z-test for two proportions: difference of shares', axis: 'difference' },
};
const METHOD_ORDER: DriftMethod[] = ['wasserstein', 'jensenshannon', 'psi', 'ks', 'chisquare', 'z'];

function measured(d: DriftColumnResult): boolean {
  return d.note === undefined && d.statistic !== null;
}

/** Columns the drifted share counts: measured ones, and those drifted past measuring. */
function counted(d: DriftColumnResult): boolean {
  return measured(d) || d.drifted;
}

/** The distance a column is charted and ranked by. */
function chartValue(d: DriftColumnResult): number | null {
  const value = d.method === 'chisquare' || d.method === 'z' ? d.effect : d.statistic;
  // The digits the table shows, so a bar's label matches its row.
  return value !== null && Number.isFinite(value) ? Number(value.toPrecision(4)) : null;
}

/** When a column of this method counts as drifted, in words (chart titles, JUnit text). */
function driftRule(method: DriftMethod, threshold: number, minEffect: number): string {
  if (method === 'ks') return `drift at p under ${fmt(threshold)} and D ≥ ${fmt(minEffect)}`;
  if (method === 'chisquare')
    return `drift at p under ${fmt(threshold)} and distance ≥ ${fmt(minEffect)}`;
  if (method === 'z')
    return `drift at p under ${fmt(threshold)} and share difference ≥ ${fmt(minEffect)}`;
  return `drift at ≥ ${fmt(threshold)}`;
}

/** One bar chart per measure present, each ranking its most drifted columns. */
function driftCharts(drift: DriftSummary, minEffect: number): Chart[] {
  const charts: Chart[] = [];
  for (const method of METHOD_ORDER) {
    const columns = drift.columns.filter(
      (d) => d.method === method && measured(d) && chartValue(d) !== null,
    );
    if (columns.length === 0) continue;
    const top = [...columns]
      .sort((a, b) => (chartValue(b) ?? 0) - (chartValue(a) ?? 0))
      .slice(0, CHART_BARS);
    const thresholds = new Set(columns.map((d) => d.threshold));
    const rule =
      thresholds.size === 1 ? `; ${driftRule(method, columns[0]?.threshold ?? 0, minEffect)}` : '';
    const cut = columns.length > top.length ? ` (top ${top.length} of ${columns.length})` : '';
    charts.push({
      title: `${MEASURE[method].title}${rule}${cut}`,
      kind: 'bar',
      xLabels: top.map((d) => d.column),
      yLabel: MEASURE[method].axis,
      series: [{ name: MEASURE[method].axis, values: top.map(chartValue) }],
      // The level a bar must reach to count: the distance threshold, or for a p-value test
      // the effect floor (its p-value has no place on a distance axis).
      ...(thresholds.size === 1
        ? { threshold: isPValueMethod(method) ? minEffect : (columns[0]?.threshold ?? 0) }
        : {}),
    });
  }
  return charts;
}

function driftedNames(drift: DriftSummary): string[] {
  return drift.columns.filter((d) => counted(d) && d.drifted).map((d) => d.column);
}

/** `3 of 7 columns drifted (43%)`: the count the dataset verdict is taken on. */
function driftedCount(drift: DriftSummary): string {
  const total = drift.columns.filter(counted).length;
  const drifted = driftedNames(drift).length;
  return `${drifted} of ${plural(total, 'column')} drifted (${(drift.driftedShare * 100).toFixed(0)}%)`;
}

export function driftBlocks(drift: DriftSummary, minEffect: number): Block[] {
  // The effect of a p-value test is what its chart shows: the table shows it too.
  const withEffect = drift.columns.some(
    (d) => measured(d) && d.method !== null && isPValueMethod(d.method),
  );
  const rows: Cell[][] = drift.columns.map((d) => [
    { text: d.column, code: true },
    // A column left out before any method was chosen shows none; one a chosen method could not
    // measure names it (the note says why), as the JSON does.
    d.method ?? '—',
    fmt(d.statistic),
    fmt(d.pValue),
    ...(withEffect
      ? [d.method !== null && isPValueMethod(d.method) && !d.note ? fmt(d.effect) : '—']
      : []),
    d.note ? '—' : fmt(d.threshold),
    d.note
      ? d.drifted
        ? { status: 'warn' as const, label: `drifted: ${d.note}` }
        : { status: 'skip' as const, label: d.note }
      : {
          status: d.drifted ? ('warn' as const) : ('pass' as const),
          label: d.unseen ? `drifted: ${unseenText(d.unseen)}` : d.drifted ? 'drifted' : 'stable',
        },
  ]);
  const blocks: Block[] = [
    {
      type: 'paragraph',
      content: [
        `${driftedCount(drift)}; dataset drift ${drift.datasetDrift ? 'detected' : 'not detected'} (at ≥ ${(DATASET_DRIFT_SHARE * 100).toFixed(0)}% of columns).`,
      ],
    },
    {
      type: 'table',
      columns: [
        { title: 'Column' },
        { title: 'Method' },
        { title: 'Statistic', align: 'right' },
        { title: 'p-value', align: 'right' },
        ...(withEffect ? [{ title: 'Effect', align: 'right' as const }] : []),
        { title: 'Threshold', align: 'right' },
        { title: 'Status' },
      ],
      rows,
    },
  ];
  for (const chart of driftCharts(drift, minEffect)) blocks.push({ type: 'chart', chart });
  return blocks;
}

function describe(d: DriftColumnResult, minEffect: number): string {
  const parts = [`${d.method} statistic ${fmt(d.statistic)}`];
  if (d.pValue !== null) parts.push(`p-value ${fmt(d.pValue)}`);
  if (d.method === 'chisquare' && d.effect !== null)
    parts.push(`total variation distance ${fmt(d.effect)}`);
  if (d.method === 'z' && d.effect !== null) parts.push(`share difference ${fmt(d.effect)}`);
  const rule = d.method === null ? '' : ` (${driftRule(d.method, d.threshold, minEffect)})`;
  const unseen = d.unseen ? `; ${unseenText(d.unseen)}` : '';
  return `${d.drifted ? 'drifted' : 'stable'}: ${parts.join(', ')}${rule}${unseen}`;
}

/** "2 values the reference never had (3.1 % of rows): `XX`, `YY`" */
function unseenText(unseen: NonNullable<DriftColumnResult['unseen']>): string {
  const share = unseen.share * 100;
  const pct = share >= 0.1 ? share.toFixed(1) : share.toPrecision(1);
  const more = unseen.values > unseen.examples.length ? ', …' : '';
  return `${plural(unseen.values, 'value')} the reference never had (${pct} % of rows): ${unseen.examples.map((e) => JSON.stringify(e)).join(', ')}${more}`;
}

/**
 * JUnit cases for drift: one per column, and one for the dataset. A drifted column fails only
 * when the dataset drifted (that is what fails the run); otherwise it passes with its numbers
 * in the case's output, so a reader still sees it drifted.
 */
export function driftTests(drift: DriftSummary, minEffect: number): TestCase[] {
  const suite = 'validate-data.drift';
  const tests: TestCase[] = drift.columns.map((d) => {
    const name = `${d.column}: ${d.note ? 'not measured' : d.method}`;
    if (!counted(d)) return { suite, name, status: 'skip', message: d.note ?? 'not measured' };
    if (!measured(d))
      return {
        suite,
        name,
        status: drift.datasetDrift ? 'fail' : 'pass',
        message: `drifted: ${d.note ?? ''}`,
      };
    return {
      suite,
      name,
      status: d.drifted && drift.datasetDrift ? 'fail' : 'pass',
      message: describe(d, minEffect),
    };
  });
  const names = driftedNames(drift);
  tests.push({
    suite,
    name: 'dataset drift',
    status: drift.datasetDrift ? 'fail' : 'pass',
    message: `${driftedCount(drift)}${names.length > 0 ? `: ${names.join(', ')}` : ''}; dataset drift at ≥ ${(DATASET_DRIFT_SHARE * 100).toFixed(0)}% of columns`,
  });
  return tests;
}

/** What the JSON says of an infinite statistic, which JSON cannot hold. */
function infiniteNote(d: DriftColumnResult): string {
  return d.method === 'chisquare'
    ? 'the chi-square statistic is infinite: the current data has a category the reference lacks (expected count 0), so the statistic is null here and the p-value 0'
    : `the ${d.method} statistic is not a finite number, so it is null here`;
}

const finiteOrNull = (value: number | null): number | null =>
  value !== null && Number.isFinite(value) ? value : null;

/** Drift rows of the JSON contract: numbers or null, never the strings "Infinity" or "NaN". */
export function driftJson(drift: DriftSummary | null): Record<string, unknown>[] {
  return (drift?.columns ?? []).map((d) => {
    const infinite = d.statistic !== null && !Number.isFinite(d.statistic);
    const note = d.note ?? (infinite ? infiniteNote(d) : undefined);
    return {
      column: d.column,
      method: d.method,
      statistic: finiteOrNull(d.statistic),
      p_value: finiteOrNull(d.pValue),
      threshold: d.method === null ? null : d.threshold,
      drifted: d.drifted,
      effect: finiteOrNull(d.effect),
      ...(note !== undefined ? { note } : {}),
      ...(d.unseen ? { unseen: d.unseen } : {}),
    };
  });
}
