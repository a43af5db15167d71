import type { MetricValue } from '../metrics/model.js';
import { exactNumberText, parseDecimal } from '../numbers/decimal.js';
import { formatDelta, formatMetricValue, formatPercent } from '../numbers/format.js';
import { ExactNumber, FOLDED_COUNT } from '../report/model.js';
import type { Cell, Column, Measurement, Report, Section, TestCase } from '../report/model.js';
import type { GateResult, MetricDiff, MetricStatus, Rule, RuleSet } from './model.js';
import { plural } from '../text/plural.js';

export interface GateReportOptions {
  /** Identifies the report inside a sticky comment. */
  key: string;
  title?: string;
  /** When given, rows show the thresholds of the rule that applied, not only its pattern. */
  rules?: RuleSet;
}

const COLUMNS: Column[] = [
  { title: 'Metric' },
  { title: 'Baseline', align: 'right' },
  { title: 'Candidate', align: 'right' },
  { title: 'Δ', align: 'right' },
  { title: 'Δ %', align: 'right' },
  { title: 'Status' },
  { title: 'Rule / reason' },
];

/** Rows needing attention first; unchanged rows are folded away. */
const ORDER: Record<MetricStatus, number> = {
  fail: 0,
  new: 1,
  removed: 2,
  pass: 3,
  info: 4,
  unchanged: 5,
};

/** The quality gate's one Report: every surface (comment, terminal, JUnit, JSON, …) renders it. */
export function buildGateReport(result: GateResult, options: GateReportOptions): Report {
  const ruleByLabel = new Map<string, Omit<Rule, 'pattern'>>();
  for (const rule of options.rules?.rules ?? []) ruleByLabel.set(rule.pattern, rule);
  if (options.rules?.default) ruleByLabel.set('default', options.rules.default);

  const files: string[] = [];
  const byFile = new Map<string, MetricDiff[]>();
  for (const diff of result.diffs) {
    let list = byFile.get(diff.file);
    if (!list) {
      list = [];
      byFile.set(diff.file, list);
      files.push(diff.file);
    }
    list.push(diff);
  }

  const sections: Section[] = files.map((file) => section(file, byFile.get(file)!, ruleByLabel));
  const gated = result.diffs.filter((diff) => diff.gated);
  const failed = result.diffs.filter((diff) => diff.status === 'fail');
  const failedNames = [...new Set(failed.map((diff) => diff.name))];

  const report: Report = {
    command: 'quality-gate',
    key: options.key,
    title: options.title ?? 'Quality gate',
    verdict: result.verdict,
    summary: headline(result, gated.length, failed.length),
    notes: result.notes.map((text) => ({ level: 'info' as const, text })),
    sections,
    tests: gated.map(testCase),
    measurements: [],
    outputs: { passed: String(result.verdict === 'pass'), 'failed-metrics': failedNames.join(',') },
    data: {
      verdict: result.verdict,
      baseline: result.baselineLabel ?? null,
      metrics: [],
    },
  };
  // One entry per metric, built when a surface reads them (JSON, OpenMetrics): a terminal or
  // Markdown report of a million metrics need not hold them all at once.
  lazy(report, 'measurements', () => measurementsOf(result.diffs));
  lazy(report.data, 'metrics', () =>
    result.diffs.map((diff) => ({
      file: diff.file,
      name: diff.name,
      baseline: jsonValue(diff.baseline),
      candidate: jsonValue(diff.candidate),
      delta: jsonDelta(diff),
      status: diff.status,
      rule: diff.rule ?? null,
    })),
  );
  return report;
}

/** An enumerable property computed on first read and then kept (writable, as a plain one). */
function lazy<T extends object, K extends keyof T>(target: T, key: K, make: () => T[K]): void {
  Object.defineProperty(target, key, {
    configurable: true,
    enumerable: true,
    get: () => {
      const value = make();
      Object.defineProperty(target, key, {
        value,
        writable: true,
        enumerable: true,
        configurable: true,
      });
      return value;
    },
    set: (value: T[K]) => {
      Object.defineProperty(target, key, {
        value,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    },
  });
}

function headline(result: GateResult, gated: number, failed: number): string {
  const against = result.baselineLabel ? ` against ${result.baselineLabel}` : '';
  if (result.verdict === 'fail') {
    return `${failed} of ${plural(gated, 'gated metric')} failed${against}`;
  }
  if (gated === 0) {
    const compared = result.baselineLabel ? `, compared with ${result.baselineLabel}` : '';
    return `${plural(result.diffs.length, 'metric')} reported, none gated${compared}`;
  }
  return gated === 1
    ? `the 1 gated metric passed${against}`
    : `all ${gated} gated metrics passed${against}`;
}

function section(
  file: string,
  diffs: MetricDiff[],
  rules: Map<string, Omit<Rule, 'pattern'>>,
): Section {
  const sorted = diffs
    .map((diff, index) => ({ diff, index }))
    .sort((a, b) => ORDER[a.diff.status] - ORDER[b.diff.status] || a.index - b.index)
    .map(({ diff }) => diff);
  const shown = sorted.filter((diff) => diff.status !== 'unchanged');
  const unchanged = sorted.filter((diff) => diff.status === 'unchanged');
  return {
    title: file,
    blocks: [
      {
        type: 'table',
        columns: COLUMNS,
        rows: shown.map((diff) => row(diff, rules)),
        ...(unchanged.length > 0 ? { folded: foldedRows(unchanged, rules) } : {}),
      },
    ],
  };
}

/** Unchanged rows, built when a surface shows them (Markdown, JSON); the terminal counts them. */
function foldedRows(
  unchanged: MetricDiff[],
  rules: Map<string, Omit<Rule, 'pattern'>>,
): { summary: string; rows: Cell[][] } {
  const folded = { summary: plural(unchanged.length, 'unchanged metric'), rows: [] as Cell[][] };
  lazy(folded, 'rows', () => unchanged.map((diff) => row(diff, rules)));
  Object.defineProperty(folded, FOLDED_COUNT, { value: unchanged.length, enumerable: false });
  return folded;
}

function row(diff: MetricDiff, rules: Map<string, Omit<Rule, 'pattern'>>): Cell[] {
  const delta =
    diff.deltaText !== undefined
      ? formatDelta(parseDecimal(diff.deltaText))
      : formatDelta(diff.delta);
  return [
    { text: diff.name, code: true },
    valueCell(diff.baseline),
    valueCell(diff.candidate),
    delta === '' ? null : delta,
    diff.deltaPct === null ? null : formatPercent(diff.deltaPct, { signed: true, fixed: true }),
    STATUS_CELL[diff.status],
    ruleText(diff, rules),
  ];
}

/** One shared cell per status: a million rows need not hold a million copies. */
const STATUS_CELL: Record<MetricStatus, Cell> = {
  fail: { status: 'fail' },
  new: { status: 'new' },
  removed: { status: 'removed' },
  pass: { status: 'pass' },
  info: { status: 'info' },
  unchanged: { status: 'unchanged' },
};

function valueCell(value: MetricValue | undefined): Cell {
  return value === undefined ? null : formatMetricValue(value);
}

function ruleText(diff: MetricDiff, rules: Map<string, Omit<Rule, 'pattern'>>): string {
  // The row already names the metric: the reasons start after it.
  if (diff.reasons.length > 0) {
    return diff.reasons
      .map((reason) =>
        reason.startsWith(`${diff.name} `) ? reason.slice(diff.name.length + 1) : reason,
      )
      .join('; ');
  }
  if (diff.rule === undefined) return '';
  const rule = rules.get(diff.rule);
  const settings = rule ? describeRule(rule) : '';
  const label = diff.rule === 'default' ? 'default' : diff.rule === diff.name ? '' : diff.rule;
  if (settings === '') return label;
  return label === '' ? settings : `${label}: ${settings}`;
}

/** "higher, min 0.80, max_regression 0.01, required" */
function describeRule(rule: Omit<Rule, 'pattern'>): string {
  const parts: string[] = [];
  if (rule.direction) parts.push(`${rule.direction} is better`);
  const written = (key: 'min' | 'max' | 'maxRegression' | 'maxRegressionPct'): string =>
    rule.written?.[key] ?? String(rule[key]);
  if (rule.min !== undefined) parts.push(`min ${written('min')}`);
  if (rule.max !== undefined) parts.push(`max ${written('max')}`);
  if (rule.maxRegression !== undefined) parts.push(`max_regression ${written('maxRegression')}`);
  if (rule.maxRegressionPct !== undefined)
    parts.push(`max_regression_pct ${written('maxRegressionPct')}`);
  if (rule.required) parts.push('required');
  return parts.join(', ');
}

function testCase(diff: MetricDiff): TestCase {
  const failed = diff.status === 'fail';
  const test: TestCase = {
    suite: diff.file,
    name: diff.name,
    status: failed ? 'fail' : 'pass',
    file: diff.file,
  };
  if (failed) {
    test.message = diff.reasons.join('; ');
    test.detail = `baseline ${formatMetricValue(diff.baseline) || '(none)'}, candidate ${formatMetricValue(diff.candidate) || '(none)'}${diff.rule ? `, rule ${diff.rule}` : ''}`;
  }
  return test;
}

/**
 * Candidate values (and deltas) for the OpenMetrics report; only finite numbers, which every
 * reader accepts. A delta is a sample of its metric's own family with the label
 * `kind="delta"`: a suffix on the name (`loss_delta`) could be the name of another metric.
 */
function measurementsOf(diffs: MetricDiff[]): Measurement[] {
  // The label sets are shared per file: they are the same for every metric of it.
  const labels = new Map<
    string,
    { value: Record<string, string>; delta: Record<string, string> }
  >();
  const out: Measurement[] = [];
  for (const diff of diffs) {
    const candidate = diff.candidate;
    if (candidate?.kind !== 'number' || !Number.isFinite(candidate.value)) continue;
    let fileLabels = labels.get(diff.file);
    if (!fileLabels) {
      fileLabels = { value: { file: diff.file }, delta: { file: diff.file, kind: 'delta' } };
      labels.set(diff.file, fileLabels);
    }
    const value: Measurement = {
      name: diff.name,
      value: candidate.value,
      labels: fileLabels.value,
      help: MEASUREMENT_HELP,
    };
    const exact = exactNumberText(candidate.text, candidate.value);
    if (exact !== undefined) value.text = exact;
    out.push(value);
    if (diff.delta !== null && Number.isFinite(diff.delta)) {
      const delta: Measurement = {
        name: diff.name,
        value: diff.delta,
        labels: fileLabels.delta,
        help: MEASUREMENT_HELP,
      };
      const exactDelta =
        diff.deltaText === undefined ? undefined : exactNumberText(diff.deltaText, diff.delta);
      if (exactDelta !== undefined) delta.text = exactDelta;
      out.push(delta);
    }
  }
  return out;
}

const MEASUREMENT_HELP = 'candidate value; with kind="delta": candidate minus baseline';

/**
 * JSON has no NaN or Infinity: they become the strings "NaN", "Infinity", "-Infinity". A number
 * whose written digits a double would change (above 2^53) is written digit for digit.
 */
function jsonValue(value: MetricValue | undefined): number | string | boolean | null | ExactNumber {
  if (value === undefined || value.kind === 'null') return null;
  if (value.kind === 'number') {
    if (!Number.isFinite(value.value)) return String(value.value);
    const exact = exactNumberText(value.text, value.value);
    return exact === undefined ? value.value : new ExactNumber(exact);
  }
  return value.value;
}

function jsonDelta(diff: MetricDiff): number | ExactNumber | null {
  if (diff.delta === null || !Number.isFinite(diff.delta)) return null;
  const exact =
    diff.deltaText === undefined ? undefined : exactNumberText(diff.deltaText, diff.delta);
  return exact === undefined ? diff.delta : new ExactNumber(exact);
}
