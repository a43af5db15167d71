import { describe, expect, it } from 'vitest';
import { splitKey } from '../../../src/core/gate/keys.js';
import type { Rule } from '../../../src/core/gate/model.js';
import { compilePattern, compileRules } from '../../../src/core/gate/pattern.js';

const rules = (...patterns: string[]): Rule[] => patterns.map((pattern) => ({ pattern }));

describe('pattern matching', () => {
  it('`*` matches exactly one dotted segment', () => {
    const matches = compilePattern('slices.*.recall');
    expect(matches('slices.us.recall')).toBe(true);
    expect(matches('slices.us.eu.recall')).toBe(false);
    expect(matches('slices.recall')).toBe(false);
    expect(compilePattern('*')('accuracy')).toBe(true);
    expect(compilePattern('*')('eval.accuracy')).toBe(false);
  });

  it('`*` inside a segment matches within it', () => {
    expect(compilePattern('*_loss')('val_loss')).toBe(true);
    expect(compilePattern('*_loss')('eval.val_loss')).toBe(false);
    expect(compilePattern('a+b.*')('a+b.c')).toBe(true);
  });

  it('the most specific rule wins: fewest wildcards, then longest, then first written', () => {
    const matcher = compileRules(
      rules('*.*.recall', 'slices.*.recall', 'slices.us.recall', '*.*.*'),
    );
    expect(matcher.match('slices.us.recall')?.pattern).toBe('slices.us.recall');
    expect(matcher.match('slices.eu.recall')?.pattern).toBe('slices.*.recall');
    expect(matcher.match('groups.eu.recall')?.pattern).toBe('*.*.recall');
    expect(matcher.match('groups.eu.f1')?.pattern).toBe('*.*.*');
    expect(matcher.match('accuracy')).toBeUndefined();
    const tie = compileRules(rules('a.*', '*.b'));
    expect(tie.match('a.b')?.pattern).toBe('a.*');
    const longer = compileRules(rules('*.recall', 'eval_*.recall'));
    expect(longer.match('eval_us.recall')?.pattern).toBe('eval_*.recall');
  });

  it('OpenMetrics label sets stay one segment', () => {
    expect(splitKey('a.b{le="0.5"}.c')).toEqual(['a', 'b{le="0.5"}', 'c']);
    expect(splitKey('m{path="a.\\"b"}')).toEqual(['m{path="a.\\"b"}']);
    expect(compilePattern('latency_ms{*}')('latency_ms{quantile="0.5"}')).toBe(true);
    expect(compilePattern('latency_ms*')('latency_ms{quantile="0.5"}')).toBe(true);
  });
});
