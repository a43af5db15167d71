import { describe, expect, it } from 'vitest';
import { evaluateGate } from '../../../src/core/gate/evaluate.js';
import { buildGateReport } from '../../../src/core/gate/report.js';
import { parseRules } from '../../../src/core/gate/rules.js';
import { parseMetrics } from '../../../src/core/metrics/parsers-all.js';

describe('10,000 metrics', () => {
  it('gates and reports every one, with exact counts', () => {
    const candidate: Record<string, Record<string, number>> = {};
    const baseline: Record<string, Record<string, number>> = {};
    for (let i = 0; i < 10_000; i++) {
      const slice = `s${i}`;
      // every 100th regresses by 0.1 (> 0.05 allowed), every 10th otherwise improves, the rest are unchanged
      const base = 0.5 + (i % 7) / 100;
      const value = i % 100 === 0 ? base - 0.1 : i % 10 === 0 ? base + 0.01 : base;
      baseline[slice] = { recall: Number(base.toFixed(2)) };
      candidate[slice] = { recall: Number(value.toFixed(2)) };
    }
    const rules = parseRules('metrics:\n  "*.recall":\n    max_regression: 0.05\n', 'rules.yml');
    const result = evaluateGate(
      [parseMetrics(JSON.stringify(candidate), 'json', 'candidate.json')],
      [parseMetrics(JSON.stringify(baseline), 'json', 'baseline.json')],
      rules,
      'main',
    );
    const count = (status: string) => result.diffs.filter((diff) => diff.status === status).length;
    expect(result.diffs).toHaveLength(10_000);
    expect(count('fail')).toBe(100);
    expect(count('pass')).toBe(900);
    expect(count('unchanged')).toBe(9_000);
    expect(result.verdict).toBe('fail');

    const report = buildGateReport(result, { key: 'quality-gate' });
    expect(report.summary).toBe('100 of 10000 gated metrics failed against main');
    expect(report.tests).toHaveLength(10_000);
    const block = report.sections[0]!.blocks[0]!;
    expect(block.type === 'table' && block.rows.length).toBe(1_000);
    expect(block.type === 'table' && block.folded?.summary).toBe('9000 unchanged metrics');
    expect(report.outputs['failed-metrics']!.split(',')).toHaveLength(100);
  });
});
