import { readUserText } from '../files/user-file.js';
import type { LinkPolicy } from '../files/contained.js';
import { UsageError } from '../errors.js';
import { detectFormat } from './detect.js';
import { flattenTree } from './flatten.js';
import { parseDelimited } from './formats/csv.js';
import { parseJsonFlat, parseJsonTree } from './formats/json.js';
import { parseOpenMetrics } from './formats/openmetrics.js';
import type { MetricsFormat, MetricsSet, MetricValue } from './model.js';

export interface LoadMetricsOptions {
  /** How the file is named in reports and errors (e.g. the path as the user typed it). */
  displayPath?: string;
  /** Skip detection (by extension, then content). */
  format?: MetricsFormat;
  /** Refuse a file in the working directory that links out of it. */
  links?: LinkPolicy;
}

/** Read, detect and parse one metrics file. Every problem is a UsageError naming the file. */
export async function loadMetricsFile(
  path: string,
  options: LoadMetricsOptions = {},
): Promise<MetricsSet> {
  const file = options.displayPath ?? path;
  const text = await readUserText(
    path,
    { file, what: 'metrics file' },
    options.links ? { links: options.links } : {},
  );
  const format = options.format ?? detectFormat(path, text, file);
  return parseMetricsText(text, format, file);
}

/**
 * parseMetrics, loading the YAML and TOML parsers only for files in those formats: most
 * metrics files are JSON, and the YAML library is the largest module of a gate's cold start.
 */
export async function parseMetricsText(
  text: string,
  format: MetricsFormat,
  file: string,
): Promise<MetricsSet> {
  if (format === 'yaml' && !treeParsers.yaml)
    treeParsers.yaml = (await import('./formats/yaml.js')).parseYamlTree;
  if (format === 'toml' && !treeParsers.toml)
    treeParsers.toml = (await import('./formats/toml.js')).parseTomlTree;
  return parseMetrics(text, format, file);
}

type TreeParser = (text: string, file: string) => ReturnType<typeof parseJsonTree>;

/** YAML and TOML parsers once loaded (by parseMetricsText, or by importing metrics/parsers-all.ts). */
export const treeParsers: { yaml?: TreeParser; toml?: TreeParser } = {};

function treeParser(format: 'yaml' | 'toml'): TreeParser {
  const parser = treeParsers[format];
  if (!parser) throw new Error(`the ${format} parser is not loaded: use parseMetricsText`);
  return parser;
}

/** Parse metrics text in a known format. Pure: also used for baselines read from git or a registry. */
export function parseMetrics(text: string, format: MetricsFormat, file: string): MetricsSet {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (body.trim() === '') {
    throw new UsageError('metrics file is empty', {
      place: { file },
      hint: 'the step that writes it may have failed or written nothing',
    });
  }
  return { file, values: parseValues(body, format, file) };
}

function parseValues(text: string, format: MetricsFormat, file: string): Map<string, MetricValue> {
  switch (format) {
    case 'json':
      return parseJsonFlat(text, file) ?? flattenTree(parseJsonTree(text, file), file);
    case 'yaml':
      return flattenTree(treeParser('yaml')(text, file), file);
    case 'toml':
      return flattenTree(treeParser('toml')(text, file), file);
    case 'csv':
      return parseDelimited(text, ',', file);
    case 'tsv':
      return parseDelimited(text, '\t', file);
    case 'openmetrics':
      return parseOpenMetrics(text, file);
  }
}
