import { UsageError } from '../errors.js';
import type { SqlEngine } from './engine.js';
import { toNumber } from './checks.js';
import { pathListSql, scanSql, singleFile } from './source.js';
import type { DataSource } from './source.js';
import type { DataColumn } from './checks.js';
import { quoteIdent, quoteString } from './sql.js';

const CANDIDATES = [',', ';', '\t', '|'] as const;

function shown(delimiter: string): string {
  return delimiter === '\t' ? 'a tab' : `\`${delimiter}\``;
}

/** The candidate delimiter that splits a header line into the most fields. */
function likelyDelimiter(header: string): string | undefined {
  let best: string | undefined;
  let bestCount = 0;
  for (const candidate of CANDIDATES) {
    const count = header.split(candidate).length - 1;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}

/**
 * A CSV that DuckDB reads as one column, or cannot sniff: either the delimiter is wrong, or
 * some rows have a different number of fields (the sniffer then gives up on splitting). A
 * second read with the delimiter the header suggests and a rejects table tells which, and
 * the first bad line. `header` is the one column's name ('' when sniffing failed).
 */
export async function diagnoseCsv(
  engine: SqlEngine,
  source: DataSource,
  header: string,
): Promise<UsageError> {
  const firstLine = header === '' ? await readFirstLine(engine, source) : header;
  const guess = likelyDelimiter(firstLine) ?? source.delimiter ?? ',';
  const file = source.label;
  const first =
    (await firstRejectedLine(engine, { ...source, delimiter: guess })) ??
    (await firstRejectedLineStrict(engine, { ...source, delimiter: guess }, firstLine));
  if (first) {
    // One plain file keeps the name the user gave; a glob or a list names the file at fault.
    const place = { file: singleFile(source) ? file : (first.file ?? file), line: first.line };
    if (first.kind === 'TOO MANY COLUMNS' || first.kind === 'MISSING COLUMNS') {
      const fields =
        header === '' ? '' : ` (${header.split(guess).length} split on ${shown(guess)})`;
      return new UsageError(
        `line ${first.line} has ${first.kind === 'TOO MANY COLUMNS' ? 'more' : 'fewer'} fields than the header${fields}: ${truncate(first.text)}`,
        {
          place,
          hint: 'every row needs the same number of fields; quote values that contain the delimiter',
        },
      );
    }
    const text = first.text.split(/\r?\n/)[0] ?? first.text;
    return new UsageError(`line ${first.line}: ${describeReject(first)}: ${truncate(text)}`, {
      place,
      hint: REJECT_HINT[first.kind] ?? 'fix the line so it is plain CSV (RFC 4180)',
    });
  }
  if (header !== '' && guess !== source.delimiter) {
    return new UsageError(
      source.delimiter === undefined
        ? `reads as one column \`${truncate(header, 60)}\`; it splits on ${shown(guess)}`
        : `the delimiter is ${shown(source.delimiter)} but the file splits on ${shown(guess)}`,
      {
        place: { file, line: 1 },
        hint: `set \`csv: { delimiter: ${JSON.stringify(guess)} }\` in the schema`,
      },
    );
  }
  return new UsageError(
    'cannot read it as CSV: rows have different numbers of fields, or the delimiter is wrong',
    {
      place: { file },
      hint: 'set `csv: { delimiter: ";" }` in the schema when it is not a comma',
    },
  );
}

const REJECT_HINT: Record<string, string> = {
  'UNQUOTED VALUE':
    'close the quote, or double a quote inside a quoted value (`""`); sluice reads `"` as the quote character always',
  'INVALID ENCODING': 'save the file as UTF-8',
  'INVALID UNICODE': 'save the file as UTF-8',
  'LINE SIZE OVER MAXIMUM':
    'a line is over DuckDB’s line limit: an unclosed quote, or not a CSV file',
};

function describeReject(rejected: Rejected): string {
  switch (rejected.kind) {
    case 'UNQUOTED VALUE':
      return 'a quote is not closed, or text follows a closing quote';
    case 'INVALID ENCODING':
    case 'INVALID UNICODE':
      return 'not valid UTF-8';
    case 'LINE SIZE OVER MAXIMUM':
      return 'the line is too long';
    default:
      return rejected.message ?? rejected.kind.toLowerCase();
  }
}

interface Rejected {
  line: number;
  kind: string;
  text: string;
  file: string | null;
  message?: string;
}

const REJECTS =
  "store_rejects=true, rejects_table='sluice_rejects', rejects_scan='sluice_reject_scans'";

async function firstRejectedLine(
  engine: SqlEngine,
  source: DataSource,
): Promise<Rejected | undefined> {
  return rejectsOf(engine, scanSql(source).replace(/\)$/, `, ${REJECTS})`));
}

/**
 * The same diagnosis without DuckDB's sniffer, which gives up on a file whose one quote is
 * never closed: RFC 4180 read with the guessed delimiter, as many text fields as the first
 * line has, the header line checked like any other (so lines are the file's own).
 */
async function firstRejectedLineStrict(
  engine: SqlEngine,
  source: DataSource,
  firstLine: string,
): Promise<Rejected | undefined> {
  const delimiter = source.delimiter ?? ',';
  const count = Math.max(1, firstLine === '' ? 1 : firstLine.split(delimiter).length);
  const columns = Array.from({ length: count }, (_, i) => `'c${i}': 'VARCHAR'`).join(', ');
  return rejectsOf(
    engine,
    `read_csv(${pathListSql(source)}, auto_detect=false, header=false, skip=0, delim=${quoteString(delimiter)}, quote='"', escape='"', comment='', columns={${columns}}, ${REJECTS})`,
  );
}

async function rejectsOf(engine: SqlEngine, scan: string): Promise<Rejected | undefined> {
  try {
    await engine.query(`SELECT count(*) FROM ${scan}`);
    const rows = await engine.query(
      `SELECT e.line, e.error_type, e.csv_line, e.error_message, s.file_path
       FROM sluice_rejects e LEFT JOIN sluice_reject_scans s USING (scan_id, file_id)
       WHERE e.error_type <> 'CAST'
       ORDER BY s.file_path, e.line LIMIT 1`,
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      line: toNumber(row['line']),
      kind: String(row['error_type']),
      // DuckDB's copy of the line may keep the line break before or after it (CRLF files).
      text: String(row['csv_line'] ?? '').replace(/^[\r\n]+|[\r\n]+$/g, ''),
      file: typeof row['file_path'] === 'string' ? row['file_path'] : null,
      message: firstOf(String(row['error_message'] ?? '')),
    };
  } catch {
    // The second read is only a diagnosis: when it fails too, the plain message stands.
    return undefined;
  } finally {
    await engine.query('DROP TABLE IF EXISTS sluice_rejects').catch(() => undefined);
    await engine.query('DROP TABLE IF EXISTS sluice_reject_scans').catch(() => undefined);
  }
}

/** The first line of the (first) file, as text: no quotes, no delimiter, nothing sniffed. */
async function readFirstLine(engine: SqlEngine, source: DataSource): Promise<string> {
  try {
    const rows = await engine.query(
      `SELECT l FROM read_csv(${pathListSql(source)}, auto_detect=false, header=false, skip=0, delim='\x01', quote='', escape='', comment='', columns={'l': 'VARCHAR'}, strict_mode=false, ignore_errors=true) LIMIT 1`,
    );
    const line = rows[0]?.['l'];
    return typeof line === 'string' ? line : '';
  } catch {
    return '';
  }
}

function firstOf(text: string): string {
  return truncate(text.split('\n')[0] ?? text, 160);
}

function truncate(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * A CSV read as one column whose name holds a delimiter: ragged rows made the sniffer give up
 * splitting, or the delimiter is wrong; found with its line. A schema that declares that very
 * name (`declared`), delimiter and all, means it.
 */
export async function guardOneColumn(
  engine: SqlEngine,
  source: DataSource,
  columns: readonly DataColumn[],
  declared: readonly string[] = [],
): Promise<void> {
  if (source.format !== 'csv' || columns.length !== 1) return;
  const only = columns[0]?.name ?? '';
  if (declared.includes(only)) return;
  if (likelyDelimiter(only) !== undefined) throw await diagnoseCsv(engine, source, only);
}

/**
 * Several CSV files read as one table (a glob, a folder): DuckDB sniffs each file alone, so a
 * ragged file becomes one column named like the others' header joined by the delimiter
 * (`id,v,cat`) instead of failing. Such a column sends the diagnosis to its file and line.
 */
export async function guardMixedFiles(
  engine: SqlEngine,
  source: DataSource,
  columns: readonly DataColumn[],
): Promise<void> {
  if (source.format !== 'csv' || columns.length < 2) return;
  const names = new Set(columns.map((c) => c.name));
  const joined = columns.find((c) => {
    const delimiter = likelyDelimiter(c.name);
    if (delimiter === undefined) return false;
    const parts = c.name.split(delimiter);
    return parts.length > 1 && parts.every((part) => names.has(part.trim()));
  });
  if (!joined) return;
  const rows = await engine.query(
    `SELECT __sluice_file AS f FROM ${scanSql(source, { filename: '__sluice_file' })}
     WHERE ${quoteIdent(joined.name)} IS NOT NULL LIMIT 1`,
  );
  const file = rows[0]?.['f'];
  if (typeof file !== 'string') return;
  throw await diagnoseCsv(engine, { ...source, paths: [file], label: file }, joined.name);
}
