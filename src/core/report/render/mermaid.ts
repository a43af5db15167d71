import { stripControlChars } from '../escape.js';
import type { Chart } from '../model.js';
import { plainDecimal } from './cells.js';

const MAX_LABEL = 40;
/** Titles carry what a chart measures and its threshold: they get more room than axis labels. */
const MAX_TITLE = 80;
/** What an empty label shows: `""` on an axis stops Mermaid's parser. */
const EMPTY_LABEL = '(empty)';

/**
 * Text for a double-quoted Mermaid string. Mermaid has no escape for `"` inside a string,
 * decodes `#name;` entity codes anywhere in a diagram, and may read `<…>` and backticks as
 * markup in labels, and reads `%%` as a comment (`%%{` as a directive) even inside a string;
 * those characters get look-alikes so the label shows as written and can never end the
 * string or the diagram. An empty label shows as `(empty)`.
 */
export function mermaidLabel(text: string, maxLength = MAX_LABEL): string {
  let label = stripControlChars(text, ' ')
    .trim()
    .replace(/["`]/g, "'")
    .replace(/</g, '‹')
    .replace(/>/g, '›')
    .replace(/%/g, '％')
    .replace(/#(?=[A-Za-z0-9]+;)/g, '＃');
  if (label === '') label = EMPTY_LABEL;
  const chars = Array.from(label);
  if (chars.length > maxLength) label = chars.slice(0, maxLength - 1).join('') + '…';
  return `"${label}"`;
}

export interface MermaidChart {
  /** The diagram source, without the fence. */
  source: string;
  /** Points dropped because a series had no finite value there. */
  droppedPoints: number;
  /** Series names in drawing order: xychart-beta has no legend of its own. */
  seriesNames: string[];
}

/**
 * A Mermaid `xychart-beta` (rendered natively by GitHub and GitLab). xychart has no way to
 * leave a gap, so an x position where any series lacks a finite value is dropped and counted.
 * Returns undefined when nothing is left to draw.
 */
export function mermaidXyChart(chart: Chart): MermaidChart | undefined {
  const keep: number[] = [];
  chart.xLabels.forEach((_label, index) => {
    const complete = chart.series.every((series) => {
      const value = series.values[index];
      return typeof value === 'number' && Number.isFinite(value);
    });
    if (complete) keep.push(index);
  });
  if (keep.length === 0 || chart.series.length === 0) return undefined;

  const lines = ['xychart-beta'];
  if (chart.title.trim() !== '') lines.push(`    title ${mermaidLabel(chart.title, MAX_TITLE)}`);
  lines.push(
    `    x-axis [${keep.map((index) => mermaidLabel(chart.xLabels[index] ?? '')).join(', ')}]`,
  );
  const yTitle = chart.yLabel ?? (chart.series.length === 1 ? chart.series[0]?.name : undefined);
  const threshold =
    chart.threshold !== undefined && Number.isFinite(chart.threshold) && chart.threshold > 0
      ? chart.threshold
      : undefined;
  let range = '';
  if (threshold !== undefined) {
    // From 0, and up to the threshold at least, so a small distance looks small.
    const top = Math.max(
      threshold,
      ...chart.series.flatMap((s) => keep.map((i) => s.values[i] as number)),
    );
    range = ` 0 --> ${plainDecimal(Number((top * 1.1).toPrecision(3)))}`;
  }
  if (yTitle !== undefined && yTitle.trim() !== '')
    lines.push(`    y-axis ${mermaidLabel(yTitle)}${range}`);
  else if (range !== '') lines.push(`    y-axis${range}`);
  for (const series of chart.series) {
    const values = keep.map((index) => plainDecimal(series.values[index] as number));
    lines.push(`    ${chart.kind} [${values.join(', ')}]`);
  }
  if (threshold !== undefined)
    lines.push(`    line [${keep.map(() => plainDecimal(threshold)).join(', ')}]`);
  return {
    source: lines.join('\n'),
    droppedPoints: chart.xLabels.length - keep.length,
    seriesNames: chart.series.map((series) => series.name),
  };
}
