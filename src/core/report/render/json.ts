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

/**
 * JSON has no spelling for NaN or ±Infinity (JSON.stringify would write null and lose the
 * value), so they are written as the strings "NaN", "Infinity" and "-Infinity";
 * parseReportJson turns them back into numbers where the report model holds numbers.
 */
function keepNonFinite(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

export function toReportJson(report: Report): ReportJson {
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
 * Two-space indent, trailing newline.
 */
export function renderJson(report: Report): string {
  return JSON.stringify(toReportJson(report), keepNonFinite, 2) + '\n';
}
