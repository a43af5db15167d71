import type { Place } from '../errors.js';

/**
 * One typed report per command run. Renderers (src/core/report/render/) turn it into
 * every surface: PR/MR comment and job summary (Markdown), terminal, JSON, JUnit,
 * OpenMetrics, dotenv. Nothing in a report is pre-rendered markup: every string here
 * is plain text that came from somewhere (often user data), and each renderer escapes
 * it for its own surface.
 */

type Verdict = 'pass' | 'fail';

/** Row status, shown as an icon plus word in tables. */
export type Status = 'pass' | 'fail' | 'warn' | 'new' | 'removed' | 'unchanged' | 'info' | 'skip';

export const STATUS_ICON: Record<Status, string> = {
  pass: '✅',
  fail: '❌',
  warn: '⚠️',
  new: '🆕',
  removed: '➖',
  unchanged: '⚪',
  info: 'ℹ️',
  skip: '⏭️',
};

/** A table cell: plain text, or text with a role renderers style. */
export type Cell =
  | string
  | number
  | null
  | { text: string; code?: boolean; strong?: boolean; align?: 'left' | 'right' }
  | { status: Status; label?: string };

export interface Column {
  title: string;
  align?: 'left' | 'right' | 'center';
  /** Of less value than the others: a terminal too narrow for the table leaves it out first. */
  optional?: boolean;
}

/** Inline text for paragraphs: plain strings are escaped; the others carry a style. */
export type Inline =
  string | { code: string } | { strong: string } | { link: string; href: string };

export type Block =
  | { type: 'paragraph'; content: Inline[] }
  | {
      type: 'table';
      columns: Column[];
      rows: Cell[][];
      /** Rows folded under a `<details>` (e.g. unchanged metrics), with its summary line. */
      folded?: { summary: string; rows: Cell[][] };
    }
  | { type: 'details'; summary: string; blocks: Block[] }
  | { type: 'list'; items: Inline[][] }
  | { type: 'code'; language?: string; text: string }
  | { type: 'chart'; chart: Chart };

/** A Mermaid xychart-beta: one x axis of labels, one or more series. */
export interface Chart {
  title: string;
  kind: 'line' | 'bar';
  xLabels: string[];
  yLabel?: string;
  series: { name: string; values: (number | null)[] }[];
  /**
   * A level drawn across a bar chart (drift's threshold), so each bar reads against it: bars
   * are scaled to at least this level, never stretched full width by a tiny maximum.
   */
  threshold?: number;
  /**
   * The three series are an interval's low end, its point and its high end per x label (a
   * delta per slice): the terminal draws one row per label on one common scale with zero marked.
   */
  intervals?: boolean;
}

export interface Section {
  title: string;
  blocks: Block[];
}

/** Something the reader must see beside the tables (no baseline, a skipped rule, …). */
export interface Note {
  level: 'info' | 'warning' | 'error';
  text: string;
  place?: Place;
}

/** JUnit projection: one testcase per gated metric or check. */
export interface TestCase {
  suite: string;
  name: string;
  status: 'pass' | 'fail' | 'skip';
  message?: string;
  /** Longer text for the failure body. */
  detail?: string;
  /** Seconds; JUnit consumers want a number. */
  time?: number;
  file?: string;
}

/**
 * A number in `Report.data` whose written digits a double would change (9007199254740993):
 * the JSON renderer writes `text` as the number, digit for digit.
 */
export class ExactNumber {
  constructor(readonly text: string) {}
  toJSON(): number {
    return Number(this.text);
  }
}

/**
 * How many folded rows a table has, without building them: a builder may make `folded.rows`
 * on first read (a million unchanged metrics) and record the count under this key, which is
 * not enumerable and so never reaches JSON.
 */
export const FOLDED_COUNT: unique symbol = Symbol('folded count');

export function foldedCount(folded: { rows: Cell[][] } | undefined): number {
  if (folded === undefined) return 0;
  const known = (folded as { [FOLDED_COUNT]?: number })[FOLDED_COUNT];
  return known ?? folded.rows.length;
}

/** OpenMetrics projection (GitLab metrics report). */
export interface Measurement {
  name: string;
  value: number;
  /** The value's exact decimal text when a double would change its digits. */
  text?: string;
  labels?: Record<string, string>;
  help?: string;
}

export interface Report {
  /** The command that made it: `quality-gate`, `validate-data`, … */
  command: string;
  /** Identifies this report inside a sticky comment; defaults to `command`. */
  key: string;
  title: string;
  verdict: Verdict;
  /** The headline: one plain sentence. */
  summary: string;
  notes: Note[];
  sections: Section[];
  tests: TestCase[];
  measurements: Measurement[];
  /** Job outputs (action outputs, GitLab dotenv); keys in kebab-case. */
  outputs: Record<string, string>;
  /** The command's machine-readable result, merged at the top level of the JSON. */
  data: Record<string, unknown>;
  /** Where the full report lives when a comment had to be truncated (artifact URL). */
  fullReportUrl?: string;
}

/** The JSON document `--format json` writes and `comment --reports` reads back. */
export interface ReportJson {
  schema: 'sluice.report/v1';
  command: string;
  key: string;
  verdict: Verdict;
  summary: string;
  /** command-specific fields (e.g. quality-gate's `metrics`) sit here at the top level */
  [field: string]: unknown;
  report: Omit<Report, 'data'>;
}
