import { UsageError } from '../errors.js';
import type { MetricsSet, MetricValue } from '../metrics/model.js';
import {
  abs,
  compare,
  decimalFromNumber,
  multiply,
  parseDecimal,
  percentChange,
  sign,
  subtract,
  toNumber,
  toPlainString,
  type Decimal,
} from '../numbers/decimal.js';
import { formatDelta, formatMetricValue, formatPercent } from '../numbers/format.js';
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
import { compilePattern, compileRules, type RuleMatcher } from './pattern.js';
import { editDistance } from '../text/edit-distance.js';
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
 * - A metric matched only by `default`, whose direction the name does not tell, is `info`:
 *   a regression rule cannot be applied without knowing which way is worse.
 * All comparisons are decimal-exact on the written texts.
 *
 * Against MLflow's MetricThreshold (mlflow.models.MetricThreshold), where they overlap:
 * - `threshold` with `greater_is_better` = our `min` (direction higher) or `max` (lower); both
 *   inclusive, as MLflow's >= / <=. We allow min and max together, direction-free.
 * - `min_absolute_change` demands an improvement of at least that much; `max_regression` allows a
 *   worsening of at most that much: `max_regression: x` ≡ `min_absolute_change: -x`, and
 *   `max_regression: 0` ≡ MLflow's "must not get worse" (candidate >= baseline, inclusive).
 * - `min_relative_change` is a fraction of the baseline value; `max_regression_pct` is percent
 *   of |baseline|. Taking |baseline| keeps "worse" meaning worse for negative metrics (r2 < 0);
 *   MLflow multiplies by the signed baseline. A zero baseline allows no relative worsening.
 * - Both require a direction for change rules; MLflow takes it explicitly (`greater_is_better`),
 *   we also infer it from well-known names. MLflow has no `max` beside `threshold`, no
 *   `required`, and no default rule.
 */
export function evaluateGate(
  candidates: MetricsSet[],
  baselines: (MetricsSet | undefined)[],
  rules: RuleSet | undefined,
  baselineLabel?: string,
): GateResult {
  if (rules) refuseUnmatchedRules(candidates, baselines, rules);
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

  pushAll(diffs, missingRequired(candidates, diffs, rules));

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
  const diff: MetricDiff = {
    file,
    name,
    baseline,
    candidate,
    delta: change?.delta ?? null,
    deltaPct: change?.deltaPct ?? null,
    status: 'info',
    reasons: [],
    gated: false,
  };
  if (change?.text !== undefined) diff.deltaText = change.text;
  if (direction) diff.direction = direction;
  if (match) diff.rule = match.label;
  if (match?.rule.place) diff.rulePlace = match.rule.place;

  const plainStatus: MetricStatus =
    candidate === undefined
      ? 'removed'
      : hasBaseline && baseline === undefined
        ? 'new'
        : baseline !== undefined && sameValue(candidate, baseline)
          ? 'unchanged'
          : 'info';
  diff.status = plainStatus;
  if (!match) {
    if (rules && plainStatus === 'info') diff.reasons.push('not gated: no rule matches it');
    return diff;
  }

  const rule = match.rule;
  if (candidate === undefined) {
    if (rule.required) {
      diff.gated = true;
      diff.status = 'fail';
      diff.reasons.push(`${name} is missing from the candidate (required)`);
    }
    return diff;
  }

  let thresholds = (['min', 'max', 'maxRegression', 'maxRegressionPct'] as const).filter(
    (key) => rule[key] !== undefined,
  );
  const failures: string[] = [];

  if (candidate.kind !== 'number') {
    if (thresholds.length > 0 && !match.isDefault) {
      failures.push(
        `${name} is ${describeValue(candidate)}, not a number, so ${thresholds.map((key) => describeThreshold(rule, key)).join(' and ')} cannot be met`,
      );
    }
    // Otherwise text such as a model name is shown, not gated; `required` is met by its presence.
    diff.gated = failures.length > 0 || rule.required === true;
  } else {
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
    if (!diff.gated) {
      if (plainStatus !== 'unchanged') diff.status = unchecked.length > 0 ? plainStatus : 'info';
      return diff;
    }
    if (thresholds.length > 0)
      failures.push(...checkNumber(name, candidate, baseline, rule, thresholds, direction));
  }

  if (failures.length > 0) {
    diff.status = 'fail';
    diff.reasons.push(...failures);
  } else if (diff.gated && plainStatus === 'info') {
    diff.status = 'pass';
  }
  return diff;
}

function checkNumber(
  name: string,
  candidate: Extract<MetricValue, { kind: 'number' }>,
  baseline: MetricValue | undefined,
  rule: Omit<Rule, 'pattern'>,
  thresholds: RuleThreshold[],
  direction: Direction | undefined,
): string[] {
  const shown = formatMetricValue(candidate);
  const value = decimalOf(candidate);
  if (!value) {
    return [
      `${name} is ${shown}, which fails ${thresholds.map((key) => describeThreshold(rule, key)).join(' and ')}`,
    ];
  }
  const failures: string[] = [];
  if (rule.min !== undefined && compare(value, decimalFromNumber(rule.min)!) < 0) {
    failures.push(`${name} ${shown} is below min ${written(rule, 'min')}`);
  }
  if (rule.max !== undefined && compare(value, decimalFromNumber(rule.max)!) > 0) {
    failures.push(`${name} ${shown} is above max ${written(rule, 'max')}`);
  }
  const regressionKeys = thresholds.filter(
    (key) => key === 'maxRegression' || key === 'maxRegressionPct',
  );
  if (regressionKeys.length === 0 || !direction || baseline?.kind !== 'number') return failures;
  const base = decimalOf(baseline);
  if (!base) return failures; // A NaN baseline cannot be regressed from; the candidate is judged on its own.

  const worsening = direction === 'higher' ? subtract(base, value) : subtract(value, base);
  if (sign(worsening) <= 0) return failures;
  const pct = percentChange(worsening, base);
  const by = `${name} regressed by ${formatDelta(worsening).replace(/^\+/, '')}${pct === null ? '' : ` (${formatPercent(pct)})`}`;
  if (
    rule.maxRegression !== undefined &&
    compare(worsening, decimalFromNumber(rule.maxRegression)!) > 0
  ) {
    failures.push(`${by}, allowed ${written(rule, 'maxRegression')}`);
  }
  if (rule.maxRegressionPct !== undefined) {
    const allowed = decimalFromNumber(rule.maxRegressionPct)!;
    // worsening / |base| × 100 > allowed  ⇔  worsening × 100 > allowed × |base|, exact.
    const exceeds =
      base.coef === 0n ||
      compare(multiply(worsening, { coef: 100n, exp: 0 }), multiply(allowed, abs(base))) > 0;
    if (exceeds) {
      const from =
        base.coef === 0n ? ' from 0 (any worsening of a zero baseline is unbounded in %)' : '';
      failures.push(`${by}${from}, allowed ${written(rule, 'maxRegressionPct')}\u00a0%`);
    }
  }
  return failures;
}

/** Parsed once per value: the delta, the equality test and the rules all need it. */
/**
 * The last few values' decimals: evaluating one metric reads its candidate and baseline twice
 * (same value? then the delta). A WeakMap kept every decimal of a million-metric run alive.
 */
const recent: { value: MetricValue; decimal: Decimal | null }[] = [];

function decimalOf(value: Extract<MetricValue, { kind: 'number' }>): Decimal | undefined {
  for (const entry of recent) if (entry.value === value) return entry.decimal ?? undefined;
  const decimal = Number.isFinite(value.value)
    ? (parseDecimal(value.text) ?? decimalFromNumber(value.value) ?? null)
    : null;
  if (recent.length >= 4) recent.shift();
  recent.push({ value, decimal });
  return decimal ?? undefined;
}

function numericChange(
  candidate: MetricValue | undefined,
  baseline: MetricValue | undefined,
): { delta: number; deltaPct: number | null; text?: string } | undefined {
  if (candidate?.kind !== 'number' || baseline?.kind !== 'number') return undefined;
  // JSON has no NaN or Infinity: a delta involving them is null, and the values speak for themselves.
  if (!Number.isFinite(candidate.value) || !Number.isFinite(baseline.value)) return undefined;
  const c = decimalOf(candidate);
  const b = decimalOf(baseline);
  if (!c || !b) {
    const delta = candidate.value - baseline.value;
    return {
      delta,
      deltaPct: baseline.value === 0 ? null : (delta / Math.abs(baseline.value)) * 100,
    };
  }
  const delta = subtract(c, b);
  return { delta: toNumber(delta), deltaPct: percentChange(delta, b), text: toPlainString(delta) };
}

function sameValue(a: MetricValue, b: MetricValue): boolean {
  if (a.kind === 'number' && b.kind === 'number') {
    if (!Number.isFinite(a.value) || !Number.isFinite(b.value)) return Object.is(a.value, b.value);
    const x = decimalOf(a);
    const y = decimalOf(b);
    return x && y ? compare(x, y) === 0 : a.value === b.value;
  }
  if (a.kind === 'null' || b.kind === 'null') return a.kind === b.kind;
  return a.kind === b.kind && a.value === b.value;
}

function written(rule: Omit<Rule, 'pattern'>, key: RuleThreshold): string {
  return rule.written?.[key] ?? String(rule[key]);
}

const THRESHOLD_NAME: Record<RuleThreshold, string> = {
  min: 'min',
  max: 'max',
  maxRegression: 'max_regression',
  maxRegressionPct: 'max_regression_pct',
};

function describeThreshold(rule: Omit<Rule, 'pattern'>, key: RuleThreshold): string {
  return `${THRESHOLD_NAME[key]} ${written(rule, key)}`;
}

function describeValue(value: MetricValue): string {
  switch (value.kind) {
    case 'text':
      return JSON.stringify(value.value);
    case 'boolean':
      return String(value.value);
    case 'null':
      return 'null';
    case 'number':
      return formatMetricValue(value);
  }
}

/** A `required` rule no candidate metric matches at all (in any file) fails once, on its pattern. */
function missingRequired(
  candidates: MetricsSet[],
  diffs: MetricDiff[],
  rules: RuleSet | undefined,
): MetricDiff[] {
  const missing: MetricDiff[] = [];
  for (const rule of rules?.rules ?? []) {
    if (!rule.required) continue;
    const matches = compilePattern(rule.pattern);
    // Present in some candidate, or already failed as removed from one: nothing more to say.
    if (
      diffs.some(
        (diff) => (diff.candidate !== undefined || diff.status === 'fail') && matches(diff.name),
      )
    )
      continue;
    const wildcard = rule.pattern.includes('*');
    missing.push({
      file: candidates[0]?.file ?? '',
      name: rule.pattern,
      baseline: undefined,
      candidate: undefined,
      delta: null,
      deltaPct: null,
      status: 'fail',
      rule: rule.pattern,
      reasons: [
        wildcard
          ? `no candidate metric matches ${rule.pattern} (required)`
          : `${rule.pattern} is missing from the candidate (required)`,
      ],
      gated: true,
      ...(rule.direction ? { direction: rule.direction } : {}),
    });
  }
  return missing;
}

/**
 * A rule that matches no metric in any candidate or baseline is almost always a typo
 * (`acuracy`), and a typo must not pass the gate silently: bad input, exit 2. A rule meant
 * for metrics that only some runs report says so with `required: false`; a rule with
 * `required: true` that matches nothing is a failed verdict instead (see missingRequired).
 */
function refuseUnmatchedRules(
  candidates: MetricsSet[],
  baselines: (MetricsSet | undefined)[],
  rules: RuleSet,
): void {
  const names = new Set<string>();
  for (const set of [...candidates, ...baselines]) {
    if (set) for (const name of set.values.keys()) names.add(name);
  }
  const unmatched = rules.rules.filter((rule) => {
    if (rule.required !== undefined) return false;
    const matches = compilePattern(rule.pattern);
    for (const name of names) if (matches(name)) return false;
    return true;
  });
  const [first] = unmatched;
  if (!first) return;
  const describe = (rule: Rule): string => {
    const near = rule.pattern.includes('*') ? undefined : nearestName(rule.pattern, names);
    const line = rule.place?.line !== undefined ? `line ${rule.place.line}: ` : '';
    return `${line}${JSON.stringify(rule.pattern)}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ''}`;
  };
  const file = first.place?.file ?? rules.file;
  throw new UsageError(
    `${unmatched.length === 1 ? 'a rule matches' : `${unmatched.length} rules match`} no metric: ${unmatched.map(describe).join('; ')}`,
    {
      place: { ...(file ? { file } : {}), ...first.place, key: `metrics.${first.pattern}` },
      hint: `fix the name (metrics: ${[...names].slice(0, 8).join(', ')}${names.size > 8 ? ', …' : ''}), or add \`required: false\` to a rule for a metric that only some runs report`,
    },
  );
}

function nearestName(pattern: string, names: ReadonlySet<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(pattern.length / 4)) + 1;
  for (const name of names) {
    if (Math.abs(name.length - pattern.length) >= bestDistance) continue;
    const distance = editDistance(pattern.toLowerCase(), name.toLowerCase());
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}
