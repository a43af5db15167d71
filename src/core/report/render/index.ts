import type { ReportFormat } from '../../../inputs/shared.js';
import type { Report } from '../model.js';
import type { DotenvOptions } from './dotenv.js';
import { renderDotenv } from './dotenv.js';
import { renderJson, renderJsonChunks } from './json.js';
import { renderJunit } from './junit.js';
import type { MarkdownOptions } from './markdown.js';
import { renderMarkdown } from './markdown.js';
import { renderOpenMetrics } from './openmetrics.js';
import type { TerminalOptions } from './terminal.js';
import { renderTerminal } from './terminal.js';

export type RenderOptions = MarkdownOptions & TerminalOptions & DotenvOptions;

type Renderer = (report: Report, options: RenderOptions) => string;

/** One renderer per `--format`; a new format is a compile error until it has an entry here. */
const RENDERERS: Record<ReportFormat, Renderer> = {
  terminal: renderTerminal,
  markdown: renderMarkdown,
  json: (report) => renderJson(report),
  junit: (report) => renderJunit(report),
  openmetrics: (report) => renderOpenMetrics(report),
  dotenv: renderDotenv,
};

export function renderReport(
  report: Report,
  format: ReportFormat,
  options: RenderOptions = {},
): string {
  return RENDERERS[format](report, options);
}

/**
 * The report in pieces whose concatenation is renderReport's text, each ending a line: JSON of
 * a million metrics is longer than one JavaScript string can be.
 */
export function renderReportChunks(
  report: Report,
  format: ReportFormat,
  options: RenderOptions = {},
): string[] {
  return format === 'json' ? renderJsonChunks(report) : [renderReport(report, format, options)];
}

export { renderDotenv, renderJson, renderJunit, renderMarkdown, renderOpenMetrics, renderTerminal };
