import { UsageError } from '../errors.js';
import type { MetricsFormat } from './model.js';

export const METRICS_FORMATS: readonly MetricsFormat[] = [
  'json',
  'yaml',
  'toml',
  'csv',
  'tsv',
  'openmetrics',
];

const BY_EXTENSION: Record<string, MetricsFormat> = {
  json: 'json',
  yaml: 'yaml',
  yml: 'yaml',
  toml: 'toml',
  csv: 'csv',
  tsv: 'tsv',
  prom: 'openmetrics',
  om: 'openmetrics',
  openmetrics: 'openmetrics',
};

/** Extensions whose content is sniffed: `.txt` and `.metrics` are usually OpenMetrics text. */
const SNIFFED = new Set(['txt', 'metrics', '']);

const SAMPLE_LINE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})?\s+\S+(\s+\S+)?$/;

/**
 * The format of a metrics file: by extension, and by content for `.txt`, `.metrics` and files
 * without an extension. JSON is recognised by its first character; OpenMetrics when every
 * non-comment line is a sample; else YAML, TOML or CSV by their key/value punctuation.
 */
export function detectFormat(path: string, text: string, file: string = path): MetricsFormat {
  const base = path.split(/[\\/]/).pop() ?? path;
  const dot = base.lastIndexOf('.');
  const extension = dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
  const known = BY_EXTENSION[extension];
  if (known) return known;
  if (SNIFFED.has(extension)) {
    const sniffed = sniff(text);
    if (sniffed) return sniffed;
  }
  throw new UsageError(`cannot tell the format of ${JSON.stringify(base)}`, {
    place: { file },
    hint: `name it .json, .yaml, .yml, .toml, .csv, .tsv or .prom (OpenMetrics); .txt and .metrics are read when they look like OpenMetrics, JSON, YAML, TOML or CSV`,
  });
}

function sniff(text: string): MetricsFormat | undefined {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const first = lines[0];
  if (first === undefined) return undefined;
  if (first.startsWith('{') || first.startsWith('[')) return 'json';
  // `key: value` before samples: a metric name may contain `:` but is never followed by a space.
  if (/^[^:,\t{]+:(\s|$)/.test(first)) return 'yaml';
  // Exporters separate samples with spaces; a tab means a TSV written by a data tool.
  if (first.includes('\t') && !first.includes('{')) return 'tsv';
  if (lines.every((line) => SAMPLE_LINE.test(line))) return 'openmetrics';
  if (lines.every((line) => /^[^=]+=/.test(line) || /^\[.+\]$/.test(line))) return 'toml';
  if (first.includes(',')) return 'csv';
  return undefined;
}
