import path from 'node:path';
import { UsageError } from '../../core/errors.js';
import { readUserText } from '../../core/files/user-file.js';

/**
 * The replay's dataset: a CSV (header row, RFC 4180 quoting) or JSON Lines file (one object a
 * line), read through readUserFile (regular files only, size-bounded), at most MAX_ROWS rows.
 * CSV cells that read as numbers become numbers, empty cells null, the rest strings.
 */

const MAX_ROWS = 10_000;
const MAX_DATASET_BYTES = 64 * 1024 * 1024;

export interface DatasetRow {
  /** The row's `id` column when it has one, else its line number in the file. */
  id: string;
  line: number;
  values: Record<string, unknown>;
}

export async function readDataset(file: string, maxRows = MAX_ROWS): Promise<DatasetRow[]> {
  const absolute = path.resolve(file);
  const text = await readUserText(
    absolute,
    { file, what: 'replay dataset', key: 'data' },
    { maxBytes: MAX_DATASET_BYTES },
  );
  const lower = file.toLowerCase();
  if (lower.endsWith('.csv')) return parseCsv(text, file, maxRows);
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return parseJsonl(text, file, maxRows);
  throw new UsageError(`the replay dataset must be a .csv or .jsonl file`, {
    place: { file, key: 'data' },
  });
}

function idOf(values: Record<string, unknown>, line: number): string {
  const id = values.id;
  return typeof id === 'string' || typeof id === 'number' ? String(id).slice(0, 200) : String(line);
}

function tooMany(file: string, maxRows: number): UsageError {
  return new UsageError(`the replay dataset has more than ${maxRows} rows`, {
    place: { file, key: 'data' },
    hint: `replay a sample of at most ${maxRows} rows`,
  });
}

function parseJsonl(text: string, file: string, maxRows = MAX_ROWS): DatasetRow[] {
  const rows: DatasetRow[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new UsageError(`line ${i + 1} of the replay dataset is not JSON`, {
        place: { file, line: i + 1 },
      });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new UsageError(`line ${i + 1} of the replay dataset is not a JSON object`, {
        place: { file, line: i + 1 },
      });
    if (rows.length >= maxRows) throw tooMany(file, maxRows);
    const values = value as Record<string, unknown>;
    rows.push({ id: idOf(values, i + 1), line: i + 1, values });
  }
  return rows;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function parseCsv(text: string, file: string, maxRows = MAX_ROWS): DatasetRow[] {
  const records = csvRecords(text.replace(/^\uFEFF/, ''), file, maxRows + 1);
  if (records.length === 0) return [];
  const header = records[0]!.cells;
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name))
      throw new UsageError(
        `the replay dataset's header names the column "${name.slice(0, 80)}" twice`,
        {
          place: { file, line: 1 },
        },
      );
    seen.add(name);
  }
  return records.slice(1).map(({ cells, line }) => {
    if (cells.length !== header.length)
      throw new UsageError(
        `line ${line} of the replay dataset has ${cells.length} cells, the header ${header.length}`,
        { place: { file, line } },
      );
    const values: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    header.forEach((name, i) => {
      const cell = cells[i]!;
      values[name] = cell === '' ? null : NUMBER.test(cell.trim()) ? Number(cell) : cell;
    });
    return { id: idOf(values, line), line, values };
  });
}

function csvRecords(
  text: string,
  file: string,
  maxRecords: number,
): { cells: string[]; line: number }[] {
  const records: { cells: string[]; line: number }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let any = false;
  const endRecord = () => {
    cells.push(cell);
    if (!(cells.length === 1 && cells[0] === '' && !any)) {
      if (records.length >= maxRecords) throw tooMany(file, maxRecords - 1);
      records.push({ cells, line: recordLine });
    }
    cells = [];
    cell = '';
    any = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"' && cell === '') {
      quoted = true;
      any = true;
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
      any = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else cell += ch;
  }
  if (quoted)
    throw new UsageError(`the replay dataset has a quoted cell that is never closed`, {
      place: { file, line: recordLine },
    });
  if (cell !== '' || cells.length > 0 || any) endRecord();
  return records;
}
