import { describe, expect, it } from 'vitest';
import { renderReport } from '../../../src/core/report/render/index.js';
import type { Measurement, TimelineEntry } from '../../../src/core/rollout/model.js';
import {
  MAX_METRIC_CHARTS,
  buildRolloutReport,
  timelineCharts,
} from '../../../src/core/rollout/report.js';
import type { RolloutResult } from '../../../src/core/rollout/run.js';
import { parseRolloutSpec } from '../../../src/core/rollout/spec.js';

const spec = parseRolloutSpec(
  'stable: v1\ncanary: v2\nrouter: { type: builtin, admin: "http://127.0.0.1:9901" }\n',
  'r.yml',
);

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

/** A timeline: weight 10 then 50; each metric measured once at each weight. */
function timeline(metrics: { name: string; stable?: boolean }[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [{ at: at(0), step: 'start', weight: 0, event: 'start' }];
  let t = 1;
  for (const weight of [10, 50]) {
    entries.push({ at: at(t++), step: 'step', weight, event: `traffic set to ${weight}` });
    for (const m of metrics) {
      const measurement: Measurement = {
        metric: m.name,
        at: at(t),
        phase: 'Successful',
        reason: 'within limits',
        value: weight / 1000,
        ...(m.stable ? { stableValue: 0.001 } : {}),
      };
      if (m.name === 'broken') {
        delete measurement.value;
        measurement.phase = 'Error';
      }
      entries.push({ at: at(t++), step: 'step', weight, event: 'm', measurement });
    }
  }
  entries.push({ at: at(t), step: 'promote', weight: 100, event: 'promoted' });
  return entries;
}

const result = (entries: TimelineEntry[]): RolloutResult => ({
  outcome: 'promoted',
  reason: 'promoted',
  spec,
  timeline: entries,
  analyses: [],
  notes: [],
});

const markdown = (entries: TimelineEntry[]) =>
  renderReport(buildRolloutReport(result(entries), 'k'), 'markdown', {});

describe('the rollout report charts', () => {
  it('weight, then one chart per metric on its own scale, stable beside the canary where measured', () => {
    const md = markdown(
      timeline([{ name: 'error_rate', stable: true }, { name: 'latency_p99' }, { name: 'broken' }]),
    );
    // Weight + error_rate + latency_p99; a metric with no value (errors only) has no chart.
    expect(md.match(/```mermaid/g)?.length).toBe(3);
    expect(md).toContain('title "Canary weight (％)"');
    expect(md).toContain('line [0, 10, 50, 100]');
    expect(md).toContain('title "error_rate: canary and stable"');
    expect(md).toContain('title "latency_p99 (canary)"');
    // Each metric point says when and at what weight; the values are on the metric's own axis.
    expect(md).toContain('x-axis ["2s · 10 ％", "6s · 50 ％"]');
    expect(md).toContain('line [0.01, 0.05]');
    expect(md).toContain('line [0.001, 0.001]');
    expect(md).toMatch(/Series, in drawing order: v2 \(canary\), v1 \(stable\)\./);
    expect(md).not.toMatch(/not charted/);
  });

  it(`caps the metric charts at ${MAX_METRIC_CHARTS} and names the ones left out`, () => {
    const names = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'];
    const blocks = timelineCharts(result(timeline(names.map((name) => ({ name })))));
    expect(blocks.filter((b) => b.type === 'chart').length).toBe(1 + MAX_METRIC_CHARTS);
    const md = markdown(timeline(names.map((name) => ({ name }))));
    expect(md).toContain('2 more metrics not charted (at most 4 charts): m5, m6');
  });

  it('a shadow rollout shows when the canary was mirrored, and its points say shadow', () => {
    const entries: TimelineEntry[] = [
      { at: at(0), step: 'start', weight: 0, event: 'start' },
      { at: at(1), step: 'shadow', weight: 0, mirror: 'v2', event: 'mirroring' },
      {
        at: at(5),
        step: 'shadow',
        weight: 0,
        mirror: 'v2',
        event: 'm',
        measurement: { metric: 'error_rate', at: at(5), phase: 'Failed', value: 0.2, reason: 'x' },
      },
      { at: at(6), step: 'shadow', weight: 0, event: 'mirroring off' },
      { at: at(7), step: 'rollback', weight: 0, event: 'back on v1' },
    ];
    const md = markdown(entries);
    expect(md).toContain('title "Canary weight and mirrored share (％)"');
    expect(md).toContain('line [0, 100, 0, 0]');
    expect(md).toContain('x-axis ["5s · shadow"]');
  });

  it('a hostile metric name cannot break out of the diagram', () => {
    const md = markdown(timeline([{ name: 'x"]\n%%{init}%% <b>`' }]));
    const diagrams = md.match(/```mermaid\n[\s\S]*?```/g) ?? [];
    expect(diagrams.length).toBe(2);
    for (const d of diagrams) {
      expect(d).not.toMatch(/%%|<b>/);
      // Every line is one of the chart's own statements: the name never starts a line.
      for (const line of d.split('\n').slice(1, -1))
        expect(line).toMatch(/^(xychart-beta| {4}(title|x-axis|y-axis|line) )/);
    }
  });
});
