import { splitKey } from './keys.js';
import type { Rule } from './model.js';

/**
 * Which rule applies to a metric key.
 *
 * A pattern is a flattened key whose segments may contain `*`. A lone `*` matches exactly one
 * dotted segment (`slices.*.recall` matches `slices.us.recall`, not `slices.us.eu.recall`); a `*`
 * inside a segment matches any characters within it (`*_loss` matches `val_loss`).
 * When several patterns match, the most specific wins: fewest `*`, then the most literal
 * characters, then the one written first. So `slices.us.recall` beats `slices.*.recall`, which
 * beats `*.*.recall`.
 */
export interface RuleMatcher {
  match(key: string): Rule | undefined;
}

interface CompiledPattern {
  rule: Rule;
  segments: (string | RegExp)[];
}

function wildcardCount(pattern: string): number {
  return pattern.split('*').length - 1;
}

function compileSegment(segment: string): string | RegExp {
  if (!segment.includes('*')) return segment;
  if (segment === '*') return /^.*$/s;
  const source = segment
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's');
}

function compile(rule: Rule): CompiledPattern {
  return { rule, segments: splitKey(rule.pattern).map(compileSegment) };
}

function matchesSegments(compiled: CompiledPattern, segments: string[]): boolean {
  if (compiled.segments.length !== segments.length) return false;
  for (let i = 0; i < segments.length; i++) {
    const want = compiled.segments[i]!;
    const have = segments[i]!;
    if (typeof want === 'string' ? want !== have : !want.test(have)) return false;
  }
  return true;
}

/** A test for one pattern alone, regardless of any more specific rule. */
export function compilePattern(pattern: string): (key: string) => boolean {
  if (!pattern.includes('*')) return (key) => key === pattern;
  const compiled = compile({ pattern });
  return (key) => matchesSegments(compiled, splitKey(key));
}

export function compileRules(rules: readonly Rule[]): RuleMatcher {
  const exact = new Map<string, Rule>();
  const bySegments = new Map<number, CompiledPattern[]>();
  const ordered = rules
    .map((rule, index) => ({ rule, index }))
    .sort(
      (a, b) =>
        wildcardCount(a.rule.pattern) - wildcardCount(b.rule.pattern) ||
        literalLength(b.rule.pattern) - literalLength(a.rule.pattern) ||
        a.index - b.index,
    );
  for (const { rule } of ordered) {
    if (!rule.pattern.includes('*')) {
      if (!exact.has(rule.pattern)) exact.set(rule.pattern, rule);
      continue;
    }
    const compiled = compile(rule);
    const list = bySegments.get(compiled.segments.length) ?? [];
    list.push(compiled);
    bySegments.set(compiled.segments.length, list);
  }
  return {
    match(key: string): Rule | undefined {
      const found = exact.get(key);
      if (found) return found;
      if (bySegments.size === 0) return undefined;
      const segments = splitKey(key);
      for (const compiled of bySegments.get(segments.length) ?? []) {
        if (matchesSegments(compiled, segments)) return compiled.rule;
      }
      return undefined;
    },
  };
}

function literalLength(pattern: string): number {
  return pattern.length - wildcardCount(pattern);
}
