import type { MetricValue } from '../metrics/model.js';
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
import type { Direction, Rule, RuleThreshold } from './model.js';

/**
 * One metric value against a rule's thresholds, decimal-exact on the written texts: the
 * failures in words, the change from the baseline, and how a threshold or value is named.
 */
export function checkNumber(
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

export function numericChange(
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

export function sameValue(a: MetricValue, b: MetricValue): boolean {
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

export const THRESHOLD_NAME: Record<RuleThreshold, string> = {
  min: 'min',
  max: 'max',
  maxRegression: 'max_regression',
  maxRegressionPct: 'max_regression_pct',
};

export function describeThreshold(rule: Omit<Rule, 'pattern'>, key: RuleThreshold): string {
  return `${THRESHOLD_NAME[key]} ${written(rule, key)}`;
}

export function describeValue(value: MetricValue): string {
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
