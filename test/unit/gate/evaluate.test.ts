import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { evaluateGate } from '../../../src/core/gate/evaluate.js';
import type { MetricDiff, RuleSet } from '../../../src/core/gate/model.js';
import { loadRules, parseRules } from '../../../src/core/gate/rules.js';
import { loadMetricsFile, parseMetrics } from '../../../src/core/metrics/parsers-all.js';
import type { MetricsSet } from '../../../src/core/metrics/model.js';

const json = (value: string, file = 'metrics.json'): MetricsSet =>
  parseMetrics(value, 'json', file);
const rules = (yaml: string): RuleSet => parseRules(yaml, 'rules.yml');
const byName = (diffs: MetricDiff[]) => Object.fromEntries(diffs.map((diff) => [diff.name, diff]));

function gate(candidate: string, baseline: string | undefined, rulesYaml?: string) {
  const result = evaluateGate(
    [json(candidate)],
    [baseline === undefined ? undefined : json(baseline, 'base.json')],
    rulesYaml === undefined ? undefined : rules(rulesYaml),
    baseline === undefined ? undefined : 'main@abc1234',
  );
  return { result, diffs: byName(result.diffs) };
}

describe('evaluateGate statuses', () => {
  it('pass, fail, new, removed, unchanged and info', () => {
    const { result, diffs } = gate(
      '{"accuracy": 0.92, "loss": 0.40, "f1": 0.8, "roc_auc": 0.9, "epochs": 12, "model": "v2"}',
      '{"accuracy": 0.90, "loss": 0.30, "f1": 0.8, "gone": 1, "epochs": 10, "model": "v1"}',
      'metrics:\n  accuracy: { max_regression: 0 }\n  loss: { max_regression: 0.05 }\n  f1: { min: 0.5 }\n  roc_auc: { min: 0.5 }\n',
    );
    expect(result.verdict).toBe('fail');
    expect(diffs.accuracy).toMatchObject({
      status: 'pass',
      delta: 0.02,
      deltaText: '0.02',
      gated: true,
      rule: 'accuracy',
      direction: 'higher',
    });
    expect(diffs.loss).toMatchObject({
      status: 'fail',
      delta: 0.1,
      gated: true,
      direction: 'lower',
    });
    expect(diffs.loss!.reasons).toEqual(['loss regressed by 0.10 (33.33\u00a0%), allowed 0.05']);
    expect(diffs.f1).toMatchObject({ status: 'unchanged', gated: true, delta: 0 });
    expect(diffs.roc_auc).toMatchObject({ status: 'new', gated: true, delta: null });
    expect(diffs.gone).toMatchObject({ status: 'removed', gated: false, candidate: undefined });
    expect(diffs.epochs).toMatchObject({
      status: 'info',
      gated: false,
      reasons: ['not gated: no rule matches it'],
    });
    expect(diffs.model).toMatchObject({ status: 'info', gated: false });
    expect(result.notes).toEqual([]);
    expect(result.baselineLabel).toBe('main@abc1234');
  });

  it('a metric new in the candidate that no rule can gate is `new`, saying why it is not gated', () => {
    const { result, diffs } = gate(
      '{"accuracy": 0.9, "widgets": 3, "model": "v2"}',
      '{"accuracy": 0.9, "model": "v2"}',
      'metrics:\n  accuracy: { min: 0.5 }\ndefault:\n  max_regression_pct: 2\n',
    );
    expect(result.verdict).toBe('pass');
    expect(diffs.widgets).toMatchObject({ status: 'new', gated: false });
    expect(diffs.widgets!.reasons.join(' ')).toMatch(/not gated for regression/);
  });

  it('text under a regression rule is shown with why it is not gated, not the rule', () => {
    const { diffs } = gate(
      '{"model": "v2"}',
      '{"model": "v1"}',
      'metrics: {}\ndefault:\n  max_regression_pct: 2\n',
    );
    expect(diffs.model).toMatchObject({ status: 'info', gated: false });
    expect(diffs.model!.reasons).toEqual(['not gated: not a number (only numbers are compared)']);
  });

  it('0.75 → 0.70 is a regression of exactly 0.05, and boundaries are inclusive', () => {
    const { diffs } = gate(
      '{"accuracy": 0.70, "recall": 0.79, "f1": 0.75, "precision": 0.80}',
      '{"accuracy": 0.75, "recall": 0.80, "f1": 0.80, "precision": 0.81}',
      'metrics:\n  accuracy: { max_regression: 0.05 }\n  recall: { min: 0.79, max_regression_pct: 1.25 }\n  f1: { max_regression: 0.049 }\n  precision: { max_regression_pct: 1.2345679 }\n',
    );
    expect(diffs.accuracy).toMatchObject({ status: 'pass', delta: -0.05, deltaText: '-0.05' });
    // 0.01 / 0.80 is exactly 1.25\u00a0%, though (0.80 - 0.79) / 0.80 * 100 is 1.2500000000000013 in doubles
    expect(((0.8 - 0.79) / 0.8) * 100).toBeGreaterThan(1.25);
    expect(diffs.recall).toMatchObject({ status: 'pass' });
    // 0.01 / 0.81 = 1.23456790…% is just above 1.2345679 %
    expect(diffs.precision!.reasons).toEqual([
      'precision regressed by 0.01 (1.23\u00a0%), allowed 1.2345679\u00a0%',
    ]);
    expect(diffs.f1!.reasons).toEqual(['f1 regressed by 0.05 (6.25\u00a0%), allowed 0.049']);
  });

  it('min and max are absolute and quote the written numbers', () => {
    const { diffs } = gate(
      '{"accuracy": 0.70, "latency_ms": 130}',
      undefined,
      'metrics:\n  accuracy: { min: 0.80 }\n  latency_ms: { max: 120.0 }\n',
    );
    expect(diffs.accuracy!.reasons).toEqual(['accuracy 0.70 is below min 0.80']);
    expect(diffs.latency_ms!.reasons).toEqual(['latency_ms 130 is above max 120.0']);
  });

  it('max_regression_pct is in percent of |baseline|, also for negative baselines', () => {
    const { diffs } = gate(
      '{"r2": -0.55, "loss": 0.0, "error": 0.1}',
      '{"r2": -0.50, "loss": 0.1, "error": 0}',
      'metrics:\n  r2: { max_regression_pct: 5 }\n  loss: { max_regression_pct: 0 }\n  error: { max_regression_pct: 50 }\n',
    );
    expect(diffs.r2!.reasons).toEqual(['r2 regressed by 0.05 (10\u00a0%), allowed 5\u00a0%']);
    expect(diffs.r2!.deltaPct).toBeCloseTo(-10, 10);
    expect(diffs.loss!.status).toBe('pass'); // better is never a failure
    expect(diffs.error!.status).toBe('fail'); // any worsening from a zero baseline
    expect(diffs.error!.reasons[0]).toMatch(/from 0/);
    expect(diffs.error!.deltaPct).toBeNull();
  });

  it('NaN and ±Infinity fail every rule that touches them', () => {
    const { diffs } = gate(
      '{"accuracy": NaN, "auc": Infinity, "loss": -Infinity, "recall": NaN}',
      '{"accuracy": 0.9, "auc": 0.9, "loss": 0.3, "recall": NaN}',
      'metrics:\n  accuracy: { min: 0.5 }\n  auc: { min: 0.5 }\n  loss: { max_regression: 1 }\n',
    );
    expect(diffs.accuracy).toMatchObject({
      status: 'fail',
      delta: null,
      reasons: ['accuracy is NaN, which fails min 0.5'],
    });
    expect(diffs.auc).toMatchObject({ status: 'fail', reasons: ['auc is ∞, which fails min 0.5'] });
    expect(diffs.loss).toMatchObject({
      status: 'fail',
      reasons: ['loss is -∞, which fails max_regression 1'],
    });
    // ungated NaN → NaN is simply unchanged
    expect(diffs.recall).toMatchObject({ status: 'unchanged', gated: false });
  });

  it('a NaN baseline does not block the candidate', () => {
    const { diffs } = gate(
      '{"accuracy": 0.9}',
      '{"accuracy": NaN}',
      'metrics:\n  accuracy: { max_regression: 0 }\n',
    );
    expect(diffs.accuracy).toMatchObject({ status: 'pass', delta: null });
  });

  it('non-numeric values are shown, never gated by the default; an explicit bound on them fails', () => {
    const { result, diffs } = gate(
      '{"model": "v2", "notes": null, "accuracy": "n/a", "calibrated": true}',
      '{"model": "v1", "notes": null, "accuracy": 0.9, "calibrated": false}',
      'metrics:\n  accuracy: { min: 0.8 }\ndefault: { max_regression_pct: 0 }\n',
    );
    expect(diffs.model).toMatchObject({
      status: 'info',
      gated: false,
      delta: null,
      rule: 'default',
    });
    expect(diffs.notes).toMatchObject({ status: 'unchanged', gated: false });
    expect(diffs.calibrated).toMatchObject({ status: 'info', gated: false });
    expect(diffs.accuracy).toMatchObject({
      status: 'fail',
      reasons: ['accuracy is "n/a", not a number, so min 0.8 cannot be met'],
    });
    expect(result.verdict).toBe('fail');
  });

  it('the default rule gates inferable names and reports the rest as info, saying why', () => {
    const { result, diffs } = gate(
      '{"val_loss": 0.5, "throughput": 90, "samples": 10}',
      '{"val_loss": 0.4, "throughput": 100, "samples": 10}',
      'default: { max_regression_pct: 0 }\n',
    );
    expect(diffs.val_loss).toMatchObject({ status: 'fail', rule: 'default', gated: true });
    expect(diffs.throughput).toMatchObject({ status: 'info', rule: 'default', gated: false });
    expect(diffs.throughput!.reasons[0]).toMatch(
      /cannot be inferred from the name throughput; add a rule with direction/,
    );
    expect(diffs.samples).toMatchObject({ status: 'unchanged', gated: false });
    expect(result.verdict).toBe('fail');
  });

  it('required: a removed metric fails, a metric missing everywhere fails once', () => {
    const { result, diffs } = gate(
      '{"accuracy": 0.9}',
      '{"accuracy": 0.9, "f1": 0.8}',
      'metrics:\n  f1: { required: true }\n  auc: { required: true, min: 0.5 }\n  "slices.*.recall": { required: true }\n  accuracy: { required: true }\n',
    );
    expect(diffs.f1).toMatchObject({
      status: 'fail',
      gated: true,
      reasons: ['f1 is missing from the candidate (required)'],
    });
    expect(diffs.auc).toMatchObject({
      status: 'fail',
      file: 'metrics.json',
      reasons: ['auc is missing from the candidate (required)'],
    });
    expect(diffs['slices.*.recall']).toMatchObject({
      status: 'fail',
      reasons: ['no candidate metric matches slices.*.recall (required)'],
    });
    expect(diffs.accuracy).toMatchObject({ status: 'unchanged', gated: true });
    expect(result.diffs.filter((diff) => diff.name === 'f1')).toHaveLength(1);
  });

  it('without a baseline: absolute rules only, and a plain note', () => {
    const { result, diffs } = gate(
      '{"accuracy": 0.9, "loss": 0.5}',
      undefined,
      'metrics:\n  accuracy: { min: 0.8, max_regression: 0 }\n  loss: { max_regression: 0 }\n',
    );
    expect(diffs.accuracy).toMatchObject({ status: 'pass', gated: true, baseline: undefined });
    // Nothing was compared for loss: the table must not claim a check passed.
    expect(diffs.loss).toMatchObject({
      status: 'info',
      gated: false,
      reasons: ['max_regression not checked: no baseline'],
    });
    expect(diffs.accuracy!.reasons).toEqual(['max_regression not checked: no baseline']);
    expect(result.verdict).toBe('pass');
    expect(result.notes).toEqual([
      'No baseline: only absolute rules (min, max, required) were checked; regression rules need a baseline.',
    ]);
  });

  it('without rules: report only, verdict pass', () => {
    const { result, diffs } = gate(
      '{"accuracy": 0.5, "loss": NaN}',
      '{"accuracy": 0.9, "loss": 0.1}',
    );
    expect(result.verdict).toBe('pass');
    expect(diffs.accuracy).toMatchObject({ status: 'info', gated: false, reasons: [] });
    expect(result.notes).toContain('No rules file: metrics are reported, not gated.');
  });

  it('the most specific rule decides', () => {
    const { diffs } = gate(
      '{"slices": {"us": {"recall": 0.5}, "eu": {"recall": 0.5}}}',
      '{"slices": {"us": {"recall": 0.9}, "eu": {"recall": 0.9}}}',
      'metrics:\n  "slices.*.recall": { max_regression: 0.5 }\n  slices.us.recall: { max_regression: 0.1 }\n',
    );
    expect(diffs['slices.us.recall']).toMatchObject({ status: 'fail', rule: 'slices.us.recall' });
    expect(diffs['slices.eu.recall']).toMatchObject({ status: 'pass', rule: 'slices.*.recall' });
  });

  it('pairs several files with their baselines and notes a missing one', () => {
    const result = evaluateGate(
      [json('{"accuracy": 0.9}', 'a.json'), json('{"loss": 0.2}', 'b.json')],
      [json('{"accuracy": 0.8}', 'a.json'), undefined],
      rules('metrics:\n  loss: { max: 0.1 }\n'),
    );
    expect(result.diffs.map((diff) => [diff.file, diff.name, diff.status])).toEqual([
      ['a.json', 'accuracy', 'info'],
      ['b.json', 'loss', 'fail'],
    ]);
    expect(result.notes).toEqual([
      'No baseline for b.json: only absolute rules (min, max, required) were checked; regression rules need a baseline.',
    ]);
  });

  it('gates the fixture classifier: one slice recall fails, the pass candidate passes', async () => {
    const fixture = (name: string) =>
      fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));
    const baseline = await loadMetricsFile(fixture('metrics/baseline.json'), {
      displayPath: 'baseline.json',
    });
    const ruleSet = await loadRules(fixture('rules/rules.yml'));
    const failing = evaluateGate(
      [await loadMetricsFile(fixture('metrics/candidate.json'), { displayPath: 'candidate.json' })],
      [baseline],
      ruleSet,
      'main',
    );
    expect(failing.verdict).toBe('fail');
    expect(
      failing.diffs
        .filter((diff) => diff.status === 'fail')
        .map((diff) => [diff.name, diff.reasons]),
    ).toEqual([
      [
        'eval.classes.bird.recall',
        ['eval.classes.bird.recall regressed by 0.03 (3.7\u00a0%), allowed 0.02'],
      ],
    ]);
    const statuses = byName(failing.diffs);
    expect(statuses['roc_auc']!.status).toBe('new');
    expect(statuses['calibration_error']!.status).toBe('removed');
    expect(statuses['model.name']!.status).toBe('info');
    expect(statuses['train.epochs']!.status).toBe('unchanged');
    const passing = evaluateGate(
      [await loadMetricsFile(fixture('metrics/candidate-pass.json'))],
      [baseline],
      ruleSet,
      'main',
    );
    expect(passing.verdict).toBe('pass');
  });
});
