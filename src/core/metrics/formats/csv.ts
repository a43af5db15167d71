import { UsageError } from '../../errors.js';
import type { MetricValue } from '../model.js';
import { valueFromCell } from '../scalar.js';

/**
 * CSV and TSV metrics in either of two shapes:
 *   long:  one `metric,value` pair per row, with or without a header row (recognised by its
 *          words: metric|metrics|name|key|metric_name, then value|values|score|metric_value);
 *   wide:  a header row of metric names and exactly one row of values (pandas' `to_csv` of a
 *          one-row frame).
 * A file with exactly two columns is long. Otherwise it is wide. A two-row, two-column file is
 * wide when its first row holds no number and is not a `metric,value` style header, e.g.
 * `accuracy,loss` over `0.91,0.2`.
 * Fields may be quoted ("a,b", doubled "" for a quote) and span lines inside quotes.
 */
export function parseDelimited(
  text: string,
  delimiter: ',' | '\t',
  file: string,
): Map<string, MetricValue> {
  const kind = delimiter === ',' ? 'CSV' : 'TSV';
  const rows = readRows(text, delimiter, file, kind);
  if (rows.length === 0) {
    throw new UsageError(`the ${kind} file has no rows`, {
      place: { file },
      hint: 'write `metric,value` rows',
    });
  }
  const first = rows[0]!;
  const isLong =
    first.cells.length === 2 &&
    !(
      rows.length === 2 &&
      !first.cells.some(isNumeric) &&
      !isLongHeader(first.cells) &&
      rows[1]!.cells.some(isNumeric)
    );
  return isLong ? readLong(rows, file, kind) : readWide(rows, file, kind);
}

interface Row {
  cells: string[];
  line: number;
}

const LONG_NAME = new Set(['metric', 'metrics', 'name', 'key', 'metric_name']);
const LONG_VALUE = new Set(['value', 'values', 'score', 'metric_value']);

function isLongHeader(cells: string[]): boolean {
  return (
    LONG_NAME.has(cells[0]!.trim().toLowerCase()) && LONG_VALUE.has(cells[1]!.trim().toLowerCase())
  );
}

function isNumeric(cell: string): boolean {
  return valueFromCell(cell).kind === 'number';
}

function raggedError(
  file: string,
  kind: string,
  row: Row,
  expected: number,
  shape: string,
): UsageError {
  return new UsageError(
    `${kind} row has ${row.cells.length} fields, expected ${expected} (${shape})`,
    {
      place: { file, line: row.line },
      hint:
        shape === 'metric,value rows'
          ? 'each row is `metric,value`; quote values that contain the delimiter'
          : 'a wide file has one header row of metric names and one row of values, with the same number of fields',
    },
  );
}

function readLong(rows: Row[], file: string, kind: string): Map<string, MetricValue> {
  const values = new Map<string, MetricValue>();
  const lines = new Map<string, number>();
  const first = rows[0]!;
  // Only a recognisable header is skipped: a first row like `model,resnet50` is data.
  for (const row of isLongHeader(first.cells) ? rows.slice(1) : rows) {
    if (row.cells.length !== 2) throw raggedError(file, kind, row, 2, 'metric,value rows');
    const name = row.cells[0]!.trim();
    if (name === '') {
      throw new UsageError(`${kind} row has an empty metric name`, {
        place: { file, line: row.line },
        hint: 'name every metric in the first field',
      });
    }
    const firstLine = lines.get(name);
    if (firstLine !== undefined) {
      throw new UsageError(`metric "${name}" appears twice`, {
        place: { file, line: row.line, key: name },
        hint: `remove or rename one of them (the other is on line ${firstLine})`,
      });
    }
    values.set(name, valueFromCell(row.cells[1]!));
    lines.set(name, row.line);
  }
  return values;
}

function readWide(rows: Row[], file: string, kind: string): Map<string, MetricValue> {
  const [header, data, extra] = rows as [Row, Row | undefined, Row | undefined];
  if (!data) {
    throw new UsageError(`the ${kind} file has a header row but no row of values`, {
      place: { file, line: header.line },
      hint: 'add one row of values under the metric names, or write `metric,value` rows',
    });
  }
  for (const row of [data, ...rows.slice(2)]) {
    if (row.cells.length !== header.cells.length)
      throw raggedError(file, kind, row, header.cells.length, 'wide');
  }
  if (extra) {
    throw new UsageError(
      `the ${kind} file has ${rows.length - 1} rows of values; a wide metrics file has exactly one`,
      {
        place: { file, line: extra.line },
        hint: 'keep one row of values, or write `metric,value` rows (two columns)',
      },
    );
  }
  const values = new Map<string, MetricValue>();
  header.cells.forEach((cell, index) => {
    const name = cell.trim();
    if (name === '') {
      throw new UsageError(`${kind} header has an empty metric name in field ${index + 1}`, {
        place: { file, line: header.line },
        hint: 'name every column',
      });
    }
    if (values.has(name)) {
      throw new UsageError(`metric "${name}" appears twice in the header`, {
        place: { file, line: header.line, key: name },
        hint: 'rename one of the columns',
      });
    }
    values.set(name, valueFromCell(data.cells[index]!));
  });
  return values;
}

/** RFC 4180 records; blank lines are skipped; `line` is where each record starts. */
function readRows(text: string, delimiter: string, file: string, kind: string): Row[] {
  const rows: Row[] = [];
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let rowLine = 1;
  let inQuotes = false;
  let quoteLine = 1;
  let fieldStarted = false;
  const endRow = (): void => {
    cells.push(cell);
    if (!(cells.length === 1 && cells[0]!.trim() === '' && !fieldStarted))
      rows.push({ cells, line: rowLine });
    cells = [];
    cell = '';
    fieldStarted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else inQuotes = false;
      } else {
        if (c === '\n') line++;
        cell += c;
      }
      continue;
    }
    if (c === '"') {
      if (cell.trim() !== '') {
        throw new UsageError(`${kind} field has a quote in the middle of unquoted text`, {
          place: { file, line },
          hint: 'quote the whole field and double inner quotes: "say ""hi"""',
        });
      }
      cell = '';
      inQuotes = true;
      quoteLine = line;
      fieldStarted = true;
    } else if (c === delimiter) {
      cells.push(cell);
      cell = '';
      fieldStarted = true;
    } else if (c === '\n') {
      endRow();
      line++;
      rowLine = line;
    } else if (c !== '\r') {
      cell += c;
    }
  }
  if (inQuotes) {
    throw new UsageError(`${kind} field opened a quote that never closes`, {
      place: { file, line: quoteLine },
      hint: 'close the quote, or double quotes inside a quoted field ("")',
    });
  }
  endRow();
  return rows;
}
