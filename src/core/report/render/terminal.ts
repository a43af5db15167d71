import { formatPlace } from '../../errors.js';
import { cleanCode, stripControlChars } from '../escape.js';
import type { Block, Cell, Chart, Column, Inline, Note, Report, Status } from '../model.js';
import { foldedCount, STATUS_ICON } from '../model.js';
import { displayWidth, truncateToWidth } from '../text-width.js';
import type { CellText } from './cells.js';
import { cellText, formatNumber } from './cells.js';
import { maxOf, minOf, pushAll } from '../../arrays.js';

export interface TerminalOptions {
  /** ANSI colours (green pass, red fail, yellow warn, dim unchanged). Off by default. */
  color?: boolean;
  /** Columns available; wide tables shrink their widest columns to fit. No limit by default. */
  width?: number;
}

type Paint = (text: string, ...codes: number[]) => string;

const STATUS_COLOR: Partial<Record<Status, number>> = {
  pass: 32,
  fail: 31,
  warn: 33,
  unchanged: 2,
  new: 36,
  removed: 35,
};

const NOTE_COLOR: Record<Note['level'], number> = { error: 31, warning: 33, info: 36 };
const GAP = '  ';
/**
 * Rows a terminal table shows; the rest is one count line. Tables list rows needing attention
 * first (failures, new, removed), and a screen of a million rows helps nobody: JSON and
 * Markdown keep every row.
 */
export const TERMINAL_MAX_ROWS = 1000;
const MIN_COLUMN = 4;

/** User text made safe for a terminal: one line, no control or escape sequences. */
function clean(text: string): string {
  return stripControlChars(text, ' ');
}

interface Renderer {
  paint: Paint;
  width: number;
}

function inlineText(pieces: Inline[]): string {
  return pieces
    .map((piece) => {
      if (typeof piece === 'string') return clean(piece);
      if ('code' in piece) return clean(piece.code);
      if ('strong' in piece) return clean(piece.strong);
      return `${clean(piece.link)} (${clean(piece.href)})`;
    })
    .join('');
}

function cellString(cell: CellText): string {
  const text = clean(cell.text);
  return cell.status === undefined ? text : `${STATUS_ICON[cell.status]} ${text}`;
}

/**
 * Column widths shrunk (widest first) until the table fits `available` columns: first no column
 * below its title (`Disti…` reads worse than a cut value), then none below MIN_COLUMN.
 */
function fitWidths(natural: number[], titles: number[], available: number): number[] {
  const widths = [...natural];
  const total = (): number =>
    widths.reduce((sum, width) => sum + width, 0) + GAP.length * (widths.length - 1);
  const shrink = (floors: number[]): void => {
    let over = total() - available;
    while (over > 0) {
      const order = widths
        .map((width, index) => ({ width, index, floor: floors[index] ?? MIN_COLUMN }))
        .filter((column) => column.width > column.floor)
        .sort((a, b) => b.width - a.width);
      const widest = order[0];
      if (widest === undefined) break;
      const next = Math.max(order[1]?.width ?? widest.floor, widest.floor, widest.width - over);
      widths[widest.index] = next === widest.width ? widest.width - 1 : next;
      over = total() - available;
    }
  };
  shrink(natural.map((width, index) => Math.min(width, Math.max(MIN_COLUMN, titles[index] ?? 0))));
  shrink(natural.map((width) => Math.min(width, MIN_COLUMN)));
  return widths;
}

/**
 * The columns a table keeps in `available` columns: optional ones (Column.optional) are left out,
 * rightmost first, while the table's natural width does not fit, so low-value columns go before
 * any cell of the others is cut.
 */
function keptColumns(columns: Column[], natural: number[], available: number): number[] {
  const kept = columns.map((_column, index) => index);
  const width = (): number =>
    kept.reduce((sum, index) => sum + (natural[index] ?? 0), 0) + GAP.length * (kept.length - 1);
  for (let index = columns.length - 1; index >= 0 && width() > available; index--)
    if (columns[index]?.optional === true && kept.length > 1) kept.splice(kept.indexOf(index), 1);
  return kept;
}

function pad(text: string, width: number, align: 'left' | 'right' | 'center'): string {
  const fitted = truncateToWidth(text, width);
  const space = Math.max(0, width - displayWidth(fitted));
  if (align === 'right') return ' '.repeat(space) + fitted;
  if (align === 'center')
    return ' '.repeat(Math.floor(space / 2)) + fitted + ' '.repeat(Math.ceil(space / 2));
  return fitted + ' '.repeat(space);
}

function renderTable(
  block: Extract<Block, { type: 'table' }>,
  out: Renderer,
  indent: string,
): string[] {
  // Two passes over the rows (widths, then lines) instead of a table of cell objects: a
  // report of a million metrics would hold hundreds of megabytes of them.
  const cellAt = (row: Cell[], index: number): CellText =>
    cellText(index < row.length ? (row[index] as Cell) : '');
  const allHeads = block.columns.map((column) => clean(column.title));
  const allNatural = allHeads.map((head) => displayWidth(head));
  const shownRows =
    block.rows.length > TERMINAL_MAX_ROWS ? block.rows.slice(0, TERMINAL_MAX_ROWS) : block.rows;
  for (const row of shownRows) {
    for (let index = 0; index < allNatural.length; index++) {
      const width = displayWidth(cellString(cellAt(row, index)));
      if (width > allNatural[index]!) allNatural[index] = width;
    }
  }
  const available = out.width - indent.length;
  const kept = keptColumns(block.columns, allNatural, available);
  const columns = kept.map((index) => block.columns[index] as Column);
  const heads = kept.map((index) => allHeads[index] as string);
  const widths = fitWidths(
    kept.map((index) => allNatural[index] ?? 0),
    heads.map((head) => displayWidth(head)),
    available,
  );
  const line = (cells: string[]): string => (indent + cells.join(GAP)).trimEnd();
  const lines: string[] = [];
  if (shownRows.length > 0) {
    const head = heads.map((title, index) =>
      pad(title, widths[index] ?? 0, columns[index]?.align ?? 'left'),
    );
    lines.push(out.paint(line(head), 1));
    lines.push(out.paint(line(widths.map((width) => '─'.repeat(width))), 2));
    for (const row of shownRows) {
      const cells = kept.map((column, index) => {
        const cell = cellAt(row, column);
        const align = cell.align ?? columns[index]?.align ?? 'left';
        const text = pad(cellString(cell), widths[index] ?? 0, align);
        const color = cell.status === undefined ? undefined : STATUS_COLOR[cell.status];
        if (color !== undefined) return out.paint(text, color);
        return cell.strong ? out.paint(text, 1) : text;
      });
      lines.push(line(cells));
    }
    const hidden = block.rows.length - shownRows.length;
    if (hidden > 0) {
      let failed = 0;
      for (let i = shownRows.length; i < block.rows.length; i++)
        if (
          block.rows[i]!.some(
            (cell) =>
              cell !== null &&
              typeof cell === 'object' &&
              'status' in cell &&
              cell.status === 'fail',
          )
        )
          failed++;
      const text = `${indent}… ${hidden} more row${hidden === 1 ? '' : 's'} not shown${failed > 0 ? `, ${failed} of them failed` : ''} (--format markdown or json shows every row)`;
      lines.push(out.paint(text, failed > 0 ? 31 : 2));
    }
    const left = allHeads.filter((_head, index) => !kept.includes(index));
    if (left.length > 0) {
      const text = `${indent}… not shown at ${out.width} columns: ${left.join(', ')} (see --format markdown)`;
      lines.push(out.paint(truncateToWidth(text, out.width), 2));
    }
  }
  const count = foldedCount(block.folded);
  if (block.folded !== undefined && count > 0) {
    const text = `${indent}… ${clean(block.folded.summary)} (${count} row${count === 1 ? '' : 's'} folded; --format markdown or json shows them)`;
    lines.push(out.paint(text, 2));
  }
  if (lines.length === 0) lines.push(`${indent}No rows.`);
  return lines;
}

const SPARK = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

function sparkline(values: (number | null)[]): string {
  const finite = values.filter(
    (value): value is number => value !== null && Number.isFinite(value),
  );
  const min = minOf(finite);
  const max = maxOf(finite);
  return values
    .map((value) => {
      if (value === null || !Number.isFinite(value)) return ' ';
      if (max === min) return SPARK[3];
      return SPARK[Math.round(((value - min) / (max - min)) * (SPARK.length - 1))];
    })
    .join('');
}

const BAR_WIDTH = 24;
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** One labelled bar per x value: a ranking (most drifted columns) reads as bars, not a trend. */
function renderBars(chart: Chart, values: (number | null)[], indent: string): string[] {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const threshold =
    chart.threshold !== undefined && Number.isFinite(chart.threshold) && chart.threshold > 0
      ? chart.threshold
      : undefined;
  const max = maxOf(finite, Math.max(0, threshold ?? 0));
  // The threshold's column, marked where a bar stops short of it.
  const mark =
    threshold === undefined
      ? -1
      : Math.min(BAR_WIDTH - 1, Math.round((threshold / max) * BAR_WIDTH) - 1);
  const labelWidth = maxOf(
    chart.xLabels.map((label) => displayWidth(clean(label))),
    0,
  );
  return chart.xLabels.map((label, index) => {
    const value = values[index];
    const known = value !== null && value !== undefined && Number.isFinite(value);
    const eighths = known && max > 0 ? Math.round((Math.max(value, 0) / max) * BAR_WIDTH * 8) : 0;
    let bar = '█'.repeat(Math.floor(eighths / 8)) + (EIGHTHS[eighths % 8] ?? '');
    if (mark >= 0 && Array.from(bar).length <= mark) bar = `${bar.padEnd(mark, ' ')}┆`;
    const shown = known ? formatNumber(value) : '—';
    return `${indent}  ${pad(clean(label), labelWidth, 'left')}  ${pad(bar, BAR_WIDTH, 'left')}  ${shown}`;
  });
}

const INTERVAL_WIDTH = 33;

/** 4 significant digits, as the tables print deltas. */
function fourDigits(value: number): string {
  if (!Number.isFinite(value)) return formatNumber(value);
  const text = String(Number(value.toPrecision(4)));
  return value > 0 ? `+${text}` : text;
}

/**
 * Intervals per label (low, point, high series) on one scale shared by every row, zero marked
 * `┆`: `├──●───┤` reads where each slice's delta and interval lie against the others.
 */
function renderIntervals(chart: Chart, indent: string): string[] {
  const [low, mid, high] = chart.series;
  const lines = [`${indent}${clean(chart.title)}`];
  if (!low || !mid || !high) return lines;
  const finite = [low, mid, high]
    .flatMap((series) => series.values)
    .filter((v): v is number => v !== null && Number.isFinite(v));
  const min = Math.min(0, minOf(finite, 0));
  const max = Math.max(0, maxOf(finite, 0));
  const span = max - min;
  const at = (value: number): number =>
    span === 0
      ? Math.floor(INTERVAL_WIDTH / 2)
      : Math.round(((value - min) / span) * (INTERVAL_WIDTH - 1));
  const labelWidth = maxOf(
    chart.xLabels.map((label) => displayWidth(clean(label))),
    0,
  );
  const zero = at(0);
  const scale =
    `${fourDigits(min)}`.padEnd(INTERVAL_WIDTH - `${fourDigits(max)}`.length) + fourDigits(max);
  lines.push(`${indent}  ${' '.repeat(labelWidth)}  ${scale}`);
  chart.xLabels.forEach((label, index) => {
    const [a, m, b] = [low.values[index], mid.values[index], high.values[index]];
    const row = Array.from<unknown, string>({ length: INTERVAL_WIDTH }, (_v, i) =>
      i === zero ? '┆' : ' ',
    );
    let text = '—';
    if (typeof m === 'number' && Number.isFinite(m)) {
      if (
        typeof a === 'number' &&
        typeof b === 'number' &&
        Number.isFinite(a) &&
        Number.isFinite(b)
      ) {
        for (let i = at(a); i <= at(b); i++) row[i] = '─';
        row[at(a)] = '├';
        row[at(b)] = '┤';
        text = `${fourDigits(m)} [${fourDigits(a)}, ${fourDigits(b)}]`;
      } else text = fourDigits(m);
      row[at(m)] = '●';
    }
    lines.push(`${indent}  ${pad(clean(label), labelWidth, 'left')}  ${row.join('')}  ${text}`);
  });
  return lines;
}

function renderChart(chart: Chart, indent: string): string[] {
  if (chart.intervals && chart.series.length === 3) return renderIntervals(chart, indent);
  const [only] = chart.series;
  if (chart.kind === 'bar' && only && chart.series.length === 1)
    return pushAll([`${indent}${clean(chart.title)}`], renderBars(chart, only.values, indent));
  const lines = [
    `${indent}${clean(chart.title)}${chart.yLabel === undefined ? '' : ` (${clean(chart.yLabel)})`}`,
  ];
  const first = chart.xLabels[0];
  const last = chart.xLabels[chart.xLabels.length - 1];
  if (first !== undefined && last !== undefined)
    lines.push(`${indent}  ${clean(first)} → ${clean(last)}`);
  const nameWidth = maxOf(
    chart.series.map((series) => displayWidth(clean(series.name))),
    0,
  );
  for (const series of chart.series) {
    const finite = series.values.filter(
      (value): value is number => value !== null && Number.isFinite(value),
    );
    const range =
      finite.length === 0
        ? 'no values'
        : `${formatNumber(minOf(finite))} … ${formatNumber(maxOf(finite))}`;
    const spark = finite.length === 0 ? '' : sparkline(series.values);
    lines.push(`${indent}  ${pad(clean(series.name), nameWidth, 'left')}  ${spark}  ${range}`);
  }
  return lines;
}

function renderBlocks(blocks: Block[], out: Renderer, indent: string): string[] {
  const lines: string[] = [];
  for (const block of blocks) {
    if (lines.length > 0) lines.push('');
    pushAll(lines, renderBlock(block, out, indent));
  }
  return lines;
}

function renderBlock(block: Block, out: Renderer, indent: string): string[] {
  switch (block.type) {
    case 'paragraph':
      return [indent + inlineText(block.content)];
    case 'table':
      return renderTable(block, out, indent);
    case 'details':
      return pushAll(
        [`${indent}▸ ${clean(block.summary)}`],
        renderBlocks(block.blocks, out, indent + '  '),
      );
    case 'list':
      return block.items.map((item) => `${indent}• ${inlineText(item)}`);
    case 'code':
      return cleanCode(block.text.replace(/\n+$/, ''))
        .split('\n')
        .map((line) => `${indent}    ${line}`);
    case 'chart':
      return renderChart(block.chart, indent);
  }
}

function renderNote(note: Note, paint: Paint): string {
  const where = formatPlace(note.place);
  const label = paint(`${note.level}:`, NOTE_COLOR[note.level]);
  return `${label} ${where === '' ? '' : `${clean(where)}: `}${clean(note.text)}`;
}

/**
 * The report for a terminal: headline, notes, then each section's tables aligned in plain
 * columns (no boxes). Folded rows show as one count line. All user text is stripped of
 * control characters, so nothing in a metric name can move the cursor or clear the screen.
 */
export function renderTerminal(report: Report, options: TerminalOptions = {}): string {
  const paint: Paint = options.color
    ? (text, ...codes) => `\u001b[${codes.join(';')}m${text}\u001b[0m`
    : (text) => text;
  const out: Renderer = { paint, width: options.width ?? Infinity };
  const verdictColor = report.verdict === 'pass' ? 32 : 31;
  const lines = [
    paint(
      `${STATUS_ICON[report.verdict]} ${clean(report.title)}: ${report.verdict.toUpperCase()}`,
      1,
      verdictColor,
    ),
  ];
  if (report.summary.trim() !== '') lines.push(clean(report.summary));
  if (report.notes.length > 0) {
    lines.push('');
    for (const note of report.notes) lines.push(renderNote(note, paint));
  }
  for (const section of report.sections) {
    lines.push('', paint(clean(section.title), 1));
    const body = renderBlocks(section.blocks, out, '  ');
    pushAll(lines, body);
  }
  return lines.join('\n') + '\n';
}
