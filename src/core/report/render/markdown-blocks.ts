import {
  cleanCode,
  escapeHtmlText,
  escapeMarkdownInline,
  escapeMarkdownText,
  escapeTableCell,
  startBlock,
} from '../escape.js';
import type { Block, Cell, Chart, Column, Inline } from '../model.js';
import { foldedCount } from '../model.js';
import { cellText, statusIcon } from './cells.js';
import { mermaidXyChart } from './mermaid.js';
import { plural } from '../../text/plural.js';

/** How much of the report a rendering keeps; markdown.ts tightens it until the text fits. */
export interface MarkdownPlan {
  /** Folded rows and `details` blocks keep only their summary line. */
  collapse: boolean;
  /** Rows shown per table (Infinity = all); the rest are counted. Folded rows count only when not collapsed. */
  rowCap: number;
  /** Sections keep only their title and a count of what was left out. */
  skeleton: boolean;
}

export interface MarkdownContext {
  /** "see …" text pointing at the full report, already Markdown. */
  pointer: string;
  /** Rendered rows per table, so a tighter plan does not escape 10,000 cells again. */
  rowCache: Map<Cell[][], string[]>;
}

/**
 * A link destination: http(s) only. `&` becomes `&amp;` (Markdown decodes entities in
 * destinations), and whatever could end the destination or the link is percent-encoded.
 */
export function safeHref(href: string): string | undefined {
  const trimmed = href.trim();
  if (!/^https?:\/\//i.test(trimmed)) return undefined;
  return trimmed.replace(/&/g, '&amp;').replace(/[\s<>"'()\\[\]`|{}^\p{Cc}]/gu, (c) => {
    const code = c.codePointAt(0) ?? 0;
    return code < 0x80
      ? `%${code.toString(16).toUpperCase().padStart(2, '0')}`
      : encodeURIComponent(c);
  });
}

function renderInline(pieces: Inline[]): string {
  const out = pieces
    .map((piece) => {
      if (typeof piece === 'string') return escapeMarkdownInline(piece);
      if ('code' in piece) return `<code>${escapeMarkdownText(piece.code)}</code>`;
      if ('strong' in piece) {
        const text = escapeMarkdownText(piece.strong);
        return text === '' ? '' : `**${text}**`;
      }
      const text = escapeMarkdownText(piece.link);
      const href = safeHref(piece.href);
      return href === undefined || text === '' ? text : `[${text}](${href})`;
    })
    .join('');
  return startBlock(out);
}

function alignment(column: Column): string {
  if (column.align === 'right') return '---:';
  if (column.align === 'center') return ':---:';
  if (column.align === 'left') return ':---';
  return '---';
}

function renderCell(cell: Cell): string {
  const text = cellText(cell);
  let out = escapeTableCell(text.text, text.code);
  if (text.code && out !== '') out = `<code>${out}</code>`;
  if (text.strong && out !== '') out = `**${out}**`;
  if (text.status !== undefined) out = `${statusIcon(text.status)}\u00a0${out}`;
  return out;
}

function renderRow(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function tableHead(columns: Column[]): string {
  const titles = columns.map((column) => escapeTableCell(column.title));
  return `${renderRow(titles)}\n${renderRow(columns.map(alignment))}`;
}

function rowsOf(rows: Cell[][], width: number, context: MarkdownContext): string[] {
  let rendered = context.rowCache.get(rows);
  if (rendered === undefined) {
    rendered = rows.map((row) => {
      const cells: string[] = [];
      for (let i = 0; i < width; i++)
        cells.push(renderCell(i < row.length ? (row[i] as Cell) : ''));
      return renderRow(cells);
    });
    context.rowCache.set(rows, rendered);
  }
  return rendered;
}

/**
 * `<details>` whose summary sits on its own line (raw HTML, so HTML-escaped only) and whose
 * body follows a blank line, so GitHub and GitLab parse the body as Markdown again.
 */
function renderDetails(summary: string, body: string): string {
  return `<details>\n<summary>${escapeHtmlText(summary)}</summary>\n\n${body}\n\n</details>`;
}

function renderTable(
  block: Extract<Block, { type: 'table' }>,
  plan: MarkdownPlan,
  context: MarkdownContext,
): string {
  const width = block.columns.length;
  const parts: string[] = [];
  const rows = rowsOf(block.rows, width, context);
  const shown = Math.min(rows.length, plan.rowCap);
  if (shown > 0) parts.push(`${tableHead(block.columns)}\n${rows.slice(0, shown).join('\n')}`);
  if (shown < rows.length) {
    parts.push(`${plural(rows.length - shown, 'more row')} not shown here; ${context.pointer}.`);
  }
  if (block.folded !== undefined && block.folded.rows.length > 0) {
    const folded = block.folded;
    if (plan.collapse) {
      const note = `${plural(folded.rows.length, 'row')} omitted to fit this comment; ${context.pointer}.`;
      parts.push(renderDetails(folded.summary, note));
    } else {
      const body = `${tableHead(block.columns)}\n${rowsOf(folded.rows, width, context).join('\n')}`;
      parts.push(renderDetails(folded.summary, body));
    }
  }
  if (parts.length === 0) parts.push('No rows.');
  return parts.join('\n\n');
}

/** A fence of backticks longer than any run of backticks in the text, so it cannot close early. */
export function fenceFor(text: string): string {
  const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (match) => match[0].length));
  return '`'.repeat(Math.max(3, longest + 1));
}

function renderCode(language: string | undefined, text: string): string {
  const body = cleanCode(text).replace(/\n+$/, '');
  const fence = fenceFor(body);
  const info = (language ?? '').replace(/[^A-Za-z0-9_+.#-]/g, '');
  return `${fence}${info}\n${body}\n${fence}`;
}

function renderChart(chart: Chart): string {
  const diagram = mermaidXyChart(chart);
  if (diagram === undefined) return `${escapeMarkdownText(chart.title)}: no values to chart.`;
  const parts = [renderCode('mermaid', diagram.source)];
  const notes: string[] = [];
  if (diagram.seriesNames.length > 1) {
    notes.push(
      `Series, in drawing order: ${diagram.seriesNames.map(escapeMarkdownText).join(', ')}.`,
    );
  }
  if (diagram.droppedPoints > 0) {
    notes.push(`${plural(diagram.droppedPoints, 'point')} without a value left out.`);
  }
  if (notes.length > 0) parts.push(notes.join(' '));
  return parts.join('\n\n');
}

/** Rows and blocks a rendering leaves out entirely (skeleton plans), for the count line. */
function countContent(blocks: Block[]): { rows: number; blocks: number } {
  let rows = 0;
  let others = 0;
  for (const block of blocks) {
    if (block.type === 'table') rows += block.rows.length + foldedCount(block.folded);
    else if (block.type === 'details') {
      const inner = countContent(block.blocks);
      rows += inner.rows;
      others += 1 + inner.blocks;
    } else others += 1;
  }
  return { rows, blocks: others };
}

export function renderBlocks(
  blocks: Block[],
  plan: MarkdownPlan,
  context: MarkdownContext,
): string {
  if (plan.skeleton) {
    const { rows, blocks: others } = countContent(blocks);
    const what = [rows > 0 ? plural(rows, 'row') : '', others > 0 ? plural(others, 'block') : '']
      .filter((part) => part !== '')
      .join(' and ');
    return what === '' ? '' : `${what} omitted to fit this comment; ${context.pointer}.`;
  }
  return blocks
    .map((block) => renderBlock(block, plan, context))
    .filter((text) => text !== '')
    .join('\n\n');
}

function renderBlock(block: Block, plan: MarkdownPlan, context: MarkdownContext): string {
  switch (block.type) {
    case 'paragraph':
      return renderInline(block.content);
    case 'table':
      return renderTable(block, plan, context);
    case 'details': {
      if (plan.collapse) {
        return renderDetails(block.summary, `Omitted to fit this comment; ${context.pointer}.`);
      }
      const body = renderBlocks(block.blocks, plan, context);
      return renderDetails(block.summary, body === '' ? 'Nothing to show.' : body);
    }
    case 'list':
      return block.items.map((item) => `- ${renderInline(item)}`).join('\n');
    case 'code':
      return renderCode(block.language, block.text);
    case 'chart':
      return renderChart(block.chart);
  }
}
