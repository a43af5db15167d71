import { describe, expect, it } from 'vitest';
import { evaluateGate } from '../../../src/core/gate/evaluate.js';
import { buildGateReport } from '../../../src/core/gate/report.js';
import { parseRules } from '../../../src/core/gate/rules.js';
import { parseMetrics } from '../../../src/core/metrics/parsers-all.js';
import type { Block } from '../../../src/core/report/model.js';

const candidate = parseMetrics(
  JSON.stringify({
    model: 'v2',
    accuracy: 0.7,
    loss: 0.3,
    auc: 0.9,
    f1: 0.8,
    epochs: 3,
    drift: Number.NaN,
  }).replace('"drift":null', '"drift":NaN'),
  'json',
  'eval/metrics.json',
);
const baseline = parseMetrics(
  '{"model": "v1", "accuracy": 0.75, "loss": 0.3, "f1": 0.8, "epochs": 3, "old": true, "drift": 0.1}',
  'json',
  'base.json',
);
const rules = parseRules(
  'metrics:\n  accuracy: { min: 0.80, max_regression: 0.01 }\n  f1: { max_regression: 0 }\n  auc: { min: 0.5 }\n',
  'rules.yml',
);

function table(block: Block | undefined) {
  if (block?.type !== 'table') throw new Error('expected a table');
  return block;
}

describe('buildGateReport', () => {
  const result = evaluateGate([candidate], [baseline], rules, 'main@abc1234');
  const report = buildGateReport(result, { key: 'qg', rules });

  it('has a headline, verdict, identity and notes', () => {
    expect(report).toMatchObject({
      command: 'quality-gate',
      key: 'qg',
      title: 'Quality gate',
      verdict: 'fail',
    });
    expect(report.summary).toBe('1 of 3 gated metrics failed against main@abc1234');
  });

  it('one table per file, attention first, unchanged folded', () => {
    expect(report.sections.map((section) => section.title)).toEqual(['eval/metrics.json']);
    const t = table(report.sections[0]!.blocks[0]);
    expect(t.columns.map((column) => column.title)).toEqual([
      'Metric',
      'Baseline',
      'Candidate',
      'Δ',
      'Δ %',
      'Status',
      'Rule / reason',
    ]);
    expect(
      t.rows.map((row) => [
        (row[0] as { text: string }).text,
        (row[5] as { status: string }).status,
      ]),
    ).toEqual([
      ['accuracy', 'fail'],
      ['auc', 'new'],
      ['old', 'removed'],
      ['model', 'info'],
      ['drift', 'info'],
    ]);
    expect(t.rows[0]).toEqual([
      { text: 'accuracy', code: true },
      '0.75',
      '0.7',
      '-0.05',
      '-6.67\u00a0%',
      { status: 'fail' },
      '0.7 is below min 0.80; regressed by 0.05 (6.67\u00a0%), allowed 0.01',
    ]);
    expect(t.rows[1]![6]).toBe('min 0.5');
    expect(t.folded?.summary).toBe('3 unchanged metrics');
    expect(t.folded?.rows.map((row) => (row[0] as { text: string }).text)).toEqual([
      'loss',
      'f1',
      'epochs',
    ]);
    expect(t.folded?.rows[1]![6]).toBe('max_regression 0');
  });

  it('the Δ % column is at one precision: two decimals on every row', () => {
    const r = buildGateReport(
      evaluateGate(
        [parseMetrics('{"a": 1.02, "b": 0.972, "c": 1.0029}', 'json', 'c.json')],
        [parseMetrics('{"a": 1, "b": 1, "c": 1}', 'json', 'b.json')],
        undefined,
      ),
      { key: 'qg' },
    );
    expect(table(r.sections[0]!.blocks[0]).rows.map((row) => row[4])).toEqual([
      '+2.00\u00a0%',
      '-2.80\u00a0%',
      '+0.29\u00a0%',
    ]);
  });

  it('JUnit testcases for gated metrics only, suite = file', () => {
    expect(report.tests).toEqual([
      {
        suite: 'eval/metrics.json',
        name: 'accuracy',
        status: 'fail',
        file: 'eval/metrics.json',
        message:
          'accuracy 0.7 is below min 0.80; accuracy regressed by 0.05 (6.67\u00a0%), allowed 0.01',
        detail: 'baseline 0.75, candidate 0.7, rule accuracy',
      },
      { suite: 'eval/metrics.json', name: 'auc', status: 'pass', file: 'eval/metrics.json' },
      { suite: 'eval/metrics.json', name: 'f1', status: 'pass', file: 'eval/metrics.json' },
    ]);
  });

  it('measurements, outputs and the JSON data contract', () => {
    expect(report.measurements).toContainEqual({
      name: 'accuracy',
      value: 0.7,
      labels: { file: 'eval/metrics.json' },
      help: 'candidate value; with kind="delta": candidate minus baseline',
    });
    // The delta is a sample of the metric's own family: a name suffix could collide.
    expect(report.measurements).toContainEqual({
      name: 'accuracy',
      value: -0.05,
      labels: { file: 'eval/metrics.json', kind: 'delta' },
      help: 'candidate value; with kind="delta": candidate minus baseline',
    });
    expect(report.measurements.some((m) => m.name === 'drift')).toBe(false);
    expect(report.outputs).toEqual({ passed: 'false', 'failed-metrics': 'accuracy' });
    expect(report.data).toEqual({
      verdict: 'fail',
      baseline: 'main@abc1234',
      metrics: [
        {
          file: 'eval/metrics.json',
          name: 'model',
          baseline: 'v1',
          candidate: 'v2',
          delta: null,
          status: 'info',
          rule: null,
        },
        {
          file: 'eval/metrics.json',
          name: 'accuracy',
          baseline: 0.75,
          candidate: 0.7,
          delta: -0.05,
          status: 'fail',
          rule: 'accuracy',
        },
        {
          file: 'eval/metrics.json',
          name: 'loss',
          baseline: 0.3,
          candidate: 0.3,
          delta: 0,
          status: 'unchanged',
          rule: null,
        },
        {
          file: 'eval/metrics.json',
          name: 'auc',
          baseline: null,
          candidate: 0.9,
          delta: null,
          status: 'new',
          rule: 'auc',
        },
        {
          file: 'eval/metrics.json',
          name: 'f1',
          baseline: 0.8,
          candidate: 0.8,
          delta: 0,
          status: 'unchanged',
          rule: 'f1',
        },
        {
          file: 'eval/metrics.json',
          name: 'epochs',
          baseline: 3,
          candidate: 3,
          delta: 0,
          status: 'unchanged',
          rule: null,
        },
        {
          file: 'eval/metrics.json',
          name: 'drift',
          baseline: 0.1,
          candidate: 'NaN',
          delta: null,
          status: 'info',
          rule: null,
        },
        {
          file: 'eval/metrics.json',
          name: 'old',
          baseline: true,
          candidate: null,
          delta: null,
          status: 'removed',
          rule: null,
        },
      ],
    });
    expect(JSON.parse(JSON.stringify(report.data))).toEqual(report.data);
  });

  it('headlines for a pass, for no rules, and without a baseline', () => {
    const good = parseMetrics('{"accuracy": 0.9, "f1": 0.8, "auc": 0.9}', 'json', 'm.json');
    const pass = evaluateGate([good], [good], rules, 'main');
    expect(buildGateReport(pass, { key: 'qg' }).summary).toBe(
      'all 3 gated metrics passed against main',
    );
    expect(buildGateReport(pass, { key: 'qg' }).outputs).toEqual({
      passed: 'true',
      'failed-metrics': '',
    });
    const none = evaluateGate([candidate], [baseline], undefined, 'main');
    expect(buildGateReport(none, { key: 'qg', title: 'Model gate' })).toMatchObject({
      title: 'Model gate',
      verdict: 'pass',
      summary: '8 metrics reported, none gated, compared with main',
      notes: [{ level: 'info', text: 'No rules file: metrics are reported, not gated.' }],
      tests: [],
    });
    // Only the rule for auc: a rule that matches no metric is bad input now.
    const single = evaluateGate([parseMetrics('{"auc": 0.9}', 'json', 'm.json')], [undefined], {
      ...rules,
      rules: rules.rules.filter((rule) => rule.pattern === 'auc'),
    });
    expect(buildGateReport(single, { key: 'qg' }).summary).toBe('the 1 gated metric passed');
    expect(buildGateReport(single, { key: 'qg' }).data).toMatchObject({ baseline: null });
  });
});
