import type { HistoryPoint } from '../baseline/history.js';
import type { MetricsSet } from '../metrics/model.js';
import type { Block } from '../report/model.js';
import type { GateResult, MetricDiff } from './model.js';

const ORDER: Record<MetricDiff['status'], number> = {
  fail: 0,
  pass: 1,
  new: 2,
  info: 3,
  unchanged: 4,
  removed: 5,
};

/**
 * Line charts of the most telling metrics over the baseline's history, the candidate last:
 * failed metrics first, then the largest relative changes. One chart per metric, because
 * metrics live on different scales (a latency beside an accuracy flattens both).
 */
export function historyCharts(
  result: GateResult,
  history: readonly HistoryPoint[],
  candidates: readonly MetricsSet[],
  maxCharts = 4,
): Block[] {
  if (history.length < 2) return [];
  const chosen = result.diffs
    .filter(
      (diff) =>
        diff.candidate?.kind === 'number' &&
        Number.isFinite(diff.candidate.value) &&
        diff.status !== 'unchanged',
    )
    .sort(
      (a, b) =>
        ORDER[a.status] - ORDER[b.status] || Math.abs(b.deltaPct ?? 0) - Math.abs(a.deltaPct ?? 0),
    )
    .slice(0, maxCharts);
  const blocks: Block[] = [];
  for (const diff of chosen) {
    const fileIndex = candidates.findIndex((set) => set.file === diff.file);
    const values = history.map((point) => numberOf(point.sets[fileIndex], diff.name));
    if (values.filter((value) => value !== null).length < 2) continue;
    blocks.push({
      type: 'chart',
      chart: {
        title: diff.name,
        kind: 'line',
        xLabels: [...history.map((point) => point.label), 'candidate'],
        yLabel: diff.name,
        series: [
          {
            name: diff.name,
            values: [...values, diff.candidate?.kind === 'number' ? diff.candidate.value : null],
          },
        ],
      },
    });
  }
  return blocks;
}

function numberOf(set: MetricsSet | undefined, name: string): number | null {
  const value = set?.values.get(name);
  return value?.kind === 'number' && Number.isFinite(value.value) ? value.value : null;
}
