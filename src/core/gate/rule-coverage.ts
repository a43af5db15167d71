import { UsageError } from '../errors.js';
import type { MetricsSet } from '../metrics/model.js';
import type { MetricDiff, Rule, RuleSet } from './model.js';
import { compilePattern } from './pattern.js';
import { editDistance } from '../text/edit-distance.js';

/** A `required` rule no candidate metric matches at all (in any file) fails once, on its pattern. */
export function missingRequired(
  candidates: MetricsSet[],
  diffs: MetricDiff[],
  rules: RuleSet | undefined,
  /** Metrics judged elsewhere in the run (`--predictions`): one of them satisfies a rule too. */
  other?: Iterable<string>,
): MetricDiff[] {
  const missing: MetricDiff[] = [];
  for (const rule of rules?.rules ?? []) {
    if (!rule.required) continue;
    if (other && matchesAny(rule.pattern, other)) continue;
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
export function refuseUnmatchedRules(
  candidates: MetricsSet[],
  baselines: (MetricsSet | undefined)[],
  rules: RuleSet,
  other?: OtherMetrics,
): void {
  const names = new Set<string>(other?.names ?? []);
  for (const set of [...candidates, ...baselines]) {
    if (set) for (const name of set.values.keys()) names.add(name);
  }
  refuseUnmatchedNames(
    names,
    rules,
    other?.describe
      ? `metrics: ${metricsText(candidates, baselines)}; ${other.describe}`
      : undefined,
  );
}

/** Metrics a run has beside its metrics files (`--predictions`): their keys, and how to list them. */
export interface OtherMetrics {
  names: Iterable<string>;
  /** The names as a hint shows them (`prediction metrics: accuracy, …`). */
  describe: string;
}

function metricsText(candidates: MetricsSet[], baselines: (MetricsSet | undefined)[]): string {
  const names = new Set<string>();
  for (const set of [...candidates, ...baselines]) {
    if (set) for (const name of set.values.keys()) names.add(name);
  }
  return listed([...names]);
}

function listed(names: string[]): string {
  return `${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''}`;
}

/**
 * The check behind refuseUnmatchedRules on any set of metric names: a rule (not marked
 * `required`) matching none of them is exit 2, naming the rules file, the rule's line, the
 * nearest name and the names there are (`available`, else the first few names).
 */
export function refuseUnmatchedNames(
  names: ReadonlySet<string>,
  rules: RuleSet,
  available?: string,
  suggest?: (pattern: string) => string | undefined,
): void {
  const unmatched = rules.rules.filter((rule) => {
    if (rule.required !== undefined) return false;
    const matches = compilePattern(rule.pattern);
    for (const name of names) if (matches(name)) return false;
    return true;
  });
  const [first] = unmatched;
  if (!first) return;
  const describe = (rule: Rule): string => {
    const near = rule.pattern.includes('*')
      ? undefined
      : (nearestName(rule.pattern, names) ?? suggest?.(rule.pattern));
    const line = rule.place?.line !== undefined ? `line ${rule.place.line}: ` : '';
    return `${line}${JSON.stringify(rule.pattern)}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ''}`;
  };
  const file = first.place?.file ?? rules.file;
  throw new UsageError(
    `${unmatched.length === 1 ? 'a rule matches' : `${unmatched.length} rules match`} no metric: ${unmatched.map(describe).join('; ')}`,
    {
      place: { ...(file ? { file } : {}), ...first.place, key: `metrics.${first.pattern}` },
      hint: `fix the name (${available ?? `metrics: ${listed([...names])}`}), or add \`required: false\` to a rule for a metric that only some runs report`,
    },
  );
}

/** Whether some metric name matches a rule's pattern. */
export function matchesAny(pattern: string, names: Iterable<string>): boolean {
  const matches = compilePattern(pattern);
  for (const name of names) if (matches(name)) return true;
  return false;
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
