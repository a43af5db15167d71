import { describe, expect, it } from 'vitest';
import { scoreOrderOf } from '../../../src/core/predictions/auc.js';
import { judgePredictions } from '../../../src/core/predictions/judge.js';
import { buildPredictionsReport } from '../../../src/core/predictions/report.js';
import type { LoadedPredictions } from '../../../src/core/predictions/read.js';
import { parseRules } from '../../../src/core/gate/rules.js';
import { cellsOf } from './support.js';

/** Generated scores: the label's signal plus a deterministic noise, rounded (ties). */
function scores(label: number[], signal: number, salt: number): number[] {
  return label.map((y, i) => {
    const noise = (((i * 2654435761 + salt * 40503) >>> 0) % 1000) / 1000;
    return Math.round((y * signal + noise) * 50) / 50;
  });
}

function loaded(label: number[], a: number[], b: number[]): LoadedPredictions {
  const predictA = a.map((s) => (s > 0.5 ? 1 : 0));
  const predictB = b.map((s) => (s > 0.5 ? 1 : 0));
  return {
    task: 'classification',
    taskReason: 'given',
    positive: '1',
    groups: [
      {
        examples: label.length,
        units: cellsOf(label, predictA, predictB),
        scores: scoreOrderOf(label, a, b),
      },
    ],
    paired: label.length,
    onlyCandidate: { count: 0, examples: [] },
    onlyBaseline: { count: 0, examples: [] },
    flips: { worse: 0, better: 0, worst: [] },
  };
}

const options = { resamples: 500, seed: 3, confidence: 0.95, minSliceSize: 30 };
const label = Array.from({ length: 2000 }, (_, i) => (i % 5 < 2 ? 1 : 0));

describe('rules on AUC', () => {
  it('min: fails when the candidate AUC is below it', () => {
    const data = loaded(label, scores(label, 0.6, 1), scores(label, 0.2, 2));
    const rules = parseRules('metrics:\n  auc: { min: 0.8 }\n', 'r.yml');
    const judged = judgePredictions(data, rules, options);
    const auc = judged.metrics.find((m) => m.key === 'auc')!;
    expect(auc.candidate).toBeLessThan(0.8);
    expect(auc.status).toBe('fail');
    expect(auc.reasons.join(' ')).toMatch(/below its minimum 0.8/);
  });

  it('max_regression: fails beyond noise, passes within it and says so', () => {
    const clear = loaded(label, scores(label, 0.6, 1), scores(label, 0.3, 2));
    const slight = loaded(label, scores(label, 0.6, 1), scores(label, 0.58, 2));
    const rules = parseRules(
      'metrics:\n  auc: { max_regression: 0.001, confidence: 0.99 }\n',
      'r.yml',
    );
    const failed = judgePredictions(clear, rules, options).metrics.find((m) => m.key === 'auc')!;
    expect(failed.significance).toBe('regressed');
    expect(failed.status).toBe('fail');
    expect(failed.interval![1]).toBeLessThan(-0.001);
    const noise = judgePredictions(slight, rules, options).metrics.find((m) => m.key === 'auc')!;
    expect(noise.delta).toBeLessThan(-0.001);
    expect(noise.status).toBe('pass');
    expect(noise.reasons.join(' ')).toContain('within noise');
    expect(noise.confidence).toBe(0.99);
  });

  it('one label only: undefined, a warning with its reason, never a pass', () => {
    const ones = label.map(() => 1);
    const data = loaded(ones, scores(ones, 0.5, 1), scores(ones, 0.5, 2));
    const rules = parseRules('metrics:\n  auc: { min: 0.5 }\n', 'r.yml');
    const judged = judgePredictions(data, rules, options);
    const auc = judged.metrics.find((m) => m.key === 'auc')!;
    expect(auc.significance).toBe('undefined');
    expect(auc.status).toBe('warn');
    expect(auc.interval).toBeUndefined();
    expect(auc.reasons.join(' ')).toMatch(/every example is positive.*rule is not applied/);
    const report = buildPredictionsReport(data, judged, { candidate: 'c.csv', baseline: 'b.csv' });
    expect(report.notes.map((n) => n.text).join('\n')).toContain(
      'AUC is undefined where the examples hold one label only',
    );
    expect(report.tests.find((t) => t.name === 'auc')?.status).toBe('skip');
    expect(report.failed).not.toContain('auc');
  });

  it('gives the same interval for the same seed', () => {
    const data = loaded(label, scores(label, 0.6, 1), scores(label, 0.5, 2));
    const interval = () =>
      judgePredictions(data, undefined, options).metrics.find((m) => m.key === 'auc')!.interval;
    expect(interval()).toEqual(interval());
  });
});
