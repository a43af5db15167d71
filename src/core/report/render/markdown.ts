import { formatPlace } from '../../errors.js';
import { escapeMarkdownText } from '../escape.js';
import type { Note, Report } from '../model.js';
import { foldedCount, STATUS_ICON } from '../model.js';
import type { MarkdownContext, MarkdownPlan } from './markdown-blocks.js';
import { renderBlocks, safeHref } from './markdown-blocks.js';

/** Where GitHub stops: a PR/issue comment body, and a job summary (per step, in bytes). */
export const MARKDOWN_LIMITS = { comment: 65_536, jobSummary: 1_048_576 } as const;

export interface MarkdownOptions {
  /** The output never exceeds this (see lengthUnit); folds, then truncates, to fit. */
  maxLength?: number;
  /**
   * How maxLength counts: `utf16` (JavaScript string length, never fewer than the characters
   * GitHub counts for a comment) or `utf8` bytes (the job summary limit).
   */
  lengthUnit?: 'utf16' | 'utf8';
  /** Level of the report's headline (1–5, default 2); sections sit one level below. */
  headingLevel?: number;
  /** Where the full report lives when something had to be left out. */
  fullReportUrl?: string;
}

const ALERT: Record<Note['level'], string> = { error: 'CAUTION', warning: 'WARNING', info: 'NOTE' };
const LEVEL_ORDER: Note['level'][] = ['error', 'warning', 'info'];

/**
 * Notes as GitHub-style alerts (`> [!WARNING]`), one per level with one line per note.
 * GitLab renders the same alerts; a renderer without them shows a plain quote whose first
 * line names the level, which still reads right.
 */
function renderNotes(notes: Note[]): string {
  return LEVEL_ORDER.map((level) => {
    const matching = notes.filter((note) => note.level === level);
    if (matching.length === 0) return '';
    const lines = matching.map((note) => {
      const where = formatPlace(note.place);
      const text = escapeMarkdownText(where === '' ? note.text : `${where}: ${note.text}`);
      return matching.length === 1 ? `> ${text}` : `> - ${text}`;
    });
    return [`> [!${ALERT[level]}]`, ...lines].join('\n');
  })
    .filter((text) => text !== '')
    .join('\n\n');
}

function headline(report: Report, level: number): string[] {
  const icon = STATUS_ICON[report.verdict];
  const verdict = report.verdict === 'pass' ? 'Passed' : 'Failed';
  const summary = escapeMarkdownText(report.summary);
  return [
    `${'#'.repeat(level)} ${icon} ${escapeMarkdownText(report.title)}`,
    summary === '' ? `**${verdict}.**` : `**${verdict}:** ${summary}`,
  ];
}

interface Stage {
  plan: MarkdownPlan;
  notes: boolean;
  sections: boolean;
}

function renderWith(report: Report, level: number, stage: Stage, context: MarkdownContext): string {
  const parts = headline(report, level);
  if (stage.notes && report.notes.length > 0) parts.push(renderNotes(report.notes));
  if (stage.sections) {
    const sectionLevel = '#'.repeat(Math.min(6, level + 1));
    for (const section of report.sections) {
      parts.push(`${sectionLevel} ${escapeMarkdownText(section.title)}`);
      const body = renderBlocks(section.blocks, stage.plan, context);
      if (body !== '') parts.push(body);
    }
  } else {
    parts.push(`The report is too large to show here; ${context.pointer}.`);
  }
  return parts.join('\n\n') + '\n';
}

/**
 * The fewest characters the report's table rows take in Markdown (`| a | b |`: three per cell),
 * folded rows counted or not: a report that cannot fit is not rendered whole to find out.
 */
function leastRowLength(report: Report, withFolded: boolean): number {
  let total = 0;
  const visit = (blocks: Report['sections'][number]['blocks']): void => {
    for (const block of blocks) {
      if (block.type === 'table') {
        const rows = block.rows.length + (withFolded ? foldedCount(block.folded) : 0);
        total += rows * (3 * block.columns.length + 1);
      }
      if (block.type === 'details') visit(block.blocks);
    }
  };
  for (const section of report.sections) visit(section.blocks);
  return total;
}

function largestRowCount(report: Report): number {
  let largest = 0;
  const visit = (blocks: Report['sections'][number]['blocks']): void => {
    for (const block of blocks) {
      if (block.type === 'table') largest = Math.max(largest, block.rows.length);
      if (block.type === 'details') visit(block.blocks);
    }
  };
  for (const section of report.sections) visit(section.blocks);
  return largest;
}

function pointerText(url: string | undefined): string {
  const href = url === undefined ? undefined : safeHref(url);
  return href === undefined ? 'see the JSON report artifact' : `see [the full report](${href})`;
}

/**
 * The report as GitHub-flavoured Markdown, for a PR/MR comment or a job summary; GitLab MR
 * notes read the same text.
 *
 * With maxLength, the text is tightened step by step until it fits, and always stays valid
 * Markdown (whole rows, closed `<details>` and fences): first folded rows and `details`
 * bodies give way to their summary and a count, then every table is cut to the same number
 * of rows (the largest that fits) with a line pointing at the full report, then sections
 * shrink to counts, then only the headline and the pointer remain.
 */
export function renderMarkdown(report: Report, options: MarkdownOptions = {}): string {
  const level = Math.min(5, Math.max(1, Math.trunc(options.headingLevel ?? 2)));
  const context: MarkdownContext = {
    pointer: pointerText(options.fullReportUrl ?? report.fullReportUrl),
    rowCache: new Map(),
  };
  const render = (stage: Stage): string => renderWith(report, level, stage, context);
  const renderFull = (): string =>
    render({
      plan: { collapse: false, rowCap: Infinity, skeleton: false },
      notes: true,
      sections: true,
    });
  if (options.maxLength === undefined) return renderFull();

  const max = options.maxLength;
  const measure =
    options.lengthUnit === 'utf8'
      ? (text: string) => Buffer.byteLength(text, 'utf8')
      : (text: string) => text.length;
  const fits = (text: string): boolean => measure(text) <= max;
  if (leastRowLength(report, true) <= max) {
    const full = renderFull();
    if (fits(full)) return full;
  }

  const collapsed = (rowCap: number): string =>
    render({ plan: { collapse: true, rowCap, skeleton: false }, notes: true, sections: true });
  if (leastRowLength(report, false) <= max) {
    const folded = collapsed(Infinity);
    if (fits(folded)) return folded;
  }

  // Every table keeps the same number of rows: the largest count that fits (length grows with it).
  let low = 0;
  let high = Math.min(largestRowCount(report), Math.ceil(max / 4));
  let best = collapsed(0);
  if (fits(best)) {
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      const text = collapsed(middle);
      if (fits(text)) {
        low = middle;
        best = text;
      } else high = middle - 1;
    }
    return best;
  }

  const skeleton = render({
    plan: { collapse: true, rowCap: 0, skeleton: true },
    notes: true,
    sections: true,
  });
  if (fits(skeleton)) return skeleton;
  const bare = render({
    plan: { collapse: true, rowCap: 0, skeleton: true },
    notes: false,
    sections: false,
  });
  if (fits(bare)) return bare;
  return lastResort(report, max, measure);
}

/** Only the icon and as much of the title as fits: plain escaped text, cut between characters. */
function lastResort(report: Report, max: number, measure: (text: string) => number): string {
  const chars = Array.from(`${STATUS_ICON[report.verdict]} ${report.title}`);
  let low = 0;
  let high = chars.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (measure(escapeMarkdownText(chars.slice(0, middle).join('')) + '\n') <= max) low = middle;
    else high = middle - 1;
  }
  if (low === 0) return '';
  return escapeMarkdownText(chars.slice(0, low).join('')) + '\n';
}
