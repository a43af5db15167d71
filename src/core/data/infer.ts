import { Document, isMap, isScalar } from 'yaml';
import type { Pair } from 'yaml';
import { UsageError } from '../errors.js';
import { dataFiles, refuseDeepJson } from './data-files.js';
import type { SqlEngine, SqlRow } from './engine.js';
import { guardOneColumn } from './csv-diagnose.js';
import { translateEngineError } from './engine-errors.js';
import { describeSource } from './describe.js';
import { scanSql } from './source.js';
import type { DataSource } from './source.js';
import { isNumericFamily, numberLiteral, quoteIdent, quoteString, typeFamily } from './sql.js';
import { toNumber } from './checks.js';
import { holdsNul } from './sql-text.js';
import { widenedBounds } from './infer-bounds.js';
import type { DataColumn } from './checks.js';

/** At most this many distinct values make an `allowed` list. */
const MAX_ALLOWED = 20;
/**
 * approx_count_distinct is a HyperLogLog: far off at times for large counts, close for small
 * ones. Columns whose estimate reaches this share of their values get an exact distinct count
 * before `unique: true` is written; the rest cannot be unique.
 */
const UNIQUE_CANDIDATE_SHARE = 0.5;
/** Columns estimated at up to this many distinct values have them listed (then counted exactly). */
const CATEGORY_CANDIDATE = MAX_ALLOWED * 2;

/**
 * A starting schema from the data: types, nullability, observed ranges, small category sets,
 * unique keys. validate-data accepts what it writes and the same data passes it.
 */
export async function inferSchema(engine: SqlEngine, source: DataSource): Promise<string> {
  await engine.confine(source.paths);
  // Regular files only (a FIFO in a glob would block the read), JSON nested within bounds.
  await refuseDeepJson(await dataFiles(engine, source), source);
  // JSON: every record's keys and types. The reader's sample would drop late keys, and a late
  // value of another type would not even fail: read as the sampled BIGINT, 2.5 becomes 2. The
  // scans then read those columns as typed, with no sampling of their own.
  const sniffed = await describeSource(engine, source, { wholeSample: true });
  await guardOneColumn(engine, source, sniffed);
  const { columns, types, row } = await firstPass(engine, source, sniffed);
  const rows = toNumber(row['__rows']);
  if (rows === 0)
    throw new UsageError('the dataset is empty (no rows)', {
      place: { file: source.label },
      hint: 'infer-schema needs data rows to infer a schema from',
    });
  const scan = scanSql(source, { types });
  const second = await secondPass(engine, scan, columns, row, rows, source);
  const keys = keyColumns(columns, row, second.unique);
  const tails = await tailsOf(engine, scan, columns, row, rows, source);
  const bounds = await safeBounds(engine, columns, row, tails, keys);

  // A Map, not an object: a column may be called `__proto__`.
  const rules = new Map<string, Record<string, unknown>>();
  const untyped = new Map<string, string>();
  columns.forEach((c, i) => {
    const rule: Record<string, unknown> = {};
    if (c.family === 'other') untyped.set(c.name, c.type);
    else rule['type'] = c.family;
    if (toNumber(row[`n${i}`]) === rows) rule['nullable'] = false;
    const range = bounds.get(i);
    if (range?.min !== undefined) rule['min'] = range.min;
    if (range?.max !== undefined) rule['max'] = range.max;
    const allowed = second.allowed.get(i);
    if (allowed) rule['allowed'] = allowed;
    if (second.unique.has(i) && (c.family === 'string' || keys.has(i))) rule['unique'] = true;
    rules.set(c.name, rule);
  });
  const doc = new Document({ columns: rules, strict: true, rows: { min: 1 } });
  markUntyped(doc, untyped);
  markKeys(doc, columns, keys, rows);
  const label = source.label.replace(/\s+/g, ' ');
  return `# Inferred by \`sluice infer-schema\` from ${label}: review before relying on it.\n${doc.toString()}`;
}

interface FirstPass {
  columns: DataColumn[];
  /** CSV columns whose sniffed type a later value did not fit: read as this type instead. */
  types: Record<string, string>;
  row: SqlRow;
}

/**
 * Counts, estimates and numeric bounds in one scan. The CSV sniffer looks at a sample only,
 * so a value further down may not fit the type it chose: that column is widened (integer to
 * DOUBLE when the value is a number, else VARCHAR) and the scan runs again, so the schema
 * declares a type every row of the file satisfies.
 */
async function firstPass(
  engine: SqlEngine,
  source: DataSource,
  sniffed: DataColumn[],
): Promise<FirstPass> {
  // No prototype: a column may be called `constructor` or `__proto__`.
  const types = Object.create(null) as Record<string, string>;
  if (source.format === 'json') for (const c of sniffed) types[c.name] = c.type;
  for (;;) {
    const columns = sniffed.map((c) => {
      const forced = types[c.name];
      return forced ? { name: c.name, type: forced, family: typeFamily(forced) } : c;
    });
    const parts: string[] = ['count(*) AS __rows'];
    columns.forEach((c, i) => {
      const q = quoteIdent(c.name);
      parts.push(`count(${q}) AS n${i}`);
      if (c.family === 'string' || c.family === 'integer')
        parts.push(`approx_count_distinct(${q}) AS d${i}`);
      if (isNumericFamily(c.family)) {
        // DOUBLE for the number written; the text for checking it against the exact value.
        // min/max order NaN above +inf, so a non-finite bound shows NaN or ±inf is present.
        parts.push(`CAST(min(${q}) AS DOUBLE) AS lo${i}`, `CAST(max(${q}) AS DOUBLE) AS hi${i}`);
        parts.push(
          `CAST(min(${q}) AS VARCHAR) AS lot${i}`,
          `CAST(max(${q}) AS VARCHAR) AS hit${i}`,
        );
      }
    });
    try {
      const [row] = await engine.query(
        `SELECT ${parts.join(', ')} FROM ${scanSql(source, { types })}`,
      );
      return { columns, types, row: row ?? {} };
    } catch (error) {
      const widened = source.format === 'csv' ? widen(error, columns) : undefined;
      if (!widened || types[widened.name] === widened.type) translateEngineError(error, source);
      types[widened.name] = widened.type;
    }
  }
}

/** The wider type for the column a CSV conversion error names, or undefined for other errors. */
function widen(error: unknown, columns: DataColumn[]): { name: string; type: string } | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const column = columns.find((c) => message.includes(`Error when converting column "${c.name}".`));
  if (!column || column.family === 'string') return undefined;
  const value = /Could not convert string "(.*)" to '/.exec(message)?.[1];
  const numeric = value !== undefined && value.trim() !== '' && Number.isFinite(Number(value));
  return {
    name: column.name,
    type: column.family === 'integer' && numeric ? 'DOUBLE' : 'VARCHAR',
  };
}

interface SecondPass {
  /** Column indexes proven all distinct by an exact count. */
  unique: Set<number>;
  /** Column index → its few distinct values, sorted. */
  allowed: Map<number, string[]>;
}

/**
 * The percentiles of the bounds' margins are exact (DuckDB then holds every value of every
 * numeric column) up to this many values in all, and estimated above it (a t-digest per column).
 */
const EXACT_TAIL_VALUES = 2_000_000;
/**
 * Aggregates per scan: exact distinct counts, value lists and percentiles each hold a state per
 * column and thread, and a table of hundreds of columns would exhaust the engine's memory in one.
 */
const AGGREGATES_PER_SCAN = 16;

/** One row of aggregates, computed a few at a time. */
async function scanInParts(
  engine: SqlEngine,
  scan: string,
  parts: string[],
  source: DataSource,
): Promise<SqlRow> {
  const out: SqlRow = {};
  for (let at = 0; at < parts.length; at += AGGREGATES_PER_SCAN) {
    const some = parts.slice(at, at + AGGREGATES_PER_SCAN);
    try {
      Object.assign(out, (await engine.query(`SELECT ${some.join(', ')} FROM ${scan}`))[0] ?? {});
    } catch (error) {
      translateEngineError(error, source);
    }
  }
  return out;
}

/**
 * The 1st and 99th percentiles of each numeric column, for the margins of its bounds.
 */
async function tailsOf(
  engine: SqlEngine,
  scan: string,
  columns: DataColumn[],
  row: SqlRow,
  rows: number,
  source: DataSource,
): Promise<Map<number, { p01: number; p99: number }>> {
  const numeric = columns
    .map((c, i) => ({ c, i }))
    .filter(({ c, i }) => isNumericFamily(c.family) && toNumber(row[`n${i}`]) > 0);
  const quantile = rows * numeric.length > EXACT_TAIL_VALUES ? 'approx_quantile' : 'quantile_disc';
  const result = await scanInParts(
    engine,
    scan,
    numeric.map(
      ({ c, i }) => `${quantile}(CAST(${quoteIdent(c.name)} AS DOUBLE), [0.01, 0.99]) AS t${i}`,
    ),
    source,
  );
  const tails = new Map<number, { p01: number; p99: number }>();
  for (const { i } of numeric) {
    const tail = result[`t${i}`];
    if (Array.isArray(tail) && tail.length === 2)
      tails.set(i, { p01: Number(tail[0]), p99: Number(tail[1]) });
  }
  return tails;
}

/** Fewer rows than this prove nothing about a key: any handful of numbers can be distinct. */
const MIN_KEY_ROWS = 20;
const ID_NAME = /(^|[_\s.-])(id|key|uuid|guid)$|[a-z]Id$/i;

/**
 * Exact distinct counts for the columns the estimate says may be unique, and the value lists
 * of the columns it says have few values: one more scan, and only of those columns.
 */
async function secondPass(
  engine: SqlEngine,
  scan: string,
  columns: DataColumn[],
  row: SqlRow,
  rows: number,
  source: DataSource,
): Promise<SecondPass> {
  const result: SecondPass = { unique: new Set(), allowed: new Map() };
  const parts: string[] = [];
  columns.forEach((c, i) => {
    const q = quoteIdent(c.name);
    const values = toNumber(row[`n${i}`]);
    if (c.family !== 'string' && c.family !== 'integer') return;
    const estimate = toNumber(row[`d${i}`]);
    if (values === rows && rows >= (c.family === 'integer' ? MIN_KEY_ROWS : 1))
      if (estimate >= values * UNIQUE_CANDIDATE_SHARE) parts.push(`count(DISTINCT ${q}) AS u${i}`);
    if (c.family === 'string' && values > 0 && estimate <= CATEGORY_CANDIDATE)
      parts.push(`list_sort(list(DISTINCT ${q}) FILTER (WHERE ${q} IS NOT NULL)) AS c${i}`);
  });
  if (parts.length === 0) return result;
  const second = await scanInParts(engine, scan, parts, source);
  columns.forEach((_c, i) => {
    const values = toNumber(row[`n${i}`]);
    if (`u${i}` in second && toNumber(second[`u${i}`]) === values) result.unique.add(i);
    const list = second[`c${i}`];
    // A list is a category set only when values repeat: a few values each seen once say little.
    // A value holding a NUL cannot be written into a schema validate-data would read back.
    if (
      Array.isArray(list) &&
      list.length > 0 &&
      list.length <= MAX_ALLOWED &&
      list.length < values / 2 &&
      !list.some((v) => holdsNul(String(v)))
    )
      result.allowed.set(
        i,
        list.map((v) => String(v)),
      );
  });
  return result;
}

/**
 * min/max as validate-data will compare them: a DOUBLE literal against the column's own type.
 * A bound is written only when it is finite and the exact extreme value passes the comparison
 * (a BIGINT beyond 2^53 or a DECIMAL rounds to the nearest double, which may lie inside the
 * range: that bound moves one double outward, or is left out).
 */
async function safeBounds(
  engine: SqlEngine,
  columns: DataColumn[],
  row: SqlRow,
  tails: Map<number, { p01: number; p99: number }>,
  keys: Set<number>,
): Promise<Map<number, { min?: number; max?: number }>> {
  interface Bound {
    index: number;
    side: 'min' | 'max';
    value: number;
    exact: string;
    type: string;
  }
  const candidates: Bound[] = [];
  columns.forEach((c, i) => {
    // A key's range says nothing about the next batch: its ids move on.
    if (!isNumericFamily(c.family) || keys.has(i)) return;
    const lo = row[`lo${i}`];
    const hi = row[`hi${i}`];
    const tail = tails.get(i);
    const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
    const widened =
      finite(lo) && finite(hi)
        ? widenedBounds({
            lo,
            hi,
            p01: finite(tail?.p01) ? tail.p01 : lo,
            p99: finite(tail?.p99) ? tail.p99 : hi,
            integer: c.family === 'integer',
          })
        : undefined;
    // NaN sorts above +inf: a column holding NaN has a NaN max, which rules out any max.
    for (const [side, value, exact] of [
      ['min', widened?.min ?? lo, row[`lot${i}`]],
      ['max', widened?.max ?? hi, row[`hit${i}`]],
    ] as const) {
      if (finite(value))
        candidates.push({ index: i, side, value, exact: String(exact), type: c.type });
    }
  });
  const outside = (b: Bound): string =>
    `CAST(${quoteString(b.exact)} AS ${b.type}) ${b.side === 'min' ? '<' : '>'} ${numberLiteral(b.value)}`;
  const failing = async (bounds: Bound[]): Promise<Bound[]> => {
    if (bounds.length === 0) return [];
    const [flags] = await engine.query(
      `SELECT ${bounds.map((b, k) => `${outside(b)} AS f${k}`).join(', ')}`,
    );
    return bounds.filter((_b, k) => flags?.[`f${k}`] === true);
  };
  const dropped = new Set<Bound>();
  const moved = await failing(candidates);
  for (const b of moved) b.value = nextDouble(b.value, b.side === 'min' ? -1 : 1);
  for (const b of await failing(moved.filter((b) => Number.isFinite(b.value)))) dropped.add(b);
  for (const b of moved) if (!Number.isFinite(b.value)) dropped.add(b);
  const out = new Map<number, { min?: number; max?: number }>();
  for (const b of candidates) {
    if (dropped.has(b)) continue;
    const range = out.get(b.index) ?? {};
    range[b.side] = b.value;
    out.set(b.index, range);
  }
  return out;
}

/** The next double after x towards +inf (1) or -inf (-1). */
function nextDouble(x: number, direction: 1 | -1): number {
  if (x === 0) return direction * Number.MIN_VALUE;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  view.setBigUint64(0, x > 0 === direction > 0 ? bits + 1n : bits - 1n);
  return view.getFloat64(0);
}

/**
 * Integer columns that are keys: every value distinct (an exact count) and either named like
 * one (`id`, `customer_id`, `userId`) or dense (the values fill most of their range, as
 * sequential ids do). A measurement whose values merely happen to differ is neither.
 */
function keyColumns(columns: DataColumn[], row: SqlRow, unique: Set<number>): Set<number> {
  const keys = new Set<number>();
  columns.forEach((c, i) => {
    if (c.family !== 'integer' || !unique.has(i)) return;
    const values = toNumber(row[`n${i}`]);
    const span = Number(row[`hi${i}`]) - Number(row[`lo${i}`]) + 1;
    if (ID_NAME.test(c.name) || span <= 2 * values) keys.add(i);
  });
  return keys;
}

/** A comment on each key column: why it has `unique` and no range. */
function markKeys(doc: Document, columns: DataColumn[], keys: Set<number>, rows: number): void {
  if (keys.size === 0) return;
  const map = doc.get('columns', true);
  if (!isMap(map)) return;
  const names = new Set([...keys].map((i) => columns[i]?.name));
  for (const pair of map.items as Pair[]) {
    const key = pair.key;
    if (isScalar(key) && names.has(String(key.value)))
      key.commentBefore = ` a key: all ${rows} values distinct; no range, since ids move on`;
  }
}

/**
 * Columns of a type the schema has no name for (TIME, UUID, STRUCT, lists, maps, BLOB...)
 * are listed without `type`, so strict mode still knows them and validate-data passes them;
 * a comment above each says why.
 */
function markUntyped(doc: Document, untyped: Map<string, string>): void {
  if (untyped.size === 0) return;
  const columns = doc.get('columns', true);
  if (!isMap(columns)) return;
  for (const pair of columns.items as Pair[]) {
    const key = pair.key;
    if (!isScalar(key)) continue;
    const type = untyped.get(String(key.value));
    if (type !== undefined)
      key.commentBefore = ` ${type.replace(/\s+/g, ' ')}: no schema type; not type-checked`;
  }
}
