import { UsageError } from '../../errors.js';
import type { Place } from '../../errors.js';
import type {
  Block,
  Cell,
  Chart,
  Column,
  Inline,
  Measurement,
  Note,
  Report,
  Section,
  Status,
  TestCase,
} from '../model.js';
import { STATUS_ICON } from '../model.js';
import { REPORT_SCHEMA, RESERVED_FIELDS } from './json.js';

const HINT =
  'Pass a report written by sluice with `--output json=<path>` (schema sluice.report/v1).';

type Json = unknown;

/** Reads one document, naming the file and the key path of the first thing that is wrong. */
class Reader {
  constructor(private readonly file: string) {}

  fail(path: string, expected: string, value: Json): never {
    const got = value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value;
    throw new UsageError(
      `${this.file} is not a sluice report: \`${path}\` should be ${expected}, not ${got}`,
      {
        place: { file: this.file, key: path },
        hint: HINT,
      },
    );
  }

  object(value: Json, path: string): Record<string, Json> {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      this.fail(path, 'an object', value);
    return value as Record<string, Json>;
  }

  array(value: Json, path: string): Json[] {
    if (!Array.isArray(value)) this.fail(path, 'a list', value);
    return value;
  }

  string(value: Json, path: string): string {
    if (typeof value !== 'string') this.fail(path, 'a string', value);
    return value;
  }

  optionalString(value: Json, path: string): string | undefined {
    return value === undefined ? undefined : this.string(value, path);
  }

  boolean(value: Json, path: string): boolean | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') this.fail(path, 'true or false', value);
    return value;
  }

  /** A number, or one of the strings renderJson writes for NaN and ±Infinity. */
  number(value: Json, path: string): number {
    if (typeof value === 'number') return value;
    if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return Number(value);
    return this.fail(path, 'a number', value);
  }

  oneOf<T extends string>(value: Json, allowed: readonly T[], path: string): T {
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      this.fail(path, `one of ${allowed.join(', ')}`, value);
    }
    return value as T;
  }

  strings(value: Json, path: string): Record<string, string> {
    const object = this.object(value, path);
    const out: Record<string, string> = {};
    for (const [key, item] of Object.entries(object))
      out[key] = this.string(item, `${path}.${key}`);
    return out;
  }
}

const STATUSES = Object.keys(STATUS_ICON) as Status[];
const BLOCK_TYPES = ['paragraph', 'table', 'details', 'list', 'code', 'chart'] as const;

function place(r: Reader, value: Json, path: string): Place | undefined {
  if (value === undefined) return undefined;
  const object = r.object(value, path);
  const out: Place = {};
  const file = r.optionalString(object.file, `${path}.file`);
  if (file !== undefined) out.file = file;
  if (object.line !== undefined) out.line = r.number(object.line, `${path}.line`);
  if (object.column !== undefined) out.column = r.number(object.column, `${path}.column`);
  const key = r.optionalString(object.key, `${path}.key`);
  if (key !== undefined) out.key = key;
  return out;
}

function note(r: Reader, value: Json, path: string): Note {
  const object = r.object(value, path);
  const out: Note = {
    level: r.oneOf(object.level, ['info', 'warning', 'error'] as const, `${path}.level`),
    text: r.string(object.text, `${path}.text`),
  };
  const where = place(r, object.place, `${path}.place`);
  if (where !== undefined) out.place = where;
  return out;
}

function inline(r: Reader, value: Json, path: string): Inline {
  if (typeof value === 'string') return value;
  const object = r.object(value, path);
  if ('code' in object) return { code: r.string(object.code, `${path}.code`) };
  if ('strong' in object) return { strong: r.string(object.strong, `${path}.strong`) };
  if ('link' in object)
    return {
      link: r.string(object.link, `${path}.link`),
      href: r.string(object.href, `${path}.href`),
    };
  return r.fail(path, 'text, {code}, {strong} or {link, href}', value);
}

function inlines(r: Reader, value: Json, path: string): Inline[] {
  return r.array(value, path).map((item, index) => inline(r, item, `${path}[${index}]`));
}

function cell(r: Reader, value: Json, path: string): Cell {
  if (value === null || typeof value === 'string' || typeof value === 'number') return value;
  const object = r.object(value, path);
  if ('status' in object) {
    const out: Cell = { status: r.oneOf(object.status, STATUSES, `${path}.status`) };
    const label = r.optionalString(object.label, `${path}.label`);
    if (label !== undefined) out.label = label;
    return out;
  }
  const out: Exclude<Cell, string | number | null | { status: Status }> = {
    text: r.string(object.text, `${path}.text`),
  };
  const code = r.boolean(object.code, `${path}.code`);
  if (code !== undefined) out.code = code;
  const strong = r.boolean(object.strong, `${path}.strong`);
  if (strong !== undefined) out.strong = strong;
  if (object.align !== undefined)
    out.align = r.oneOf(object.align, ['left', 'right'] as const, `${path}.align`);
  return out;
}

function rows(r: Reader, value: Json, path: string): Cell[][] {
  return r
    .array(value, path)
    .map((row, i) =>
      r.array(row, `${path}[${i}]`).map((item, j) => cell(r, item, `${path}[${i}][${j}]`)),
    );
}

function column(r: Reader, value: Json, path: string): Column {
  const object = r.object(value, path);
  const out: Column = { title: r.string(object.title, `${path}.title`) };
  if (object.align !== undefined)
    out.align = r.oneOf(object.align, ['left', 'right', 'center'] as const, `${path}.align`);
  const optional = r.boolean(object.optional, `${path}.optional`);
  if (optional !== undefined) out.optional = optional;
  return out;
}

function chart(r: Reader, value: Json, path: string): Chart {
  const object = r.object(value, path);
  const out: Chart = {
    title: r.string(object.title, `${path}.title`),
    kind: r.oneOf(object.kind, ['line', 'bar'] as const, `${path}.kind`),
    xLabels: r
      .array(object.xLabels, `${path}.xLabels`)
      .map((label, i) => r.string(label, `${path}.xLabels[${i}]`)),
    series: r.array(object.series, `${path}.series`).map((item, i) => {
      const series = r.object(item, `${path}.series[${i}]`);
      return {
        name: r.string(series.name, `${path}.series[${i}].name`),
        values: r
          .array(series.values, `${path}.series[${i}].values`)
          .map((v, j) => (v === null ? null : r.number(v, `${path}.series[${i}].values[${j}]`))),
      };
    }),
  };
  const yLabel = r.optionalString(object.yLabel, `${path}.yLabel`);
  if (yLabel !== undefined) out.yLabel = yLabel;
  return out;
}

function block(r: Reader, value: Json, path: string): Block {
  const object = r.object(value, path);
  const type = r.oneOf(object.type, BLOCK_TYPES, `${path}.type`);
  switch (type) {
    case 'paragraph':
      return { type, content: inlines(r, object.content, `${path}.content`) };
    case 'table': {
      const out: Extract<Block, { type: 'table' }> = {
        type,
        columns: r
          .array(object.columns, `${path}.columns`)
          .map((c, i) => column(r, c, `${path}.columns[${i}]`)),
        rows: rows(r, object.rows, `${path}.rows`),
      };
      if (object.folded !== undefined) {
        const folded = r.object(object.folded, `${path}.folded`);
        out.folded = {
          summary: r.string(folded.summary, `${path}.folded.summary`),
          rows: rows(r, folded.rows, `${path}.folded.rows`),
        };
      }
      return out;
    }
    case 'details':
      return {
        type,
        summary: r.string(object.summary, `${path}.summary`),
        blocks: blocks(r, object.blocks, `${path}.blocks`),
      };
    case 'list':
      return {
        type,
        items: r
          .array(object.items, `${path}.items`)
          .map((item, i) => inlines(r, item, `${path}.items[${i}]`)),
      };
    case 'code': {
      const out: Extract<Block, { type: 'code' }> = {
        type,
        text: r.string(object.text, `${path}.text`),
      };
      const language = r.optionalString(object.language, `${path}.language`);
      if (language !== undefined) out.language = language;
      return out;
    }
    case 'chart':
      return { type, chart: chart(r, object.chart, `${path}.chart`) };
  }
}

function blocks(r: Reader, value: Json, path: string): Block[] {
  return r.array(value, path).map((item, i) => block(r, item, `${path}[${i}]`));
}

function section(r: Reader, value: Json, path: string): Section {
  const object = r.object(value, path);
  return {
    title: r.string(object.title, `${path}.title`),
    blocks: blocks(r, object.blocks, `${path}.blocks`),
  };
}

function testCase(r: Reader, value: Json, path: string): TestCase {
  const object = r.object(value, path);
  const out: TestCase = {
    suite: r.string(object.suite, `${path}.suite`),
    name: r.string(object.name, `${path}.name`),
    status: r.oneOf(object.status, ['pass', 'fail', 'skip'] as const, `${path}.status`),
  };
  const message = r.optionalString(object.message, `${path}.message`);
  if (message !== undefined) out.message = message;
  const detail = r.optionalString(object.detail, `${path}.detail`);
  if (detail !== undefined) out.detail = detail;
  if (object.time !== undefined) out.time = r.number(object.time, `${path}.time`);
  const file = r.optionalString(object.file, `${path}.file`);
  if (file !== undefined) out.file = file;
  return out;
}

function measurement(r: Reader, value: Json, path: string): Measurement {
  const object = r.object(value, path);
  const out: Measurement = {
    name: r.string(object.name, `${path}.name`),
    value: r.number(object.value, `${path}.value`),
  };
  if (object.labels !== undefined) out.labels = r.strings(object.labels, `${path}.labels`);
  const help = r.optionalString(object.help, `${path}.help`);
  if (help !== undefined) out.help = help;
  const text = r.optionalString(object.text, `${path}.text`);
  if (text !== undefined) out.text = text;
  return out;
}

function list<T>(
  r: Reader,
  value: Json,
  path: string,
  read: (r: Reader, item: Json, path: string) => T,
): T[] {
  return r.array(value, path).map((item, i) => read(r, item, `${path}[${i}]`));
}

/**
 * Reads a report back from the JSON `renderJson` wrote (the `comment` command joins reports
 * from artifacts this way). Anything else is a UsageError naming the file and the key.
 */
export function parseReportJson(text: string, file: string): Report {
  let document: Json;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not valid JSON: ${(error as Error).message}`, {
      place: { file },
      hint: HINT,
    });
  }
  const r = new Reader(file);
  if (
    typeof document !== 'object' ||
    document === null ||
    Array.isArray(document) ||
    !('schema' in document)
  ) {
    throw new UsageError(`${file} is not a sluice report: it has no \`schema\` field`, {
      place: { file, key: 'schema' },
      hint: HINT,
    });
  }
  const top = document as Record<string, Json>;
  if (top.schema !== REPORT_SCHEMA) {
    const newer = typeof top.schema === 'string' && top.schema.startsWith('sluice.report/');
    throw new UsageError(
      newer
        ? `${file} is a sluice report of schema ${top.schema}, which this version cannot read (it reads ${REPORT_SCHEMA})`
        : `${file} is not a sluice report: \`schema\` is ${JSON.stringify(top.schema)}, not ${REPORT_SCHEMA}`,
      {
        place: { file, key: 'schema' },
        hint: newer ? 'Use the same sluice version to write and read reports.' : HINT,
      },
    );
  }
  const body = r.object(top.report, 'report');
  const report: Report = {
    command: r.string(body.command, 'report.command'),
    key: r.string(body.key, 'report.key'),
    title: r.string(body.title, 'report.title'),
    verdict: r.oneOf(body.verdict, ['pass', 'fail'] as const, 'report.verdict'),
    summary: r.string(body.summary, 'report.summary'),
    notes: list(r, body.notes, 'report.notes', note),
    sections: list(r, body.sections, 'report.sections', section),
    tests: list(r, body.tests, 'report.tests', testCase),
    measurements: list(r, body.measurements, 'report.measurements', measurement),
    outputs: r.strings(body.outputs, 'report.outputs'),
    data: {},
  };
  const fullReportUrl = r.optionalString(body.fullReportUrl, 'report.fullReportUrl');
  if (fullReportUrl !== undefined) report.fullReportUrl = fullReportUrl;
  const reserved = new Set<string>(RESERVED_FIELDS);
  for (const [field, value] of Object.entries(top))
    if (!reserved.has(field)) report.data[field] = value;
  return report;
}
