import { UsageError } from '../errors.js';
import type { SqlEngine } from './engine.js';
import { toNumber } from './checks.js';
import { scanSql, singleFile } from './source.js';
import type { DataSource } from './source.js';
import type { DataColumn } from './checks.js';
import { quoteIdent } from './sql.js';

const CANDIDATES = [',', ';', '\t', '|'] as const;

function shown(delimiter: string): string {
  return delimiter === '\t' ? 'a tab' : `\`${delimiter}\``;
}

/** The candidate delimiter that splits a header line into the most fields. */
export function likelyDelimiter(header: string): string | undefined {
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
  const guess = likelyDelimiter(header) ?? source.delimiter ?? ',';
  const file = source.label;
  const first = await firstRejectedLine(engine, { ...source, delimiter: guess });
  if (first) {
    const fields = header === '' ? '' : ` (${header.split(guess).length} split on ${shown(guess)})`;
    return new UsageError(
      `line ${first.line} has ${first.kind === 'TOO MANY COLUMNS' ? 'more' : 'fewer'} fields than the header${fields}: ${truncate(first.text)}`,
      {
        // One plain file keeps the name the user gave; a glob or a list names the file at fault.
        place: { file: singleFile(source) ? file : (first.file ?? file), line: first.line },
        hint: 'every row needs the same number of fields; quote values that contain the delimiter',
      },
    );
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

interface Rejected {
  line: number;
  kind: string;
  text: string;
  file: string | null;
}

async function firstRejectedLine(
  engine: SqlEngine,
  source: DataSource,
): Promise<Rejected | undefined> {
  const scan = scanSql(source).replace(
    /\)$/,
    ", store_rejects=true, rejects_table='sluice_rejects', rejects_scan='sluice_reject_scans')",
  );
  try {
    await engine.query(`SELECT count(*) FROM ${scan}`);
    const rows = await engine.query(
      `SELECT e.line, e.error_type, e.csv_line, s.file_path
       FROM sluice_rejects e LEFT JOIN sluice_reject_scans s USING (scan_id, file_id)
       WHERE e.error_type IN ('MISSING COLUMNS', 'TOO MANY COLUMNS')
       ORDER BY s.file_path, e.line LIMIT 1`,
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      line: toNumber(row['line']),
      kind: String(row['error_type']),
      // DuckDB's copy of the line may keep the line break before or after it (CRLF files).
      text: String(row['csv_line']).replace(/^[\r\n]+|[\r\n]+$/g, ''),
      file: typeof row['file_path'] === 'string' ? row['file_path'] : null,
    };
  } catch {
    // The second read is only a diagnosis: when it fails too, the plain message stands.
    return undefined;
  } finally {
    await engine.query('DROP TABLE IF EXISTS sluice_rejects').catch(() => undefined);
    await engine.query('DROP TABLE IF EXISTS sluice_reject_scans').catch(() => undefined);
  }
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
