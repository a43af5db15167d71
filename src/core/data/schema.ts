import { dirname } from 'node:path';
import { isMap, isScalar, isSeq } from 'yaml';
import type { Node, Pair } from 'yaml';
import { UsageError } from '../errors.js';
import type { Place } from '../errors.js';
import { readYaml } from '../yaml/read.js';
import { refuseNulInSchema } from './sql-text.js';
import {
  bool,
  choice,
  count,
  entries,
  fractionOf,
  literal,
  literalNode,
  mapOf,
  positive,
  scalarText,
  str,
} from './schema-values.js';
import type { Ctx } from './schema-values.js';

/** The declared types a schema column can have. */
const COLUMN_TYPES = ['integer', 'float', 'string', 'boolean', 'date', 'timestamp'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

const DRIFT_METHODS = [
  'auto',
  'ks',
  'psi',
  'wasserstein',
  'jensenshannon',
  'chisquare',
  'z',
] as const;
type DriftMethodSetting = (typeof DRIFT_METHODS)[number];
export type DriftMethod = Exclude<DriftMethodSetting, 'auto'>;

export type Literal = string | number | boolean;

export interface ColumnRule {
  name: string;
  type?: ColumnType;
  nullable?: boolean;
  min?: Literal;
  max?: Literal;
  allowed?: Literal[];
  maxNullFraction?: number;
  pattern?: string;
  unique?: boolean;
  /** Freshness: the newest value is at most this old. */
  maxAge?: { text: string; seconds: number };
  place: Place;
  /** Where each key of this column sits, so a failed check annotates its own line. */
  keyPlaces: Record<string, Place>;
}

export interface RowCheck {
  name: string;
  sql: string;
  maxFailures: number;
  place: Place;
  /** Where the `sql:` text is written, for a check DuckDB's parser refuses. */
  sqlPlace: Place;
}

export interface DriftConfig {
  /** Resolved against the schema file's folder. */
  reference?: string;
  columns: 'all' | string[];
  /** Where each name of a `columns` list is written, in the same order. */
  columnPlaces?: Place[];
  method: DriftMethodSetting;
  /** undefined: the method's default. */
  threshold?: number;
  /**
   * `min_effect`: a p-value test (ks, chisquare) flags drift only when the effect is at least
   * this large too (KS D; chi-square: total variation distance). undefined: DEFAULT_MIN_EFFECT.
   */
  minEffect?: number;
  /** Columns the schema declares `unique`: keys, left out of `columns: all`. */
  keys?: string[];
  place: Place;
}

export interface CsvOptions {
  delimiter?: string;
  header: boolean;
}

export interface DataSchema {
  file: string;
  columns: ColumnRule[];
  /** Columns in the data but not in the schema: fail (true) or warn (false). */
  strict: boolean;
  /** Where `strict` is written, else the `columns` key (strict is the default). */
  strictPlace: Place;
  rows?: { min?: number; max?: number; place: Place };
  duplicates?: { maxFraction: number; place: Place };
  checks: RowCheck[];
  drift?: DriftConfig;
  csv: CsvOptions;
  place: Place;
}

const TOP_KEYS = ['columns', 'strict', 'rows', 'duplicates', 'checks', 'drift', 'csv'] as const;
const COLUMN_KEYS = [
  'type',
  'nullable',
  'min',
  'max',
  'allowed',
  'max_null_fraction',
  'pattern',
  'unique',
  'max_age',
] as const;
const ROWS_KEYS = ['min', 'max'] as const;
const DUPLICATES_KEYS = ['max_fraction'] as const;
const CHECK_KEYS = ['name', 'sql', 'max_failures'] as const;
const DRIFT_KEYS = ['reference', 'columns', 'method', 'threshold', 'min_effect'] as const;
const CSV_KEYS = ['delimiter', 'header'] as const;

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** Parses `7d`, `12h`, `30m`, `45s`, `2w` into seconds; undefined when it is none of them. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * (DURATION_UNITS[match[2] as string] as number);
}

/** Reads a schema file's text into a DataSchema; every mistake is a UsageError with file:line. */
export function parseSchema(
  text: string,
  file: string,
  resolvePath: (dir: string, path: string) => string,
): DataSchema {
  const yaml = readYaml(text, file, { what: 'the schema file' });
  const placeOf = (node: Node | null | undefined, key?: string): Place => yaml.placeOf(node, key);
  const root = yaml.contents;
  refuseNulInSchema(root, (node) => placeOf(node));
  if (!isMap(root)) {
    throw new UsageError('a schema file is a YAML mapping with at least `columns:`', {
      place: placeOf(root),
      hint: 'start from `sluice infer-schema --data <file> > schema.yml`',
    });
  }
  const ctx: Ctx = { file, placeOf };
  const top = entries(ctx, root, TOP_KEYS, '');
  const columnsNode = top.get('columns');
  if (!columnsNode) {
    throw new UsageError('the schema has no `columns:` mapping', {
      place: placeOf(root),
      hint: 'list each column with its type',
    });
  }
  const columns = parseColumns(ctx, columnsNode);
  const schema: DataSchema = {
    file,
    columns,
    strict: true,
    strictPlace: placeOf(columnsNode.key as Node, 'columns'),
    checks: [],
    csv: { header: true },
    place: placeOf(root),
  };
  const strict = top.get('strict');
  if (strict) {
    schema.strict = bool(ctx, strict, 'strict');
    schema.strictPlace = placeOf(strict.key as Node, 'strict');
  }
  const rows = top.get('rows');
  if (rows) schema.rows = parseRows(ctx, rows);
  const duplicates = top.get('duplicates');
  if (duplicates) schema.duplicates = parseDuplicates(ctx, duplicates);
  const checks = top.get('checks');
  if (checks) schema.checks = parseChecks(ctx, checks);
  const drift = top.get('drift');
  if (drift)
    schema.drift = parseDrift(ctx, drift, columns, (path) => resolvePath(dirname(file), path));
  const csv = top.get('csv');
  if (csv) schema.csv = parseCsv(ctx, csv);
  return schema;
}

/** `columns:`: column name → its rules. */
function parseColumns(ctx: Ctx, pair: Pair): ColumnRule[] {
  if (!isMap(pair.value))
    throw new UsageError('`columns` must be a mapping of column name to rules', {
      place: ctx.placeOf((pair.value ?? pair.key) as Node, 'columns'),
    });
  return pair.value.items.map((item) => parseColumn(ctx, item));
}

/** `rows: {min, max}`. */
function parseRows(ctx: Ctx, pair: Pair): NonNullable<DataSchema['rows']> {
  const keys = entries(ctx, mapOf(ctx, pair, 'rows'), ROWS_KEYS, 'rows');
  const rows: NonNullable<DataSchema['rows']> = { place: ctx.placeOf(pair.key as Node, 'rows') };
  const min = keys.get('min');
  const max = keys.get('max');
  if (min) rows.min = count(ctx, min, 'rows.min');
  if (max) rows.max = count(ctx, max, 'rows.max');
  return rows;
}

/** `duplicates: {max_fraction}`. */
function parseDuplicates(ctx: Ctx, pair: Pair): NonNullable<DataSchema['duplicates']> {
  const keys = entries(ctx, mapOf(ctx, pair, 'duplicates'), DUPLICATES_KEYS, 'duplicates');
  const fraction = keys.get('max_fraction');
  return {
    maxFraction: fraction ? fractionOf(ctx, fraction, 'duplicates.max_fraction') : 0,
    place: ctx.placeOf(pair.key as Node, 'duplicates'),
  };
}

/** `checks:`: a list of `{name, sql, max_failures}`. */
function parseChecks(ctx: Ctx, pair: Pair): RowCheck[] {
  if (!isSeq(pair.value))
    throw new UsageError('`checks` must be a list of `{name, sql, max_failures}`', {
      place: ctx.placeOf(pair.value as Node, 'checks'),
    });
  return pair.value.items.map((item, index) => {
    const key = `checks[${index}]`;
    if (!isMap(item))
      throw new UsageError('each check is a mapping `{name, sql, max_failures}`', {
        place: ctx.placeOf(item as Node, key),
      });
    const keys = entries(ctx, item, CHECK_KEYS, key);
    const name = keys.get('name');
    const sql = keys.get('sql');
    if (!sql)
      throw new UsageError('a check needs `sql:` (a row predicate, e.g. `price >= 0`)', {
        place: ctx.placeOf(item, key),
      });
    const maxFailures = keys.get('max_failures');
    const predicate = str(ctx, sql, `${key}.sql`);
    // Only text here: DuckDB's own parser vets it as one row predicate (check-sql.ts).
    return {
      name: name ? str(ctx, name, `${key}.name`) : `check_${index + 1}`,
      sql: predicate,
      maxFailures: maxFailures ? count(ctx, maxFailures, `${key}.max_failures`) : 0,
      place: ctx.placeOf(item, key),
      sqlPlace: ctx.placeOf(sql.value as Node, `${key}.sql`),
    };
  });
}

/** `drift: {reference, columns, method, threshold, min_effect}`; `resolve` places the reference. */
function parseDrift(
  ctx: Ctx,
  pair: Pair,
  columns: readonly ColumnRule[],
  resolve: (path: string) => string,
): DriftConfig {
  const keys = entries(ctx, mapOf(ctx, pair, 'drift'), DRIFT_KEYS, 'drift');
  const config: DriftConfig = {
    columns: 'all',
    method: 'auto',
    place: ctx.placeOf(pair.key as Node, 'drift'),
  };
  const reference = keys.get('reference');
  if (reference) config.reference = resolve(str(ctx, reference, 'drift.reference'));
  const cols = keys.get('columns');
  if (cols) {
    if (isScalar(cols.value) && cols.value.value === 'all') config.columns = 'all';
    else if (isSeq(cols.value)) {
      config.columns = cols.value.items.map((item) =>
        scalarText(ctx, item as Node, 'drift.columns'),
      );
      config.columnPlaces = cols.value.items.map((item) =>
        ctx.placeOf(item as Node, 'drift.columns'),
      );
    } else
      throw new UsageError('`drift.columns` is `all` or a list of column names', {
        place: ctx.placeOf(cols.value as Node, 'drift.columns'),
      });
  }
  const method = keys.get('method');
  if (method) config.method = choice(ctx, method, 'drift.method', DRIFT_METHODS);
  const threshold = keys.get('threshold');
  if (threshold && !(isScalar(threshold.value) && threshold.value.value === 'auto')) {
    config.threshold = positive(ctx, threshold, 'drift.threshold');
    // A p-value of 1 or more would flag every column.
    if (
      (config.method === 'ks' || config.method === 'chisquare' || config.method === 'z') &&
      config.threshold >= 1
    )
      throw new UsageError(
        `\`drift.threshold\` is a p-value for \`${config.method}\`: below 1 (e.g. 0.05); got ${config.threshold}`,
        { place: ctx.placeOf(threshold.value as Node, 'drift.threshold') },
      );
  }
  const minEffect = keys.get('min_effect');
  if (minEffect) config.minEffect = fractionOf(ctx, minEffect, 'drift.min_effect');
  const keyColumns = columns.filter((c) => c.unique).map((c) => c.name);
  if (keyColumns.length > 0) config.keys = keyColumns;
  return config;
}

/** `csv: {delimiter, header}`. */
function parseCsv(ctx: Ctx, pair: Pair): CsvOptions {
  const keys = entries(ctx, mapOf(ctx, pair, 'csv'), CSV_KEYS, 'csv');
  const csv: CsvOptions = { header: true };
  const delimiter = keys.get('delimiter');
  const header = keys.get('header');
  if (delimiter) csv.delimiter = str(ctx, delimiter, 'csv.delimiter');
  if (header) csv.header = bool(ctx, header, 'csv.header');
  return csv;
}

/** One column's rules, each key read by its own reader. */
function parseColumn(ctx: Ctx, pair: Pair): ColumnRule {
  const keyNode = pair.key as Node;
  const name = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
  const path = `columns.${name}`;
  const rule: ColumnRule = { name, place: ctx.placeOf(keyNode, path), keyPlaces: {} };
  if (pair.value === null || (isScalar(pair.value) && pair.value.value === null)) return rule;
  if (!isMap(pair.value)) {
    throw new UsageError(
      `column \`${name}\` needs a mapping of rules, e.g. \`{ type: integer }\``,
      { place: ctx.placeOf(pair.value as Node, path) },
    );
  }
  const keys = entries(ctx, pair.value, COLUMN_KEYS, path);
  for (const [key, entry] of keys) {
    rule.keyPlaces[key] = ctx.placeOf(entry.key as Node, `${path}.${key}`);
    const where = `${path}.${key}`;
    switch (key) {
      case 'type':
        rule.type = choice(ctx, entry, where, COLUMN_TYPES);
        break;
      case 'nullable':
        rule.nullable = bool(ctx, entry, where);
        break;
      case 'min':
        rule.min = literal(ctx, entry, where);
        break;
      case 'max':
        rule.max = literal(ctx, entry, where);
        break;
      case 'allowed': {
        if (!isSeq(entry.value))
          throw new UsageError('`allowed` is a list of values', {
            place: ctx.placeOf(entry.value as Node, where),
          });
        rule.allowed = entry.value.items.map((item) => literalNode(ctx, item as Node, where));
        break;
      }
      case 'max_null_fraction':
        rule.maxNullFraction = fractionOf(ctx, entry, where);
        break;
      case 'pattern': {
        const pattern = str(ctx, entry, where);
        try {
          new RegExp(pattern);
        } catch (error) {
          throw new UsageError(
            `\`pattern\` is not a valid regular expression: ${(error as Error).message}`,
            { place: ctx.placeOf(entry.value as Node, where) },
          );
        }
        rule.pattern = pattern;
        break;
      }
      case 'unique':
        rule.unique = bool(ctx, entry, where);
        break;
      case 'max_age': {
        const text = scalarText(ctx, entry.value as Node, where);
        const seconds = parseDuration(text);
        if (seconds === undefined) {
          throw new UsageError(
            `\`max_age\` must be a duration like 7d, 12h, 30m, 45s, 2w; got \`${text}\``,
            { place: ctx.placeOf(entry.value as Node, where) },
          );
        }
        rule.maxAge = { text, seconds };
        break;
      }
    }
  }
  return rule;
}
