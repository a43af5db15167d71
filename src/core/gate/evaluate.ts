import type { MetricsSet, MetricValue } from '../metrics/model.js';
import { inferDirection, inferPatternDirection } from './direction.js';
import type {
  Direction,
  GateResult,
  MetricDiff,
  MetricStatus,
  Rule,
  RuleSet,
  RuleThreshold,
} from './model.js';
import { compileRules, type RuleMatcher } from './pattern.js';
import { missingRequired, refuseUnmatchedRules, type OtherMetrics } from './rule-coverage.js';
import {
  THRESHOLD_NAME,
  checkNumber,
  describeThreshold,
  describeValue,
  numericChange,
  sameValue,
} from './thresholds.js';
import { pushAll } from '../arrays.js';

/**
 * The gate: each candidate metric against its baseline and its rule.
 *
 * - `min` / `max`: absolute bounds on the candidate, inclusive (0.80 passes `min: 0.80`).
 * - `max_regression`: how much worse than the baseline the candidate may be, in the metric's
 *   units; `max_regression_pct`: the same in percent of |baseline|. Better is never a failure.
 * - `required`: the candidate must report the metric (also when the baseline lacks it).
 * - NaN and ±Infinity fail every rule that touches them.
 * - Strings, booleans and null are shown, never compared; an explicit rule with bounds on a
 *   metric that is not a number fails, because its bound cannot be met.
 * - A metric matched only by `default`, whose direction the name does not tell, is not gated
 *   (a regression rule cannot be applied without knowing which way is worse): it keeps the
 *   status its values give (`new` when the baseline lacks it, else `info`) and says why.
 * All comparisons are decimal-exact on the written texts.
 *
 * Against MLflow's MetricThreshold (mlflow.models.MetricThreshold, as of 3.17), where they overlap:
 * - `threshold` with `greater_is_better` = our `min` (direction higher) or `max` (lower); both
 *   inclusive, as MLflow's >= / <=. We allow min and max together, direction-free.
 * - `min_absolute_change` must be positive: it demands an improvement of at least that much.
 *   `max_regression` allows a worsening of at most that much, which MLflow cannot express, nor
 *   "must not get worse" (`max_regression: 0`).
 * - `min_relative_change` (0 to 1) demands an improvement of that fraction of |baseline| (MLflow
 *   3.x takes the magnitude, so "better" keeps its meaning for negative metrics such as r2 < 0);
 *   `max_regression_pct` allows a worsening of that percent of |baseline|, the same base. A zero
 *   baseline allows no relative worsening.
 * - Both require a direction for change rules; MLflow takes it explicitly (`greater_is_better`),
 *   we also infer it from well-known names. MLflow has no `max` beside `threshold`, no
 *   `required`, and no default rule.
 */
export function evaluateGate(
  candidates: MetricsSet[],
  baselines: (MetricsSet | undefined)[],
  rules: RuleSet | undefined,
  baselineLabel?: string,
  /** Metrics judged elsewhere in the same run (`--predictions`): a rule may match them instead. */
  other?: OtherMetrics,
): GateResult {
  if (rules) refuseUnmatchedRules(candidates, baselines, rules, other);
  const matcher = compileRules(rules?.rules ?? []);
  const diffs: MetricDiff[] = [];
  const notes: string[] = [];

  candidates.forEach((candidate, index) => {
    const baseline = baselines[index];
    for (const [name, value] of candidate.values) {
      diffs.push(
        evaluateMetric(
          candidate.file,
          name,
          value,
          baseline?.values.get(name),
          baseline !== undefined,
          matcher,
          rules,
        ),
      );
    }
    if (baseline) {
      for (const [name, value] of baseline.values) {
        if (!candidate.values.has(name)) {
          diffs.push(evaluateMetric(candidate.file, name, undefined, value, true, matcher, rules));
        }
      }
    }
  });

  pushAll(diffs, missingRequired(candidates, diffs, rules, other?.names));

  const withoutBaseline = candidates.filter((_, index) => baselines[index] === undefined);
  const onlyAbsolute =
    'only absolute rules (min, max, required) were checked; regression rules need a baseline';
  if (candidates.length > 0 && withoutBaseline.length === candidates.length) {
    notes.push(
      `${baselineLabel ? `No baseline found at ${baselineLabel}` : 'No baseline'}: ${onlyAbsolute}.`,
    );
  } else {
    for (const set of withoutBaseline) notes.push(`No baseline for ${set.file}: ${onlyAbsolute}.`);
  }
  if (!rules) notes.push('No rules file: metrics are reported, not gated.');

  return {
    verdict: diffs.some((diff) => diff.status === 'fail') ? 'fail' : 'pass',
    diffs,
    notes,
    baselineLabel,
  };
}

interface Match {
  rule: Omit<Rule, 'pattern'>;
  label: string;
  /** The thresholds are `default`'s: a value that is not a number is shown, not failed. */
  isDefault: boolean;
}

const THRESHOLDS: readonly RuleThreshold[] = ['min', 'max', 'maxRegression', 'maxRegressionPct'];

/**
 * The rule for `name`. A rule that sets no threshold (only `direction` and/or `required`)
 * says something about the metric, not that it should go ungated: it takes `default`'s
 * thresholds. A rule with any threshold of its own stands alone, as the spec has it.
 */
function findRule(
  name: string,
  matcher: RuleMatcher,
  rules: RuleSet | undefined,
): Match | undefined {
  const rule = matcher.match(name);
  const fallback = rules?.default;
  if (rule) {
    const inherits =
      fallback !== undefined &&
      THRESHOLDS.every((key) => rule[key] === undefined) &&
      THRESHOLDS.some((key) => fallback[key] !== undefined);
    if (!inherits) return { rule, label: rule.pattern, isDefault: false };
    const merged: Omit<Rule, 'pattern'> = { ...fallback, ...definedOnly(rule) };
    if (fallback.written) merged.written = fallback.written;
    return { rule: merged, label: `${rule.pattern} + default`, isDefault: true };
  }
  if (fallback) return { rule: fallback, label: 'default', isDefault: true };
  return undefined;
}

function definedOnly(rule: Rule): Omit<Rule, 'pattern'> {
  const { pattern: _pattern, written: _written, ...rest } = rule;
  return Object.fromEntries(
    Object.entries(rest).filter(([, value]) => value !== undefined),
  ) as Omit<Rule, 'pattern'>;
}

function evaluateMetric(
  file: string,
  name: string,
  candidate: MetricValue | undefined,
  baseline: MetricValue | undefined,
  hasBaseline: boolean,
  matcher: RuleMatcher,
  rules: RuleSet | undefined,
): MetricDiff {
  const match = findRule(name, matcher, rules);
  // A wildcard rule's own words can tell the direction too (`*_loss`), when the name alone does not.
  const direction =
    match?.rule.direction ??
    inferDirection(name) ??
    (match && match.label !== 'default' ? inferPatternDirection(match.label) : undefined);
  const change = numericChange(candidate, baseline);
  const plainStatus = plainStatusOf(candidate, baseline, hasBaseline);
  const diff: MetricDiff = {
    file,
    name,
    baseline,
    candidate,
    delta: change?.delta ?? null,
    deltaPct: change?.deltaPct ?? null,
    status: plainStatus,
    reasons: [],
    gated: false,
  };
  if (change?.text !== undefined) diff.deltaText = change.text;
  if (direction) diff.direction = direction;
  if (match) diff.rule = match.label;
  if (match?.rule.place) diff.rulePlace = match.rule.place;

  if (!match) {
    if (rules && plainStatus === 'info') diff.reasons.push('not gated: no rule matches it');
    return diff;
  }
  if (candidate === undefined) {
    if (match.rule.required) {
      diff.gated = true;
      diff.status = 'fail';
      diff.reasons.push(`${name} is missing from the candidate (required)`);
    }
    return diff;
  }
  const failures =
    candidate.kind === 'number'
      ? gateNumber(diff, candidate, match, direction, hasBaseline)
      : gateNotNumber(diff, candidate, match);
  if (failures === undefined) return diff;
  if (failures.length > 0) {
    diff.status = 'fail';
    diff.reasons.push(...failures);
  } else if (diff.gated && plainStatus === 'info') {
    diff.status = 'pass';
  }
  return diff;
}

/** The status a metric has before any rule: removed, new, unchanged, or just shown. */
function plainStatusOf(
  candidate: MetricValue | undefined,
  baseline: MetricValue | undefined,
  hasBaseline: boolean,
): MetricStatus {
  if (candidate === undefined) return 'removed';
  if (hasBaseline && baseline === undefined) return 'new';
  if (baseline !== undefined && sameValue(candidate, baseline)) return 'unchanged';
  return 'info';
}

function thresholdsOf(rule: Omit<Rule, 'pattern'>): RuleThreshold[] {
  return THRESHOLDS.filter((key) => rule[key] !== undefined);
}

/**
 * Text such as a model name is shown, not gated; `required` is met by its presence. An
 * explicit rule with bounds fails: its bound cannot be met.
 */
function gateNotNumber(diff: MetricDiff, candidate: MetricValue, match: Match): string[] {
  const { rule } = match;
  const thresholds = thresholdsOf(rule);
  const failures: string[] = [];
  if (thresholds.length > 0 && !match.isDefault) {
    failures.push(
      `${diff.name} is ${describeValue(candidate)}, not a number, so ${thresholds.map((key) => describeThreshold(rule, key)).join(' and ')} cannot be met`,
    );
  }
  diff.gated = failures.length > 0 || rule.required === true;
  if (!diff.gated && thresholds.length > 0)
    diff.reasons.push('not gated: not a number (only numbers are compared)');
  return failures;
}

/**
 * A number against the thresholds that can be checked: regression limits need a direction
 * and a numeric baseline, and say so when they are left out. Undefined: nothing gates it.
 */
function gateNumber(
  diff: MetricDiff,
  candidate: Extract<MetricValue, { kind: 'number' }>,
  match: Match,
  direction: Direction | undefined,
  hasBaseline: boolean,
): string[] | undefined {
  const { rule } = match;
  const { name, baseline } = diff;
  let thresholds = thresholdsOf(rule);
  const needsDirection = thresholds.some(
    (key) => key === 'maxRegression' || key === 'maxRegressionPct',
  );
  if (needsDirection && !direction) {
    thresholds = thresholds.filter((key) => key === 'min' || key === 'max');
    diff.reasons.push(
      `not gated for regression: which way is better cannot be inferred from the name ${name}; add a rule with direction: higher or lower`,
    );
  }
  // Regression limits need a numeric baseline: without one they check nothing, and the
  // table must not show a check that passed.
  const comparable = baseline?.kind === 'number';
  const unchecked: RuleThreshold[] = comparable
    ? []
    : thresholds.filter((key) => key === 'maxRegression' || key === 'maxRegressionPct');
  if (unchecked.length > 0) {
    thresholds = thresholds.filter((key) => !unchecked.includes(key));
    diff.reasons.push(
      `${unchecked.map((key) => THRESHOLD_NAME[key]).join(' and ')} not checked: ${hasBaseline ? `no baseline value for ${name}` : 'no baseline'}`,
    );
  }
  diff.gated = thresholds.length > 0 || rule.required === true;
  // Not gated: the status stays what the values say; a metric new in the candidate is `new`
  // (what a reviewer must see), and the reason says why it is not gated.
  if (!diff.gated) return undefined;
  return thresholds.length > 0
    ? checkNumber(name, candidate, baseline, rule, thresholds, direction)
    : [];
}
