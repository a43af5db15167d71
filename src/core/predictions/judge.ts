import { compileRules } from '../gate/pattern.js';
import type { Rule, RuleSet } from '../gate/model.js';
import {
  HIGHER_IS_BETTER,
  compareUnits,
  intervalOf,
  metricsOf,
  type MetricName,
} from './metrics.js';
import type { ExampleGroup, LoadedPredictions } from './read.js';
import { mcnemarExact } from './tests.js';
import { compareAuc, labelCounts } from './auc.js';

/** What the interval says about a difference. */
type Significance =
  | 'regressed'
  | 'improved'
  | 'within noise'
  /** Both models give the same value on every resample: the interval is exactly [0, 0]. */
  | 'unchanged'
  | 'too small to judge'
  /** AUC of a group holding one label only. */
  | 'undefined';

export interface JudgedMetric {
  /** The key rules match: `accuracy`, or `slices.<column>.<value>.accuracy`. */
  key: string;
  metric: MetricName;
  group: ExampleGroup;
  baseline: number;
  candidate: number;
  delta: number;
  /** The paired bootstrap's percentile interval of the delta; undefined for too small slices. */
  interval?: [number, number];
  confidence: number;
  significance: Significance;
  /** The gate's word: fail only on a regression past the rule's limit beyond noise. */
  status: 'pass' | 'fail' | 'warn' | 'info';
  reasons: string[];
  /** What failed, short (`below its minimum 0.95`), for the status and the headline. */
  failed: string[];
  rule?: Rule | Omit<Rule, 'pattern'>;
  ruleLabel?: string;
}

export interface PredictionsVerdict {
  verdict: 'pass' | 'fail';
  metrics: JudgedMetric[];
  mcnemar?: { worse: number; better: number; statistic: number; p: number };
  /** Per slice group: right → wrong and wrong → right, for the slice table. */
  resamples: number;
  seed: number;
  confidence: number;
  minSliceSize: number;
}

export interface JudgeOptions {
  resamples: number;
  seed: number;
  confidence: number;
  minSliceSize: number;
}

/** A key segment: dots would split it, so they become `_`. */
function segment(text: string): string {
  return text.replace(/\./g, '_');
}

function groupKey(group: ExampleGroup, metric: string): string {
  return group.slice
    ? `slices.${segment(group.slice.column)}.${segment(group.slice.value)}.${metric}`
    : metric;
}

/** Every key the comparison judges (the names rules match), before any resampling. */
export function predictionKeys(loaded: LoadedPredictions): string[] {
  const keys: string[] = [];
  for (const group of loaded.groups) {
    for (const metric of metricsOf(group.units)) keys.push(groupKey(group, metric));
    if (group.scores) keys.push(groupKey(group, 'auc'));
  }
  return keys;
}

/**
 * The names a rule can match, as a hint lists them: the metrics, then each slice column with
 * its values (`slices.region.<APAC|EU|US>.<metric>`).
 */
export function describePredictionKeys(loaded: LoadedPredictions): string {
  const overall = loaded.groups.find((g) => !g.slice);
  const names = overall ? [...metricsOf(overall.units), ...(overall.scores ? ['auc'] : [])] : [];
  const values = new Map<string, string[]>();
  for (const group of loaded.groups) {
    if (!group.slice) continue;
    const column = segment(group.slice.column);
    const list = values.get(column) ?? [];
    list.push(segment(group.slice.value));
    values.set(column, list);
  }
  const slices = [...values].map(([column, list]) => {
    const shown = list.slice(0, 12).join('|');
    return `slices.${column}.<${shown}${list.length > 12 ? `|… ${list.length - 12} more` : ''}>.<metric>`;
  });
  return `prediction metrics: ${names.join(', ')}${slices.length > 0 ? `; per slice: ${slices.join(', ')}` : ''}`;
}

/** A metric name as other tools spell it (`roc_auc`, `f1_score`): the name sluice uses. */
export function suggestPredictionKey(pattern: string, keys: readonly string[]): string | undefined {
  const dot = pattern.lastIndexOf('.');
  const head = pattern.slice(0, dot + 1);
  const last = pattern.slice(dot + 1).toLowerCase();
  const known: MetricName[] = ['accuracy', 'precision', 'recall', 'f1', 'auc', 'rmse', 'mae'];
  const aliases: Record<string, MetricName> = {
    acc: 'accuracy',
    roc: 'auc',
    rocauc: 'auc',
    mean_absolute_error: 'mae',
    root_mean_squared_error: 'rmse',
  };
  const metric = aliases[last] ?? known.find((name) => last.split(/[^a-z0-9]+/).includes(name));
  if (metric === undefined) return undefined;
  const key = `${head}${metric}`;
  return keys.includes(key) ? key : undefined;
}

export function judgePredictions(
  loaded: LoadedPredictions,
  rules: RuleSet | undefined,
  options: JudgeOptions,
): PredictionsVerdict {
  const matcher = rules ? compileRules(rules.rules) : undefined;
  const metrics: JudgedMetric[] = [];
  // One weights array for every group's AUC resamples: the largest group is every example.
  let weights: Int32Array | undefined;
  for (const group of loaded.groups) {
    const small = group.slice !== undefined && group.examples < options.minSliceSize;
    const draw = {
      // A too small slice gets its point values only.
      resamples: small ? 0 : options.resamples,
      seed: options.seed,
      stream: group.slice ? `${group.slice.column}\u0000${group.slice.value}` : '',
    };
    const compared = compareUnits(group.units, draw);
    let oneLabel: string | undefined;
    if (group.scores) {
      const counts = labelCounts(group.scores);
      if (counts.positive === 0 || counts.negative === 0)
        oneLabel = counts.positive === 0 ? 'negative' : 'positive';
      weights ??= new Int32Array(loaded.paired);
      compared.push(compareAuc(group.scores, oneLabel ? { ...draw, resamples: 0 } : draw, weights));
    }
    for (const comparison of compared) {
      const key = groupKey(group, comparison.metric);
      const matched = matcher?.match(key);
      const rule = matched ?? rules?.default;
      const ruleLabel = matched ? matched.pattern : rule ? 'default' : undefined;
      const confidence = rule?.confidence ?? options.confidence;
      const interval = small ? undefined : intervalOf(comparison, confidence);
      const judged: JudgedMetric = {
        key,
        metric: comparison.metric,
        group,
        baseline: comparison.baseline,
        candidate: comparison.candidate,
        delta: comparison.delta,
        ...(interval ? { interval } : {}),
        confidence,
        significance:
          comparison.metric === 'auc' && oneLabel
            ? 'undefined'
            : small
              ? 'too small to judge'
              : significance(comparison.metric, interval),
        status: 'info',
        failed: [],
        reasons:
          comparison.metric === 'auc' && oneLabel
            ? [
                `undefined: every example ${group.slice ? 'of this slice ' : ''}is ${oneLabel}, AUC needs both labels${rule ? '; its rule is not applied' : ''}`,
              ]
            : [],
        ...(rule ? { rule } : {}),
        ...(ruleLabel ? { ruleLabel } : {}),
      };
      applyRule(judged, options.minSliceSize);
      metrics.push(judged);
    }
  }
  const flips = loaded.flips;
  const verdict = metrics.some((m) => m.status === 'fail') ? 'fail' : 'pass';
  return {
    verdict,
    metrics,
    ...(flips
      ? {
          mcnemar: {
            worse: flips.worse,
            better: flips.better,
            ...mcnemarExact(flips.worse, flips.better),
          },
        }
      : {}),
    resamples: options.resamples,
    seed: options.seed,
    confidence: options.confidence,
    minSliceSize: options.minSliceSize,
  };
}

function significance(metric: MetricName, interval: [number, number] | undefined): Significance {
  if (!interval) return 'within noise';
  const [low, high] = interval;
  if (low === 0 && high === 0) return 'unchanged';
  const higher = HIGHER_IS_BETTER[metric];
  if (low > 0) return higher ? 'improved' : 'regressed';
  if (high < 0) return higher ? 'regressed' : 'improved';
  return 'within noise';
}

/** Whether a rule limits how much a metric may regress (the only rules a Δ direction is about). */
export function isRegressionRule(rule: JudgedMetric['rule']): boolean {
  return rule?.maxRegression !== undefined || rule?.maxRegressionPct !== undefined;
}

/** The rule as the report names it: `default: max_regression 0.02`, `auc: min 0.95`. */
export function describeRule(metric: JudgedMetric): string {
  const rule = metric.rule;
  if (!rule) return '';
  const written = (key: 'min' | 'max' | 'maxRegression' | 'maxRegressionPct'): string =>
    rule.written?.[key] ?? String(rule[key]);
  const parts = [
    ...(rule.min !== undefined ? [`min ${written('min')}`] : []),
    ...(rule.max !== undefined ? [`max ${written('max')}`] : []),
    ...(rule.maxRegression !== undefined ? [`max_regression ${written('maxRegression')}`] : []),
    ...(rule.maxRegressionPct !== undefined
      ? [`max_regression_pct ${written('maxRegressionPct')}`]
      : []),
    ...(rule.confidence !== undefined ? [`confidence ${rule.confidence}`] : []),
  ];
  return `${metric.ruleLabel ?? 'rule'}: ${parts.length > 0 ? parts.join(', ') : 'no limit'}`;
}

/** How much worse the candidate is (positive: worse), whatever the metric's direction. */
export function harmOf(metric: MetricName, delta: number): number {
  return HIGHER_IS_BETTER[metric] ? -delta : delta;
}

function applyRule(judged: JudgedMetric, minSliceSize: number): void {
  const rule = judged.rule;
  if (judged.significance === 'undefined') {
    // Said, and never a pass: a rule on it cannot be checked.
    judged.status = 'warn';
    return;
  }
  if (judged.significance === 'too small to judge') {
    judged.status = 'warn';
    judged.reasons.push(
      `too small to judge: ${judged.group.examples} examples, fewer than ${minSliceSize}${rule ? '; its rule is not applied' : ''}`,
    );
    return;
  }
  if (!rule) return;
  const failures: string[] = [];
  const written = (key: 'min' | 'max' | 'maxRegression' | 'maxRegressionPct'): string =>
    rule.written?.[key] ?? String(rule[key]);
  if (rule.min !== undefined && judged.candidate < rule.min) {
    failures.push(`${fmt(judged.candidate)} is below its minimum ${written('min')}`);
    judged.failed.push(`below its minimum ${written('min')}`);
  }
  if (rule.max !== undefined && judged.candidate > rule.max) {
    failures.push(`${fmt(judged.candidate)} is above its maximum ${written('max')}`);
    judged.failed.push(`above its maximum ${written('max')}`);
  }
  const limits: { limit: number; text: string }[] = [];
  if (rule.maxRegression !== undefined)
    limits.push({ limit: rule.maxRegression, text: `max_regression ${written('maxRegression')}` });
  if (rule.maxRegressionPct !== undefined)
    limits.push({
      limit: (rule.maxRegressionPct / 100) * Math.abs(judged.baseline),
      text: `max_regression_pct ${written('maxRegressionPct')}`,
    });
  const interval = judged.interval;
  const level = `${fmtPct(judged.confidence)} interval`;
  for (const { limit, text } of limits) {
    const harm = harmOf(judged.metric, judged.delta);
    if (!interval) {
      if (harm > limit) {
        failures.push(`regressed by ${fmt(harm)}, past ${text}`);
        judged.failed.push(`regressed past ${text}`);
      }
      continue;
    }
    // The interval's end nearest no change: the least the candidate can be worse by.
    const harms = interval.map((end) => harmOf(judged.metric, end));
    const least = Math.min(...harms);
    if (least > limit) {
      failures.push(`regressed by ${fmt(harm)} (${level}: at least ${fmt(least)}), past ${text}`);
      judged.failed.push(`regressed past ${text} beyond noise`);
    } else if (harm > limit) {
      judged.reasons.push(
        `within noise: regressed by ${fmt(harm)}, past ${text}, but the ${level} reaches ${fmt(least)}`,
      );
    }
  }
  judged.status = failures.length > 0 ? 'fail' : 'pass';
  if (failures.length > 0) judged.reasons.unshift(...failures);
}

function fmt(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(4))) : String(value);
}

function fmtPct(share: number): string {
  return `${Number((share * 100).toPrecision(4))} %`;
}
