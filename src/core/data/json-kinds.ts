import type { SqlEngine } from './engine.js';
import { toNumber } from './checks.js';
import { translateEngineError } from './engine-errors.js';
import { recordLines } from './record-lines.js';
import type { ColumnType, DataSchema } from './schema.js';
import { jsonFormat, jsonLines, pathListSql, singleFile } from './source.js';
import type { DataSource } from './source.js';
import { quoteIdent, quoteString } from './sql.js';
import { UsageError } from '../errors.js';

/**
 * What a JSON value must be for a declared type. DuckDB's reader converts leniently: read as
 * BIGINT, 2.5 becomes 2 and "7" becomes 7, so a wrong value would pass the checks unseen.
 */
const FITS: Partial<Record<ColumnType, { kinds: readonly string[]; what: string }>> = {
  integer: { kinds: ['BIGINT', 'UBIGINT'], what: 'a whole number' },
  float: { kinds: ['BIGINT', 'UBIGINT', 'DOUBLE'], what: 'a number' },
  boolean: { kinds: ['BOOLEAN'], what: 'true or false' },
};

/**
 * Numbers written as strings that are still exactly that number: protobuf's JSON and BigQuery's
 * exports write 64-bit integers as `"123"`, and protobuf writes `"NaN"` and `"Infinity"`.
 */
const AS_TEXT: Partial<Record<ColumnType, (text: string) => string>> = {
  integer: (text) => `regexp_full_match(${text}, '-?[0-9]+')`,
  float: (text) => `TRY_CAST(${text} AS DOUBLE) IS NOT NULL`,
};

/** Columns checked per scan (each adds two filtered aggregates). */
const KINDS_PER_SCAN = 32;

/** Not `filename`: the data may have a column of that name. */
const FILE_COLUMN = '__sluice_file';

/** Longest value quoted in the error. */
const SHOWN = 60;

/**
 * Fails, at the first such record's file and line, when a JSON column declared integer,
 * float or boolean holds a value of another kind: text that is not that number, a fraction in
 * integers (a whole number written as 3.0 is fine), an object. One light pass over the records.
 */
export async function checkJsonKinds(
  engine: SqlEngine,
  source: DataSource,
  schema: DataSchema,
): Promise<void> {
  if (source.format !== 'json') return;
  const typed = schema.columns.flatMap((c) => {
    const fits = c.type ? FITS[c.type] : undefined;
    return fits && c.type ? [{ name: c.name, type: c.type, ...fits }] : [];
  });
  if (typed.length === 0) return;
  // Read as JSON values, so each record is parsed once and each kind is asked of a small value.
  const asJson = typed.map((c) => `${quoteString(c.name)}: 'JSON'`).join(', ');
  // Hive partition keys come from folder names, not records: left out, they read as null.
  const from = `read_json(${pathListSql(source)}, format=${jsonFormat(source)}, columns={${asJson}}, filename=${quoteString(FILE_COLUMN)}, hive_partitioning=false) WITH ORDINALITY`;
  const checked = typed.map((c) => {
    const value = quoteIdent(c.name);
    const kind = `json_type(${value})`;
    const number = `TRY_CAST(${value} AS DOUBLE)`;
    const whole =
      c.type === 'integer' ? ` OR (${kind} = 'DOUBLE' AND ${number} = trunc(${number}))` : '';
    const asText = AS_TEXT[c.type];
    const text = asText ? ` OR (${kind} = 'VARCHAR' AND ${asText(`${value} ->> '$'`)})` : '';
    const bad = `NOT (${value} IS NULL OR ${kind} IN ('NULL', ${c.kinds.map(quoteString).join(', ')})${whole}${text})`;
    return { ...c, value, bad };
  });
  let firstBad: ((typeof checked)[number] & { record: number; count: number }) | undefined;
  try {
    // In batches: a few hundred filtered aggregates in one query outgrow DuckDB's memory.
    for (let at = 0; at < checked.length; at += KINDS_PER_SCAN) {
      const batch = checked.slice(at, at + KINDS_PER_SCAN);
      const [row] = await engine.query(
        `SELECT ${batch
          .map(
            (c, i) =>
              `min(ordinality) FILTER (WHERE ${c.bad}) AS r${i}, count(*) FILTER (WHERE ${c.bad}) AS n${i}`,
          )
          .join(', ')} FROM ${from}`,
      );
      batch.forEach((c, i) => {
        const record = row?.[`r${i}`];
        if (record === null || record === undefined) return;
        if (!firstBad || toNumber(record) < firstBad.record)
          firstBad = { ...c, record: toNumber(record), count: toNumber(row?.[`n${i}`]) };
      });
    }
  } catch (error) {
    translateEngineError(error, source);
  }
  if (!firstBad) return;
  const [found] = await engine.query(
    `SELECT ${quoteIdent(FILE_COLUMN)} AS f, CAST(${firstBad.value} AS VARCHAR) AS v FROM ${from} WHERE ordinality = ${firstBad.record}`,
  );
  const file = String(found?.['f']);
  const value = String(found?.['v']);
  const [start] = await engine.query(
    `SELECT min(ordinality) AS first FROM ${from} WHERE ${quoteIdent(FILE_COLUMN)} = ${quoteString(file)}`,
  );
  const record = firstBad.record - toNumber(start?.['first']) + 1;
  const line = jsonLines(source)
    ? ((await recordLines(file, [record], { header: false }).catch(() => undefined))?.get(record) ??
      record)
    : undefined;
  const more = firstBad.count > 1 ? ` (${firstBad.count} such values)` : '';
  throw new UsageError(
    `column \`${firstBad.name}\` is declared ${firstBad.type} but holds ${shorten(value)}, not ${firstBad.what}${more}`,
    {
      place: {
        file: singleFile(source) ? source.label : file,
        ...(line !== undefined ? { line } : {}),
      },
      hint: 'fix the value, or declare the column with the type its values have',
    },
  );
}

function shorten(text: string): string {
  return text.length <= SHOWN ? text : `${text.slice(0, SHOWN)}…`;
}
