import type { Block, Cell, Report, Status } from '../report/model.js';
import type { ControlResult, RolloutResult } from './run.js';
import type { MeasurementPhase, TimelineEntry } from './model.js';
import { describeState } from './safety.js';

const PHASE_STATUS: Record<MeasurementPhase, Status> = {
  Successful: 'pass',
  Failed: 'fail',
  Inconclusive: 'warn',
  Error: 'fail',
};

/** The rollout's report: the verdict, a timeline table, and charts of weight and each metric over time. */
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
  const sections = [{ title: 'Timeline', blocks }];
  const charts = timelineCharts(result);
  if (charts.length > 0) sections.push({ title: 'Weight and metrics over time', blocks: charts });
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

/** At most this many metric charts (beside the weight chart): a comment stays readable. */
export const MAX_METRIC_CHARTS = 4;

const seconds = (at: string, start: number) => `${Math.round((Date.parse(at) - start) / 1000)}s`;

/**
 * The charts: the canary's weight over time (and, for a shadow rollout, when it was mirrored),
 * then one chart per metric on its own scale (canary, and stable where it was measured on the
 * same window), each point labelled with its time and the canary's weight then. Metrics past
 * MAX_METRIC_CHARTS are named in a line under the charts, never dropped silently.
 */
export function timelineCharts(result: RolloutResult): Block[] {
  const { timeline } = result;
  if (timeline.length === 0) return [];
  const start = Date.parse(timeline[0]!.at);
  const blocks: Block[] = [];

  // Weight: the first entry, each change, and the last entry.
  const changes = timeline.filter(
    (entry, i) =>
      i === 0 ||
      i === timeline.length - 1 ||
      entry.weight !== timeline[i - 1]!.weight ||
      entry.mirror !== timeline[i - 1]!.mirror,
  );
  const mirrored = timeline.some((entry) => entry.mirror !== undefined);
  if (changes.length >= 2) {
    blocks.push({
      type: 'chart',
      chart: {
        title: mirrored ? 'Canary weight and mirrored share (%)' : 'Canary weight (%)',
        kind: 'line',
        xLabels: changes.map((e) => seconds(e.at, start)),
        series: [
          { name: 'canary weight %', values: changes.map((e) => e.weight) },
          ...(mirrored
            ? [
                {
                  name: 'mirrored to canary %',
                  values: changes.map((e) => (e.mirror !== undefined ? 100 : 0)),
                },
              ]
            : []),
        ],
      },
    });
  }

  // One chart per metric, in the order they were first measured.
  const byMetric = new Map<string, TimelineEntry[]>();
  for (const entry of timeline) {
    const m = entry.measurement;
    if (m?.value === undefined || !Number.isFinite(m.value)) continue;
    const list = byMetric.get(m.metric) ?? [];
    list.push(entry);
    byMetric.set(m.metric, list);
  }
  const metrics = [...byMetric.keys()];
  for (const name of metrics.slice(0, MAX_METRIC_CHARTS)) {
    const points = byMetric.get(name)!;
    const withStable = points.every(
      (e) =>
        e.measurement!.stableValue !== undefined && Number.isFinite(e.measurement!.stableValue),
    );
    blocks.push({
      type: 'chart',
      chart: {
        title: withStable ? `${name}: canary and stable` : `${name} (canary)`,
        kind: 'line',
        xLabels: points.map(
          (e) => `${seconds(e.at, start)} · ${e.mirror !== undefined ? 'shadow' : `${e.weight} %`}`,
        ),
        series: [
          {
            name: `${result.spec.canary.name} (canary)`,
            values: points.map((e) => e.measurement!.value!),
          },
          ...(withStable
            ? [
                {
                  name: `${result.spec.stable.name} (stable)`,
                  values: points.map((e) => e.measurement!.stableValue!),
                },
              ]
            : []),
        ],
      },
    });
  }
  const left = metrics.slice(MAX_METRIC_CHARTS);
  if (left.length > 0) {
    blocks.push({
      type: 'paragraph',
      content: [
        `${left.length} more metric${left.length === 1 ? '' : 's'} not charted (at most ${MAX_METRIC_CHARTS} charts): ${left.join(', ')}; every measurement is in the timeline.`,
      ],
    });
  }
  return blocks;
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
