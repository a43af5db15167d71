import { describe, expect, it } from 'vitest';
import { usageError } from '../support/errors.js';
import { inferPatternDirection } from '../../../src/core/gate/direction.js';
import { evaluateGate } from '../../../src/core/gate/evaluate.js';
import type { MetricDiff } from '../../../src/core/gate/model.js';
import { parseRules } from '../../../src/core/gate/rules.js';
import { parseMetrics } from '../../../src/core/metrics/parsers-all.js';

const json = (value: string, file = 'metrics.json') => parseMetrics(value, 'json', file);
const byName = (diffs: MetricDiff[]) => Object.fromEntries(diffs.map((diff) => [diff.name, diff]));

function gate(candidate: string, baseline: string | undefined, rulesYaml: string) {
  const result = evaluateGate(
    [json(candidate)],
    [baseline === undefined ? undefined : json(baseline, 'base.json')],
    parseRules(rulesYaml, 'gate.yml'),
    baseline === undefined ? undefined : 'main',
  );
  return { result, diffs: byName(result.diffs) };
}

describe('a rule that matches no metric', () => {
  it('is bad input naming the file, line and pattern, with the near metric name', () => {
    const error = usageError(() =>
      gate(
        '{"accuracy": 0.9, "loss": 0.2}',
        '{"accuracy": 0.9, "loss": 0.2}',
        'metrics:\n  loss: { max: 1 }\n  acuracy: { min: 0.95 }\n',
      ),
    );
    expect(error.exitCode).toBe(2);
    expect(error.place).toMatchObject({ file: 'gate.yml', line: 3, key: 'metrics.acuracy' });
    expect(error.message).toContain('"acuracy"');
    expect(error.message).toContain('did you mean "accuracy"?');
    expect(error.hint).toContain('required: false');
  });

  it('names every unmatched rule, wildcards too', () => {
    const error = usageError(() =>
      gate('{"accuracy": 0.9}', undefined, 'metrics:\n  "slices.*.recall": {}\n  f2: { min: 0 }\n'),
    );
    expect(error.message).toMatch(
      /2 rules match no metric: line 2: "slices\.\*\.recall"; line 3: "f2"/,
    );
  });

  it('counts a metric only the baseline has as a match (a removed metric is no typo)', () => {
    const { diffs } = gate(
      '{"a_loss": 1}',
      '{"a_loss": 1, "gone_loss": 1}',
      'metrics:\n  gone_loss: { max: 2 }\n',
    );
    expect(diffs.gone_loss!.status).toBe('removed');
  });

  it('is allowed with required: false (a metric only some runs report)', () => {
    const { result } = gate(
      '{"accuracy": 0.9}',
      undefined,
      'metrics:\n  latency_ms: { max: 100, required: false }\n',
    );
    expect(result.verdict).toBe('pass');
  });

  it('fails the verdict (not bad input) with required: true, as before', () => {
    const { result } = gate('{"accuracy": 0.9}', undefined, 'metrics:\n  f1: { required: true }\n');
    expect(result.verdict).toBe('fail');
  });
});

describe('regression rules without a baseline', () => {
  it('show the metric as not checked instead of passed, verdict still pass', () => {
    const { result, diffs } = gate(
      '{"accuracy": 0.9}',
      undefined,
      'metrics:\n  accuracy: { max_regression_pct: 1 }\n',
    );
    expect(result.verdict).toBe('pass');
    expect(diffs.accuracy).toMatchObject({
      status: 'info',
      gated: false,
      reasons: ['max_regression_pct not checked: no baseline'],
    });
  });

  it('show a metric the baseline lacks as new, not checked', () => {
    const { diffs } = gate(
      '{"accuracy": 0.9, "f1": 0.5}',
      '{"f1": 0.5}',
      'metrics:\n  accuracy: { max_regression: 0 }\n  f1: {}\n',
    );
    expect(diffs.accuracy).toMatchObject({
      status: 'new',
      gated: false,
      reasons: ['max_regression not checked: no baseline value for accuracy'],
    });
  });
});

describe('direction of wildcard patterns with a unit suffix', () => {
  it.each(['*_ms', '*_seconds', 'eval.*_ms', '*_loss', 'val_*_auc'])(
    '%s is inferred',
    (pattern) => {
      expect(inferPatternDirection(pattern)).toBeDefined();
    },
  );

  it('accepts regression rules on *_ms and *_seconds, and gates them as lower', () => {
    const { diffs } = gate(
      '{"p95_ms": 130, "train_seconds": 50}',
      '{"p95_ms": 100, "train_seconds": 60}',
      'metrics:\n  "*_ms": { max_regression_pct: 10 }\n  "*_seconds": { max_regression: 0 }\n',
    );
    expect(diffs.p95_ms).toMatchObject({ status: 'fail', direction: 'lower' });
    expect(diffs.train_seconds).toMatchObject({ status: 'pass', direction: 'lower' });
  });

  it('still refuses a pattern whose words tell nothing', () => {
    expect(() => parseRules('metrics:\n  "*_x": { max_regression: 0 }\n', 'gate.yml')).toThrow(
      /direction cannot be inferred/,
    );
  });
});

describe('a rule with only direction or required', () => {
  it('keeps the default thresholds instead of turning the gate off', () => {
    const { result, diffs } = gate(
      '{"score": 0.5, "accuracy": 0.8}',
      '{"score": 0.9, "accuracy": 0.9}',
      'metrics:\n  score: { direction: higher }\n  accuracy: { required: true }\ndefault: { max_regression_pct: 0 }\n',
    );
    expect(result.verdict).toBe('fail');
    expect(diffs.score).toMatchObject({ status: 'fail', gated: true, rule: 'score + default' });
    expect(diffs.accuracy).toMatchObject({ status: 'fail', rule: 'accuracy + default' });
  });

  it('does not merge default into a rule that sets a threshold of its own', () => {
    const { diffs } = gate(
      '{"accuracy": 0.85}',
      '{"accuracy": 0.9}',
      'metrics:\n  accuracy: { min: 0.8 }\ndefault: { max_regression_pct: 0 }\n',
    );
    expect(diffs.accuracy).toMatchObject({ status: 'pass', rule: 'accuracy' });
  });

  it('keeps its own direction over the name and default', () => {
    const { diffs } = gate(
      '{"loss": 0.5}',
      '{"loss": 0.4}',
      'metrics:\n  loss: { direction: higher }\ndefault: { max_regression: 0 }\n',
    );
    expect(diffs.loss).toMatchObject({ status: 'pass', direction: 'higher' });
  });
});
