import { ExactNumber } from '../model.js';
import type { Report, ReportJson } from '../model.js';

export const REPORT_SCHEMA = 'sluice.report/v1';

/** Top-level fields of the document that a command's `data` can never replace. */
export const RESERVED_FIELDS = [
  'schema',
  'command',
  'key',
  'verdict',
  'summary',
  'report',
] as const;

function toReportJson(report: Report): ReportJson {
  const { data, ...rest } = report;
  const document: ReportJson = {
    schema: REPORT_SCHEMA,
    command: report.command,
    key: report.key,
    verdict: report.verdict,
    summary: report.summary,
    report: rest,
  };
  const reserved = new Set<string>(RESERVED_FIELDS);
  const fields: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(data))
    if (!reserved.has(field)) fields[field] = value;
  // Key order: identity first, the command's own fields next, the full report last.
  const { report: full, ...head } = document;
  return { ...head, ...fields, report: full } as ReportJson;
}

/**
 * The `ReportJson` document (`--format json`, and what `comment --reports` reads back):
 * identity and verdict, the command's `data` fields at the top level, then the whole report.
 * Two-space indent and a trailing newline; a list or object that fits on one short line (a table
 * row, one metric) is written on one line, so a report of a million metrics stays a file a
 * person can page through and a string V8 can hold.
 *
 * JSON has no spelling for NaN or ±Infinity (JSON.stringify would write null and lose the
 * value), so they are written as the strings "NaN", "Infinity" and "-Infinity";
 * parseReportJson turns them back into numbers where the report model holds numbers. An
 * ExactNumber (an integer above 2^53) is written digit for digit.
 */
export function renderJson(report: Report): string {
  return renderJsonChunks(report).join('');
}

/** Size of the pieces renderJsonChunks returns (each ends a line). */
const CHUNK = 1 << 20;

/**
 * renderJson in pieces of about a megabyte, each ending in a newline, for writing a report
 * too large for one string (V8 strings stop at about 512 million characters: a million
 * metrics come close).
 */
export function renderJsonChunks(report: Report): string[] {
  const out = new Out();
  write(toReportJson(report), '', out, 0);
  out.push('\n');
  return out.done();
}

class Out {
  private parts: string[] = [];
  private size = 0;
  private readonly chunks: string[] = [];

  push(...texts: string[]): void {
    for (const text of texts) {
      this.parts.push(text);
      this.size += text.length;
      if (this.size >= CHUNK && text.endsWith('\n')) this.flush();
    }
  }

  private flush(): void {
    if (this.parts.length === 0) return;
    this.chunks.push(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }

  done(): string[] {
    this.flush();
    return this.chunks;
  }
}

/** Past this many characters a list or object is spread over lines, one item each. */
const LINE = 160;
/** The report's own structure is a few levels deep; deeper data is written as JSON.stringify does. */
const MAX_DEPTH = 64;

function scalar(value: unknown): string | undefined {
  if (value === null) return 'null';
  if (value instanceof ExactNumber) return value.text;
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? String(value) : JSON.stringify(String(value));
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return String(value);
    case 'bigint':
      return value.toString();
    default:
      return undefined;
  }
}

function plain(value: unknown): unknown {
  if (
    value !== null &&
    typeof value === 'object' &&
    'toJSON' in value &&
    !(value instanceof ExactNumber)
  )
    return (value as { toJSON: () => unknown }).toJSON();
  return value;
}

function entriesOf(value: object): [string | undefined, unknown][] {
  if (Array.isArray(value)) return value.map((item) => [undefined, item]);
  return Object.entries(value)
    .filter(([, item]) => item !== undefined && typeof item !== 'function')
    .map(([key, item]) => [key, item]);
}

/** One line for a small container, else undefined (stops as soon as it gets too long). */
function oneLine(value: object, depth: number): string | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const items = Array.isArray(value) ? value : Object.keys(value);
  if (items.length > LINE / 2) return undefined;
  let length = 0;
  const parts: string[] = [];
  for (const [key, raw] of entriesOf(value)) {
    const item = plain(raw);
    let text = scalar(item);
    if (text === undefined) {
      if (item === undefined || item === null || typeof item !== 'object') text = 'null';
      else text = oneLine(item, depth + 1);
    }
    if (text === undefined) return undefined;
    const part = key === undefined ? text : `${JSON.stringify(key)}: ${text}`;
    length += part.length + 2;
    if (length > LINE) return undefined;
    parts.push(part);
  }
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  return parts.length === 0 ? `${open}${close}` : `${open}${parts.join(', ')}${close}`;
}

function write(raw: unknown, indent: string, out: Out, depth: number): void {
  const value = plain(raw);
  const text = scalar(value);
  if (text !== undefined) {
    out.push(text);
    return;
  }
  if (value === undefined || value === null || typeof value !== 'object') {
    out.push('null');
    return;
  }
  if (depth > MAX_DEPTH) {
    out.push(
      JSON.stringify(value, (_key, item: unknown) =>
        typeof item === 'number' && !Number.isFinite(item) ? String(item) : item,
      ) ?? 'null',
    );
    return;
  }
  const line = depth === 0 ? undefined : oneLine(value, depth);
  if (line !== undefined) {
    out.push(line);
    return;
  }
  const inner = `${indent}  `;
  const isArray = Array.isArray(value);
  out.push(isArray ? '[' : '{');
  let first = true;
  for (const [key, item] of entriesOf(value)) {
    out.push(first ? '\n' : ',\n', inner);
    if (key !== undefined) out.push(JSON.stringify(key), ': ');
    write(item, inner, out, depth + 1);
    first = false;
  }
  if (!first) out.push('\n', indent);
  out.push(isArray ? ']' : '}');
}
