import type {
  Block,
  Cell,
  Chart,
  Column,
  Inline,
  Measurement,
  Note,
  Section,
  Status,
  TestCase,
} from '../report/model.js';
import { plural } from '../text/plural.js';
import {
  describePredictionKeys,
  describeRule,
  harmOf,
  isRegressionRule,
  predictionKeys,
  type JudgedMetric,
  type PredictionsVerdict,
} from './judge.js';
import type { LoadedPredictions } from './read.js';

/** What the per-example comparison adds to the quality gate's report. */
export interface PredictionsReport {
  summary: string;
  notes: Note[];
  sections: Section[];
  tests: TestCase[];
  failed: string[];
  data: Record<string, unknown>;
  /** OpenMetrics gauges: each metric's values, delta and interval, overall and per slice. */
  measurements: Measurement[];
  /** Every key judged (what rules match), and how an error lists them. */
  keys: string[];
  keysText: string;
}

const STATUS: Record<JudgedMetric['status'], Status> = {
  pass: 'pass',
  fail: 'fail',
  warn: 'warn',
  info: 'info',
};

function num(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? '∞' : '-∞';
  if (value === 0) return '0';
  const text = String(Number(value.toPrecision(4)));
  return text;
}

function signed(value: number): string {
  const text = num(value);
  return value > 0 ? `+${text}` : text;
}

function intervalText(metric: JudgedMetric): string {
  return metric.interval ? `[${signed(metric.interval[0])}, ${signed(metric.interval[1])}]` : '';
}

function statusCell(metric: JudgedMetric): Cell {
  // A Δ direction word (improved, regressed, within noise) only where a regression rule or no
  // rule judges the metric: a `min` rule passes or fails on the value itself.
  const label =
    metric.status === 'fail'
      ? `fail: ${metric.failed.join('; ')}`
      : metric.status === 'pass' && !isRegressionRule(metric.rule)
        ? 'pass'
        : metric.significance;
  return { status: STATUS[metric.status], label };
}

function ruleText(metric: JudgedMetric): string {
  const rule = describeRule(metric);
  return [rule, ...metric.reasons].filter((text) => text !== '').join('; ');
}

/** Text whose `backtick` spans are code, as report inlines (each escaped by the renderer). */
function withCode(text: string): Inline[] {
  return text.split('`').map((part, i) => (i % 2 === 1 ? { code: part } : part));
}

function metricRow(metric: JudgedMetric, withSlice: boolean): Cell[] {
  return [
    ...(withSlice
      ? [
          { text: `${metric.group.slice!.column} = ${metric.group.slice!.value}`, code: true },
          metric.group.examples,
        ]
      : []),
    { text: metric.metric, code: true },
    ...(metric.significance === 'undefined'
      ? ['undefined', 'undefined', '']
      : [num(metric.baseline), num(metric.candidate), signed(metric.delta)]),
    intervalText(metric),
    statusCell(metric),
    ruleText(metric),
  ];
}

export function buildPredictionsReport(
  loaded: LoadedPredictions,
  judged: PredictionsVerdict,
  labels: { candidate: string; baseline: string },
): PredictionsReport {
  const level = `${Number((judged.confidence * 100).toPrecision(4))} %`;
  const columns = (withSlice: boolean): Column[] => [
    ...(withSlice ? [{ title: 'Slice' }, { title: 'Examples', align: 'right' as const }] : []),
    { title: 'Metric' },
    { title: 'Baseline', align: 'right' },
    { title: 'Candidate', align: 'right' },
    { title: 'Δ', align: 'right' },
    { title: `${level} interval of Δ`, align: 'right' },
    { title: 'Status' },
    { title: 'Rule / reason', optional: true },
  ];
  const overall = judged.metrics.filter((m) => !m.group.slice);
  const slices = judged.metrics.filter((m) => m.group.slice);
  const notes: Note[] = [];
  for (const [side, only, other] of [
    [labels.candidate, loaded.onlyCandidate, labels.baseline],
    [labels.baseline, loaded.onlyBaseline, labels.candidate],
  ] as const) {
    if (only.count === 0) continue;
    notes.push({
      level: 'warning',
      text: `${plural(only.count, 'id')} of ${side} ${only.count === 1 ? 'is' : 'are'} not in ${other} and ${only.count === 1 ? 'was' : 'were'} left out of the comparison (e.g. ${only.examples.join(', ')}).`,
    });
  }
  if (loaded.aucSkipped) notes.push({ level: 'info', text: `No AUC: ${loaded.aucSkipped}.` });
  const auc = judged.metrics.find((m) => m.metric === 'auc' && !m.group.slice);
  if (auc && auc.significance !== 'undefined') {
    const below = [
      ['candidate', auc.candidate],
      ['baseline', auc.baseline],
    ].filter(([, value]) => (value as number) < 0.5);
    if (below.length > 0) {
      const other = loaded.classes?.find((c) => c !== loaded.positive);
      notes.push({
        level: 'warning',
        text: `AUC below 0.5 (${below.map(([side, value]) => `${side as string} ${num(value as number)}`).join(', ')}): worse than chance, so the score may be for the other class${other !== undefined ? ` (${other})` : ''}, not the positive class ${loaded.positive ?? ''}; check \`score-column\` and \`positive-class\`.`,
      });
    }
  }
  const undefinedAuc = judged.metrics.filter((m) => m.significance === 'undefined');
  if (undefinedAuc.length > 0) {
    notes.push({
      level: 'warning',
      text: `AUC is undefined where the examples hold one label only (not judged, not passed): ${undefinedAuc.map((m) => (m.group.slice ? `${m.group.slice.column} = ${m.group.slice.value} (${m.group.examples})` : `all ${m.group.examples} examples`)).join(', ')}.`,
    });
  }
  const small = slices.filter((m) => m.significance === 'too small to judge');
  const smallGroups = new Set(small.map((m) => m.group));
  if (smallGroups.size > 0) {
    notes.push({
      level: 'warning',
      text: `${plural(smallGroups.size, 'slice')} ${smallGroups.size === 1 ? 'has' : 'have'} fewer than ${judged.minSliceSize} examples and ${smallGroups.size === 1 ? 'is' : 'are'} too small to judge: ${[...smallGroups].map((g) => `${g.slice!.column} = ${g.slice!.value} (${g.examples})`).join(', ')}.`,
    });
  }
  const grouped = loaded.groups.some((g) => g.units.kind === 'regression' && g.units.grouped);
  const about: Inline[] = [
    `${plural(loaded.paired, 'example')} paired by id; task: `,
    { strong: loaded.task },
    ' (',
    ...withCode(loaded.taskReason),
    ')',
    ...(loaded.positive !== undefined
      ? [
          `; positive class: `,
          { code: loaded.positive },
          ...(loaded.positiveReason ? [` (${loaded.positiveReason})`] : []),
        ]
      : []),
    ...(loaded.groups.some((g) => g.scores)
      ? [
          '; AUC from the score column (ties count half, as scikit-learn’s ',
          { code: 'roc_auc_score' },
          ')',
        ]
      : []),
    ...(loaded.classes && loaded.positive === undefined
      ? [
          `; ${plural(loaded.classes.length, 'class', 'classes')}, precision/recall/F1 macro-averaged`,
        ]
      : []),
    `. Intervals: paired bootstrap, ${judged.resamples} resamples of the ids, seed ${judged.seed}, percentile method${grouped ? `; regression groups above 10,000 examples are resampled as 10,000 random groups of ids` : ''}. A rule's `,
    { code: 'max_regression' },
    ' fails a metric only when the whole interval is past it; otherwise it is within noise.',
  ];
  const blocks: Block[] = [
    { type: 'paragraph', content: about },
    { type: 'table', columns: columns(false), rows: overall.map((m) => metricRow(m, false)) },
  ];
  if (judged.mcnemar) {
    const { worse, better, p } = judged.mcnemar;
    blocks.push({
      type: 'paragraph',
      content: [
        { strong: 'Flips' },
        `: ${plural(worse, 'example')} right → wrong, ${plural(better, 'example')} wrong → right; McNemar's exact test p = ${num(p)}${p < 1 - judged.confidence ? ' (the models differ)' : ' (no significant difference)'}.`,
      ],
    });
  }
  const sections: Section[] = [
    { title: `Per-example comparison: ${labels.candidate} vs ${labels.baseline}`, blocks },
  ];
  if (slices.length > 0) {
    // Worst regression first; slices too small to judge last.
    const sorted = [...slices].sort((a, b) => {
      const last = (m: JudgedMetric): number =>
        m.significance === 'too small to judge' || m.significance === 'undefined' ? 1 : 0;
      const smallA = last(a);
      const smallB = last(b);
      return smallA - smallB || harmOf(b.metric, b.delta) - harmOf(a.metric, a.delta);
    });
    const primary = slices[0]!.metric;
    const chartRows = slices
      .filter((m) => m.metric === primary && m.interval)
      .sort((a, b) => harmOf(b.metric, b.delta) - harmOf(a.metric, a.delta))
      .slice(0, 30);
    const chart: Chart = {
      title: `Δ ${primary} per slice with its ${level} interval`,
      kind: 'line',
      intervals: true,
      xLabels: chartRows.map((m) => `${m.group.slice!.column}=${m.group.slice!.value}`),
      yLabel: `Δ ${primary}`,
      series: [
        { name: 'interval low', values: chartRows.map((m) => m.interval![0]) },
        { name: `Δ ${primary}`, values: chartRows.map((m) => m.delta) },
        { name: 'interval high', values: chartRows.map((m) => m.interval![1]) },
      ],
    };
    sections.push({
      title: 'Slices (worst regression first)',
      blocks: [
        { type: 'table', columns: columns(true), rows: sorted.map((m) => metricRow(m, true)) },
        ...(chartRows.length > 0 ? [{ type: 'chart' as const, chart }] : []),
      ],
    });
  }
  const worst = loaded.flips?.worst ?? loaded.worst ?? [];
  if (worst.length > 0) {
    const regression = loaded.task === 'regression';
    const hasChange = worst.some((w) => w.change !== undefined);
    sections.push({
      title: regression
        ? 'Examples whose error grew most'
        : 'Worst flipped examples (right → wrong)',
      blocks: [
        {
          type: 'table',
          columns: [
            { title: 'Id' },
            { title: 'Label' },
            { title: 'Baseline' },
            { title: 'Candidate' },
            ...(hasChange
              ? [
                  {
                    title: regression ? 'Error growth' : 'Candidate score',
                    align: 'right' as const,
                  },
                ]
              : []),
          ],
          rows: worst.map((w) => [
            { text: w.id, code: true },
            w.label,
            w.baseline,
            w.candidate,
            ...(hasChange ? [w.change === undefined ? null : num(w.change)] : []),
          ]),
        },
      ],
    });
  }
  const gated = judged.metrics.filter((m) => m.rule !== undefined);
  const failed = judged.metrics.filter((m) => m.status === 'fail');
  const tests: TestCase[] = gated.map((m) => ({
    suite: 'predictions',
    name: m.key,
    status: m.status === 'fail' ? 'fail' : m.status === 'warn' ? 'skip' : 'pass',
    ...(m.reasons.length > 0 ? { message: m.reasons.join('; ') } : {}),
    file: labels.candidate,
  }));
  const regressed = judged.metrics.filter((m) => m.significance === 'regressed' && !m.group.slice);
  const onlyRegressions = failed.every((m) => m.failed.every((f) => f.startsWith('regressed')));
  const shown = failed
    .slice(0, 3)
    .map((m) => `${m.key} ${m.failed.join(', ')}`)
    .join('; ');
  const summary =
    failed.length > 0
      ? onlyRegressions
        ? `${plural(failed.length, 'prediction metric')} regressed past ${failed.length === 1 ? 'its rule' : 'their rules'} beyond noise against ${labels.baseline}: ${shown}${failed.length > 3 ? '; …' : ''}`
        : `${plural(failed.length, 'prediction metric')} failed ${failed.length === 1 ? 'its rule' : 'their rules'} against ${labels.baseline}: ${shown}${failed.length > 3 ? '; …' : ''}`
      : regressed.length > 0
        ? `${regressed.map((m) => m.metric).join(', ')} regressed beyond noise against ${labels.baseline}, within the rules`
        : `no prediction metric regressed beyond noise against ${labels.baseline}`;
  return {
    measurements: measurementsOf(judged.metrics, labels.candidate),
    keys: predictionKeys(loaded),
    keysText: describePredictionKeys(loaded),
    summary,
    notes,
    sections,
    tests,
    failed: failed.map((m) => m.key),
    data: {
      task: loaded.task,
      paired: loaded.paired,
      onlyCandidate: loaded.onlyCandidate,
      onlyBaseline: loaded.onlyBaseline,
      ...(loaded.positive !== undefined ? { positiveClass: loaded.positive } : {}),
      resamples: judged.resamples,
      seed: judged.seed,
      confidence: judged.confidence,
      ...(judged.mcnemar ? { mcnemar: judged.mcnemar } : {}),
      metrics: judged.metrics.map((m) => ({
        key: m.key,
        metric: m.metric,
        slice: m.group.slice ?? null,
        examples: m.group.examples,
        baseline: finite(m.baseline),
        candidate: finite(m.candidate),
        delta: finite(m.delta),
        interval: m.interval ?? null,
        confidence: m.confidence,
        significance: m.significance,
        status: m.status,
        reasons: m.reasons,
        ...(m.failed.length > 0 ? { failed: m.failed } : {}),
      })),
      worst,
    },
  };
}

function finite(value: number): number | string {
  return Number.isFinite(value) ? value : String(value);
}

const MEASUREMENT_HELP =
  'candidate value (per-example predictions); kind baseline: the baseline value, delta: candidate minus baseline, interval_low and interval_high: the bootstrap interval of the delta';

/**
 * A gauge family per metric (`sluice_accuracy`), as the metrics gate writes them: the candidate
 * value without `kind`, the rest with it; a slice's samples carry `slice_column`/`slice_value`.
 */
function measurementsOf(metrics: JudgedMetric[], file: string): Measurement[] {
  const out: Measurement[] = [];
  for (const m of metrics) {
    if (m.significance === 'undefined') continue;
    const base: Record<string, string> = {
      file,
      source: 'predictions',
      ...(m.group.slice
        ? { slice_column: m.group.slice.column, slice_value: m.group.slice.value }
        : {}),
    };
    const samples: [string | undefined, number | undefined][] = [
      [undefined, m.candidate],
      ['baseline', m.baseline],
      ['delta', m.delta],
      ['interval_low', m.interval?.[0]],
      ['interval_high', m.interval?.[1]],
    ];
    for (const [kind, value] of samples) {
      if (value === undefined || !Number.isFinite(value)) continue;
      out.push({
        name: m.metric,
        value,
        labels: kind ? { ...base, kind } : base,
        help: MEASUREMENT_HELP,
      });
    }
  }
  return out;
}
