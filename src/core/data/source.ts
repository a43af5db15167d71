import { readdir, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { LinkPolicy } from '../files/contained.js';
import type { CsvOptions } from './schema.js';
import { quoteString } from './sql.js';

type DataFormat = 'csv' | 'parquet' | 'json';

/** One dataset: a set of files (paths or globs) of one format, read as one table. */
export interface DataSource {
  /** Absolute paths or globs, as DuckDB reads them. */
  paths: string[];
  /** What the user typed, for messages. */
  label: string;
  format: DataFormat;
  delimiter?: string;
  header: boolean;
  /** Read hive partition folders (`key=value/`) as columns. */
  hive: boolean;
  /** CSV without a header: the columns' names, in order (the schema's). */
  names?: string[];
  /** Files in the working directory may not link out of it (unless allowed). */
  links?: LinkPolicy;
}

const COMPRESSION = /\.(gz|gzip|zst|zstd)$/i;

/** The format a file name says, or undefined. `.tsv` is CSV with a tab. */
function formatOf(path: string): { format: DataFormat; delimiter?: string } | undefined {
  const base = path.replace(COMPRESSION, '');
  const ext = extname(base).toLowerCase();
  if (ext === '.csv' || ext === '.txt') return { format: 'csv' };
  if (ext === '.tsv' || ext === '.tab') return { format: 'csv', delimiter: '\t' };
  if (ext === '.parquet' || ext === '.pq') return { format: 'parquet' };
  if (ext === '.json' || ext === '.jsonl' || ext === '.ndjson') return { format: 'json' };
  return undefined;
}

const GLOB = /[*?[\]{}]/;

/**
 * Turns the user's paths (files, globs, folders) into one DataSource. A folder stands for
 * every data file below it (hive partitions included). Missing files are a UsageError here,
 * before DuckDB says it less clearly.
 */
export async function resolveSource(
  inputs: readonly string[],
  cwd: string,
  csv: CsvOptions,
  role = '--data',
): Promise<DataSource> {
  if (inputs.length === 0) throw new UsageError(`${role} needs at least one file, glob or folder`);
  const paths: string[] = [];
  const formats = new Set<string>();
  let delimiter: string | undefined;
  let hive = false;
  for (const input of inputs) {
    const absolute = resolve(cwd, input);
    if (GLOB.test(input)) {
      const detected = formatOf(input);
      if (!detected)
        throw new UsageError(`cannot tell the format of \`${input}\` from its name`, {
          hint: 'end the glob with .csv, .tsv, .parquet or .jsonl (optionally .gz/.zst)',
          place: { key: role },
        });
      formats.add(detected.format);
      delimiter ??= detected.delimiter;
      hive ||= input.includes('=');
      paths.push(absolute);
      continue;
    }
    const info = await stat(absolute).catch(() => undefined);
    if (!info)
      throw new UsageError(`data file not found: ${input}`, { place: { file: input, key: role } });
    if (info.isDirectory()) {
      const found = await firstDataFile(absolute);
      if (!found)
        throw new UsageError(`no data files (.csv, .tsv, .parquet, .jsonl) under folder ${input}`, {
          place: { file: input, key: role },
        });
      const detected = formatOf(found) as { format: DataFormat; delimiter?: string };
      formats.add(detected.format);
      delimiter ??= detected.delimiter;
      hive = true;
      const suffix = found.slice(found.lastIndexOf('/') + 1).replace(/^[^.]*/, '');
      paths.push(join(absolute, '**', `*${suffix}`));
      continue;
    }
    // A FIFO would block DuckDB's read for ever, a device never ends: refused by name.
    if (!info.isFile()) refuseSpecial(info, input);
    const detected = formatOf(input);
    if (!detected)
      throw new UsageError(`cannot tell the format of \`${input}\` from its name`, {
        place: { file: input, key: role },
        hint: 'use .csv, .tsv, .parquet, .json/.jsonl (optionally .gz/.zst)',
      });
    formats.add(detected.format);
    delimiter ??= detected.delimiter;
    paths.push(absolute);
  }
  if (formats.size > 1)
    throw new UsageError(
      `${role} mixes formats (${[...formats].join(', ')}); give files of one format`,
    );
  const format = [...formats][0] as DataFormat;
  const source: DataSource = { paths, label: inputs.join(', '), format, header: csv.header, hive };
  const chosen = csv.delimiter ?? delimiter;
  if (chosen !== undefined) source.delimiter = chosen;
  return source;
}

async function firstDataFile(dir: string): Promise<string | undefined> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (entry.isFile() && formatOf(entry.name)) return join(dir, entry.name);
  }
  for (const entry of entries) {
    if (entry.isDirectory()) {
      const found = await firstDataFile(join(dir, entry.name));
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * JSON lines (`.jsonl`, `.ndjson`): one record per line, so failing rows have line numbers.
 * A `.json` file may also be one array of records, which DuckDB tells apart by itself.
 */
export function jsonLines(source: DataSource): boolean {
  return (
    source.format === 'json' &&
    source.paths.every((p) => /\.(jsonl|ndjson)$/i.test(p.replace(COMPRESSION, '')))
  );
}

export interface ScanOptions {
  /** Force these column types: CSV, the columns the schema declares; JSON, every column. */
  types?: Record<string, string>;
  /** Add a column of this name holding each row's file. */
  filename?: string;
  /**
   * JSON: infer the columns from every record, not DuckDB's sample of the first ones (whose
   * later keys are dropped and later types fail). A whole extra read: infer-schema only.
   */
  wholeSample?: boolean;
  /**
   * JSON: no object is read as a MAP, so every top-level key is a column (also nested objects
   * become STRUCTs: only asked for when DuckDB read whole records as one map).
   */
  keysAsColumns?: boolean;
}

/** One plain file: errors keep the name the user gave; a glob or a list names the file at fault. */
export function singleFile(source: DataSource): boolean {
  return source.paths.length === 1 && !GLOB.test(source.paths[0] ?? '');
}

/** The source's paths as a DuckDB list literal. */
export function pathListSql(source: DataSource): string {
  return `[${source.paths.map(quoteString).join(', ')}]`;
}

/** DuckDB's JSON `format`: one record per line for .jsonl/.ndjson, else told apart by DuckDB. */
export function jsonFormat(source: DataSource): string {
  return jsonLines(source) ? "'newline_delimited'" : "'auto'";
}

/** The table function call that reads a source, e.g. `read_parquet([...], hive_partitioning=true)`. */
export function scanSql(source: DataSource, options: ScanOptions = {}): string {
  const args: string[] = [pathListSql(source)];
  if (source.hive) args.push('hive_partitioning=true');
  if (!singleFile(source)) args.push('union_by_name=true');
  if (options.filename) args.push(`filename=${quoteString(options.filename)}`);
  switch (source.format) {
    case 'csv': {
      // skip=0: a file whose later rows have more fields must fail on that line, not have
      // its first rows dropped by the sniffer as a preamble.
      // quote and comment pinned: a sniffer that turned quoting off for one unclosed quote
      // would read a well-formed `"x"` with its quotes, and one that took `#` for a comment
      // marker would drop rows; either way the file must fail on its line instead.
      args.push(`header=${source.header ? 'true' : 'false'}`, 'skip=0', `quote='"'`, "comment=''");
      if (source.names && source.names.length > 0)
        args.push(`names=[${source.names.map(quoteString).join(', ')}]`);
      if (source.delimiter !== undefined) args.push(`delim=${quoteString(source.delimiter)}`);
      const types = Object.entries(options.types ?? {});
      if (types.length > 0)
        args.push(
          `types={${types.map(([k, v]) => `${quoteString(k)}: ${quoteString(v)}`).join(', ')}}`,
        );
      return `read_csv(${args.join(', ')})`;
    }
    case 'parquet':
      return `read_parquet(${args.join(', ')})`;
    case 'json': {
      args.push(`format=${jsonFormat(source)}`);
      if (options.wholeSample) args.push('sample_size=-1');
      // JSON takes the full list of columns; validate-data gives every column, typed.
      const columns = Object.entries(options.types ?? {});
      if (columns.length > 0)
        args.push(
          `columns={${columns.map(([k, v]) => `${quoteString(k)}: ${quoteString(v)}`).join(', ')}}`,
        );
      else if (options.keysAsColumns) args.push('map_inference_threshold=-1');
      return `read_json(${args.join(', ')})`;
    }
  }
}

/**
 * The top-level keys of every JSON record. DuckDB's reader knows only the keys of the records
 * it sampled: given its columns, it drops any other key without a word.
 */
export function jsonKeysSql(source: DataSource): string {
  return `SELECT DISTINCT unnest(k) AS k FROM (SELECT DISTINCT json_keys(json) AS k FROM read_json_objects(${pathListSql(source)}, format=${jsonFormat(source)}))`;
}

/** A data path must be a regular file (after links): names what it is otherwise. */
export function refuseSpecial(info: Stats, label: string): void {
  if (info.isFile()) return;
  const what = info.isFIFO()
    ? 'a FIFO (named pipe)'
    : info.isCharacterDevice()
      ? 'a character device'
      : info.isBlockDevice()
        ? 'a block device'
        : info.isSocket()
          ? 'a socket'
          : info.isDirectory()
            ? 'a folder'
            : 'not a regular file';
  throw new UsageError(`${label} is ${what}, not a data file`, {
    place: { file: label },
    hint: 'give a regular file (a copy of the stream), a glob or a folder of data files',
  });
}
