import type { Place } from '../errors.js';
import type { MetricValue } from '../metrics/model.js';

export type Direction = 'higher' | 'lower';

/** One rule as written in the rules file; `pattern` is the flattened key (`*` = one segment). */
export interface Rule {
  pattern: string;
  direction?: Direction;
  min?: number;
  max?: number;
  maxRegression?: number;
  maxRegressionPct?: number;
  required?: boolean;
  /**
   * Per-example comparisons (`--predictions`): the confidence of the paired bootstrap interval
   * a regression must clear before `max_regression` fails it (e.g. 0.95).
   */
  confidence?: number;
  /** Where the rule was written, for error messages and annotations. */
  place?: Place;
  /** The thresholds as written ("0.80"), so reasons quote the author's digits. */
  written?: Partial<Record<RuleThreshold, string>>;
}

export type RuleThreshold = 'min' | 'max' | 'maxRegression' | 'maxRegressionPct';

export interface RuleSet {
  rules: Rule[];
  /** For metrics matched by no rule; undefined = report only. */
  default?: Omit<Rule, 'pattern'>;
  file?: string;
}

export type MetricStatus = 'pass' | 'fail' | 'new' | 'removed' | 'unchanged' | 'info';

export interface MetricDiff {
  file: string;
  name: string;
  baseline: MetricValue | undefined;
  candidate: MetricValue | undefined;
  /** candidate − baseline, decimal-exact from the written values; null when not both numeric. */
  delta: number | null;
  /** delta / |baseline| × 100; null when baseline is 0 or missing. */
  deltaPct: number | null;
  status: MetricStatus;
  /** The rule (pattern, or `default`) that decided the status, if any. */
  rule?: string;
  /** Where that rule is written in the rules file: a failed metric is annotated there. */
  rulePlace?: Place;
  direction?: Direction;
  /** Why it failed (or why it is only informational): plain sentences. */
  reasons: string[];
  /** `delta` as an exact decimal text ("-0.05"), when both values were written as decimals. */
  deltaText?: string;
  /** Whether a rule checked this metric (one JUnit testcase per gated metric). */
  gated?: boolean;
}

export interface GateResult {
  verdict: 'pass' | 'fail';
  diffs: MetricDiff[];
  /** Said once at the top of the report (e.g. "no baseline: absolute rules only"). */
  notes: string[];
  baselineLabel: string | undefined;
}
