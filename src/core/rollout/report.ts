import type { Block, Cell, Chart, Report, Status } from '../report/model.js';
import type { ControlResult, RolloutResult } from './run.js';
import type { MeasurementPhase } from './model.js';
import { describeState } from './safety.js';

const PHASE_STATUS: Record<MeasurementPhase, Status> = {
  Successful: 'pass',
  Failed: 'fail',
  Inconclusive: 'warn',
  Error: 'fail',
};

/** The rollout's report: the verdict, a timeline table, and a chart of weight and the main metric over time. */
export function buildRolloutReport(result: RolloutResult, key: string): Report {
  const { spec } = result;
  const promoted = result.outcome === 'promoted';
  const passed = promoted || result.outcome === 'passed';
  const start = result.timeline[0] ? Date.parse(result.timeline[0].at) : 0;
  const elapsed = (at: string) => `${Math.round((Date.parse(at) - start) / 1000)}s`;
  const rows: Cell[][] = result.timeline.map((entry) => [
    elapsed(entry.at),
    entry.step,
    { text: `${entry.weight} %`, align: 'right' },
    entry.measurement
      ? { status: PHASE_STATUS[entry.measurement.phase], label: entry.measurement.phase }
      : null,
    entry.measurement ? `${entry.measurement.metric}: ${entry.measurement.reason}` : entry.event,
  ]);
  const blocks: Block[] = [
    {
      type: 'table',
      columns: [
        { title: 'time', align: 'right' },
        { title: 'step' },
        { title: 'canary weight', align: 'right' },
        { title: 'verdict' },
        { title: 'event' },
      ],
      rows,
    },
  ];
  const chart = timelineChart(result);
  const sections = [{ title: 'Timeline', blocks }];
  if (chart)
    sections.push({ title: 'Weight and metric over time', blocks: [{ type: 'chart', chart }] });
  const summary = promoted
    ? `${spec.canary.name} promoted: all traffic on it (${spec.strategy}).`
    : result.outcome === 'passed'
      ? `${spec.canary.name} passed the shadow analysis on a copy of live traffic; not promoted (promote: false). Users got ${spec.stable.name}'s answers throughout; mirroring is off${result.finalState ? ` (read back: ${describeState(result.finalState)})` : ''}.`
      : `${spec.canary.name} not promoted (${result.outcome}): ${result.reason}. All traffic is on ${spec.stable.name}${result.finalState ? ` (read back: ${describeState(result.finalState)})` : ''}.`;
  const measurements = result.analyses.flatMap((a) => a.result.measurements);
  return {
    command: 'rollout',
    key,
    title: `Rollout of ${spec.canary.name}`,
    verdict: passed ? 'pass' : 'fail',
    summary:
      result.error && !result.finalState
        ? `${spec.canary.name} not promoted: ${result.error.message}`
        : summary,
    notes: result.notes.map((text) => ({ level: 'warning' as const, text })),
    sections,
    tests: result.analyses.flatMap((a) =>
      a.result.metrics.map((m) => ({
        suite: `rollout ${a.label}`,
        name: m.name,
        status: m.phase === 'Successful' ? ('pass' as const) : ('fail' as const),
        ...(m.phase === 'Successful' ? {} : { message: `${m.phase}: ${m.reason}` }),
      })),
    ),
    measurements: measurements
      .filter((m) => m.value !== undefined && Number.isFinite(m.value))
      .map((m) => ({
        name: `rollout_${m.metric.replace(/[^A-Za-z0-9_]/g, '_')}`,
        value: m.value!,
        labels: { version: spec.canary.name },
      })),
    outputs: { outcome: result.outcome, promoted: String(promoted) },
    data: {
      rollout: {
        outcome: result.outcome,
        reason: result.reason,
        strategy: spec.strategy,
        stable: spec.stable.name,
        canary: spec.canary.name,
        finalState: result.finalState ?? null,
        timeline: result.timeline,
      },
    },
  };
}

/** Weight and the first metric measured, at each measurement and weight change. */
function timelineChart(result: RolloutResult): Chart | undefined {
  const main = result.timeline.find((e) => e.measurement?.value !== undefined)?.measurement?.metric;
  const points = result.timeline.filter((e) =>
    e.measurement ? e.measurement.metric === main && e.measurement.value !== undefined : true,
  );
  if (points.length < 2 || main === undefined) return undefined;
  const start = Date.parse(points[0]!.at);
  let lastValue: number | null = null;
  const metricValues = points.map((e) => {
    if (e.measurement?.value !== undefined) lastValue = e.measurement.value;
    return lastValue;
  });
  // xychart cannot leave gaps: points before the first measurement carry its value.
  const first = metricValues.find((v) => v !== null) ?? null;
  return {
    title: `Canary weight (%) and ${main}`,
    kind: 'line',
    xLabels: points.map((e) => `${Math.round((Date.parse(e.at) - start) / 1000)}s`),
    series: [
      { name: 'canary weight %', values: points.map((e) => e.weight) },
      { name: main, values: metricValues.map((v) => v ?? first) },
    ],
  };
}

/** The report of `status`, `promote` and `abort`. */
export function buildControlReport(action: string, result: ControlResult, key: string): Report {
  return {
    command: 'rollout',
    key,
    title: `Rollout ${action}`,
    verdict: 'pass',
    summary: result.message,
    notes: [],
    sections: [],
    tests: [],
    measurements: [],
    outputs: { outcome: result.outcome },
    data: {
      rollout: {
        action,
        outcome: result.outcome,
        state: result.state ?? null,
        progress: result.progress ?? null,
      },
    },
  };
}
