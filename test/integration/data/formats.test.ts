import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbEngine } from '../../../src/clients/duckdb/engine.js';
import { dataDeps } from './deps.js';
import type { CommandDeps } from '../../../src/core/commands/types.js';
import { UsageError } from '../../../src/core/errors.js';
import { parseSchema } from '../../../src/core/data/schema.js';
import { resolveSource } from '../../../src/core/data/source.js';
import { validateData } from '../../../src/core/data/validate.js';
import { runInferSchema, runValidateData } from '../../unit/support/commands.js';

let dir: string;

function deps(info?: string[]): CommandDeps {
  return dataDeps(dir, { now: new Date('2026-01-10T00:00:00Z'), ...(info ? { info } : {}) });
}

/** 3,000 rows; row id 1234 has age 999 (out of range), so every format must find exactly it. */
const ROWS = `SELECT i AS id, CASE WHEN i = 1234 THEN 999 ELSE (i % 90) + 18 END AS age,
  ['US','DE','FR'][(i % 3) + 1] AS country FROM range(3000) t(i)`;

const SCHEMA = `columns:
  id:      { type: integer, nullable: false, unique: true }
  age:     { type: integer, min: 0, max: 120 }
  country: { type: string, allowed: [US, DE, FR] }
strict: true
rows: { min: 3000, max: 3000 }
`;

async function copy(sql: string, target: string, options = ''): Promise<void> {
  const engine = await createDuckDbEngine();
  await engine.query(`COPY (${sql}) TO '${join(dir, target)}'${options ? ` (${options})` : ''}`);
  await engine.close();
}

interface Check {
  name: string;
  column: string | null;
  status: string;
  observed: string;
  failing_rows: number | null;
  samples: { line: number | null; file: string | null; values: Record<string, unknown> }[];
}

async function run(
  data: string[],
  schema = 'schema.yml',
): Promise<{ verdict: string; checks: Check[] }> {
  const { report } = await runValidateData({ data, schema, format: 'json' }, deps());
  return {
    verdict: report?.verdict ?? '',
    checks: report?.data['checks'] as Check[],
  };
}

describe("JSON lines with keys that first appear after the reader's sample", () => {
  // DuckDB types the keys of the records it sampled and, given the columns, drops the others.
  beforeAll(async () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => JSON.stringify({ id: i }));
    lines.push(JSON.stringify({ id: 30_000, level: 7, note: 'late' }));
    await writeFile(join(dir, 'late-keys.jsonl'), `${lines.join('\n')}\n`);
    await writeFile(
      join(dir, 'late-keys.yml'),
      'columns:\n  id: { type: integer }\n  level: { type: integer, max: 5 }\nstrict: true\n',
    );
  });

  it('checks a declared column found only late, and fails strict on an undeclared one', async () => {
    const { checks } = await run(['late-keys.jsonl'], 'late-keys.yml');
    const failed = checks.filter((c) => c.status === 'fail');
    expect(failed.map((c) => [c.name, c.column, c.observed])).toEqual([
      ['no_extra_columns', null, 'note'],
      ['range', 'level', '1 failing row (1 above max)'],
    ]);
    expect(failed[1]?.samples[0]?.line).toBe(30_001);
  });
});

describe('JSON keys DuckDB names or reads its own way', () => {
  it('types a late key from its values when the schema states no type', async () => {
    const lines = Array.from({ length: 30_000 }, (_, i) =>
      JSON.stringify(
        i < 25_000 ? { id: i } : { id: i, color: i % 2 ? 'red' : 'blue', score: i / 100 },
      ),
    );
    await writeFile(join(dir, 'late-untyped.jsonl'), `${lines.join('\n')}\n`);
    await writeFile(
      join(dir, 'late-untyped.yml'),
      'columns:\n  id: {type: integer}\n  color: {allowed: [red, blue]}\n  score: {min: 0, max: 1000}\n',
    );
    const { verdict, checks } = await run(['late-untyped.jsonl'], 'late-untyped.yml');
    expect(checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(verdict).toBe('pass');
  });

  it('keys that differ only in case, and an empty key, are read as DuckDB names them', async () => {
    await writeFile(join(dir, 'case.jsonl'), '{"id":1,"Name":"a"}\n{"id":2,"name":"b","":5}\n');
    await writeFile(join(dir, 'case.yml'), 'columns:\n  id: {type: integer}\nstrict: false\n');
    const { verdict, checks } = await run(['case.jsonl'], 'case.yml');
    expect(verdict).toBe('pass');
    expect(checks.find((c) => c.name === 'no_extra_columns')?.status).toBe('warn');
  });

  it('a nested object with many keys stays one MAP column', async () => {
    const lines = Array.from({ length: 400 }, (_, i) =>
      JSON.stringify({ id: i, props: { [`user${i}`]: i, [`user${i + 1}`]: 1 } }),
    );
    await writeFile(join(dir, 'props.jsonl'), `${lines.join('\n')}\n`);
    await writeFile(join(dir, 'props.yml'), 'columns:\n  id: {type: integer}\n  props: {}\n');
    const { report } = await runValidateData(
      { data: ['props.jsonl'], schema: 'props.yml', format: 'json' },
      deps(),
    );
    const profile = report?.data['profile'] as { column: string; type: string }[];
    expect(profile.map((p) => p.column)).toEqual(['id', 'props']);
    expect(profile[1]?.type).toMatch(/^MAP\(/);
  });

  it('a key that differs from an early one only in case is seen late, as DuckDB names it', async () => {
    const lines = Array.from({ length: 30_000 }, (_, i) =>
      JSON.stringify(i < 25_000 ? { id: i, Score: i } : { id: i, score: 'bad' }),
    );
    await writeFile(join(dir, 'case-late.jsonl'), `${lines.join('\n')}\n`);
    await writeFile(
      join(dir, 'case-late.yml'),
      'columns:\n  id: {type: integer}\n  Score: {type: integer}\nstrict: true\n',
    );
    const { checks } = await run(['case-late.jsonl'], 'case-late.yml');
    expect(checks.filter((c) => c.status === 'fail').map((c) => [c.name, c.observed])).toEqual([
      ['no_extra_columns', 'score_1'],
    ]);
  });

  it('records of hundreds of keys, or of keys each rare, are read with a column per key', async () => {
    const wide = (i: number) =>
      JSON.stringify(Object.fromEntries(Array.from({ length: 210 }, (_, k) => [`k${k}`, i + k])));
    await writeFile(
      join(dir, 'wide.jsonl'),
      `${Array.from({ length: 20 }, (_, i) => wide(i)).join('\n')}\n`,
    );
    const { stdout } = await runInferSchema({ data: ['wide.jsonl'] }, deps());
    await writeFile(join(dir, 'wide.yml'), stdout ?? '');
    expect(stdout).toContain('k209:');
    expect((await run(['wide.jsonl'], 'wide.yml')).verdict).toBe('pass');
    // 60 rare keys, each in one of the last records: past the sample, and rare anywhere.
    const sparse = Array.from({ length: 30_000 }, (_, i) =>
      JSON.stringify(i < 29_940 ? { id: i, a: 1 } : { id: i, a: 1, [`flag${i - 29_940}`]: true }),
    );
    await writeFile(join(dir, 'sparse.jsonl'), `${sparse.join('\n')}\n`);
    await writeFile(
      join(dir, 'sparse.yml'),
      'columns:\n  id: {type: integer}\n  a: {type: integer}\nstrict: false\n',
    );
    const { verdict, checks } = await run(['sparse.jsonl'], 'sparse.yml');
    expect(verdict).toBe('pass');
    expect(checks.find((c) => c.name === 'no_extra_columns')).toMatchObject({ status: 'warn' });
  });
});

describe('a .json file holding one array of records', () => {
  it('is read as records, its failing rows numbered by row, not line', async () => {
    const records = Array.from({ length: 3000 }, (_, i) => ({
      id: i,
      age: i === 1234 ? 999 : (i % 90) + 18,
      country: ['US', 'DE', 'FR'][i % 3],
    }));
    await writeFile(join(dir, 'array.json'), JSON.stringify(records));
    const { checks } = await run(['array.json']);
    const failed = failures(checks);
    expect(failed.map((c) => [c.name, c.column])).toEqual([['range', 'age']]);
    expect(failed[0]?.samples.map((s) => [s.line, s.values['id']])).toEqual([[null, 1234]]);
  });
});

function failures(checks: Check[]): Check[] {
  return checks.filter((c) => c.status !== 'pass');
}

async function usageError(data: string[], schema = 'schema.yml'): Promise<UsageError> {
  const error = await runValidateData({ data, schema }, deps()).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UsageError);
  return error as UsageError;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-formats-'));
  await writeFile(join(dir, 'schema.yml'), SCHEMA);
  await copy(ROWS, 'rows.csv.gz', "FORMAT csv, COMPRESSION 'gzip'");
  await copy(ROWS, 'rows.csv.zst', "FORMAT csv, COMPRESSION 'zstd'");
  await copy(ROWS, 'rows.jsonl', 'FORMAT json');
  await mkdir(join(dir, 'parts'));
  for (let part = 0; part < 3; part++)
    await copy(
      `SELECT * FROM (${ROWS}) WHERE id % 3 = ${part} ORDER BY id`,
      `parts/part-${part}.csv`,
    );
  await copy(
    `SELECT id, age, country, id % 2 AS half FROM (${ROWS})`,
    'hive',
    'FORMAT parquet, PARTITION_BY (half)',
  );
  await writeFile(join(dir, 'ragged.csv'), 'id,age,country\n1,20,US\n2,30,DE\n3,40\n4,50,FR\n');
  await writeFile(join(dir, 'wide.csv'), 'id,age,country\n1,20,US\n2,30,DE,extra\n3,40,FR\n');
  await writeFile(join(dir, 'semicolon.csv'), 'id;age;country\n1;20;US\n2;30;DE\n');
  await writeFile(join(dir, 'comma.yml'), `${SCHEMA}csv: { delimiter: "," }\n`);
  await copy(
    `SELECT id, CASE WHEN id = 2500 THEN 'n/a' ELSE CAST(age AS VARCHAR) END AS age, country FROM (${ROWS}) ORDER BY id`,
    'bad-late.csv.gz',
    "FORMAT csv, COMPRESSION 'gzip'",
  );
  await writeFile(join(dir, 'empty.csv'), 'id,age,country\n');
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('validate-data reads every supported layout', () => {
  it.each([['rows.csv.gz'], ['rows.csv.zst'], ['rows.jsonl']])(
    '%s: finds the one out-of-range age',
    async (file) => {
      const { verdict, checks } = await run([file]);
      expect(verdict).toBe('fail');
      const failed = failures(checks);
      expect(failed.map((c) => `${c.name}:${c.column}`)).toEqual(['range:age']);
      expect(failed[0]?.failing_rows).toBe(1);
      expect(failed[0]?.samples[0]?.values).toMatchObject({ id: 1234, age: 999 });
      // CSV: the header is line 1, so row id 1234 (the 1235th row) sits on line 1236.
      expect(failed[0]?.samples[0]?.line).toBe(file.endsWith('.jsonl') ? 1235 : 1236);
    },
  );

  it('reads a glob of several files as one table, with lines inside the right file', async () => {
    const { checks } = await run(['parts/*.csv']);
    expect(checks.find((c) => c.name === 'row_count')?.status).toBe('pass');
    const failed = failures(checks);
    expect(failed.map((c) => `${c.name}:${c.column}`)).toEqual(['range:age']);
    const sample = failed[0]?.samples[0];
    // id 1234 has id % 3 = 1: part-1.csv holds ids 1, 4, 7, …, so 1234 is its 412th row, line 413.
    expect(sample?.file).toMatch(/part-1\.csv$/);
    expect(sample?.line).toBe(413);
  });

  it('reads several files given one by one', async () => {
    const { checks } = await run(['parts/part-0.csv', 'parts/part-1.csv', 'parts/part-2.csv']);
    expect(checks.find((c) => c.name === 'row_count')?.status).toBe('pass');
    expect(failures(checks).map((c) => c.name)).toEqual(['range']);
  });

  it('reads a hive-partitioned Parquet folder, the partition key as a column', async () => {
    const strict = await run(['hive']);
    // `half` comes from the folder names (half=0/, half=1/); strict mode names it.
    expect(failures(strict.checks).map((c) => `${c.name}:${c.observed}`)).toContain(
      'no_extra_columns:half',
    );
    expect(strict.checks.find((c) => c.name === 'row_count')?.status).toBe('pass');
    expect(strict.checks.find((c) => c.name === 'range')?.failing_rows).toBe(1);
    const glob = await run(['hive/half=*/*.parquet']);
    expect(glob.checks.find((c) => c.name === 'row_count')?.status).toBe('pass');
  });
});

describe('validate-data progress', () => {
  it('ends a terminal run with rows/s and the bytes read; prints nothing in JSON mode', async () => {
    const terminal: string[] = [];
    await runValidateData({ data: ['rows.csv.gz'], schema: 'schema.yml' }, deps(terminal));
    expect(
      terminal.some((l) => /^scanned 3000 rows × 3 columns in .* rows\/s, [\d.]+ kB\)$/.test(l)),
    ).toBe(true);
    const json: string[] = [];
    await runValidateData(
      { data: ['rows.csv.gz'], schema: 'schema.yml', format: 'json' },
      deps(json),
    );
    expect(json).toEqual([]);
  });
});

describe('progress', () => {
  it('the checks scan of a file read where it lies reports its bytes, for the read rate', async () => {
    const phases: [string, number | undefined][] = [];
    const engine = await createDuckDbEngine({ threads: 2 });
    const tracked = Object.assign(Object.create(engine) as typeof engine, {
      phase: (name: string, bytes?: number) => phases.push([name, bytes]),
    });
    const schemaFile = join(dir, 'schema.yml');
    const schema = parseSchema(SCHEMA, schemaFile, (d, p) => resolve(d, p));
    await validateData({
      engine: tracked,
      schema,
      data: await resolveSource([join(dir, 'rows.csv.gz')], dir, schema.csv),
      now: new Date('2026-01-10T00:00:00Z'),
    });
    await engine.close();
    const size = (await stat(join(dir, 'rows.csv.gz'))).size;
    expect(phases).toContainEqual(['checks and profile', size]);
  });
});

describe('validate-data names bad input with its place (exit 2)', () => {
  it('a row with too few fields: its line', async () => {
    const error = await usageError(['ragged.csv']);
    expect(error.exitCode).toBe(2);
    expect(error.place).toMatchObject({ line: 4 });
    expect(error.place?.file).toMatch(/ragged\.csv$/);
    expect(error.message).toMatch(/line 4 has fewer fields/);
  });

  it('a row with too many fields: its line', async () => {
    const error = await usageError(['wide.csv']);
    expect(error.place?.line).toBe(3);
    expect(error.message).toMatch(/more fields/);
  });

  it('a delimiter that does not match the file: says which one does', async () => {
    const error = await usageError(['semicolon.csv'], 'comma.yml');
    expect(error.message).toMatch(/delimiter is `,` but the file splits on `;`/);
    expect(error.hint).toContain('";"');
  });

  it('the sniffer finds a semicolon delimiter by itself', async () => {
    const { checks } = await run(['semicolon.csv']);
    expect(checks.find((c) => c.name === 'type' && c.column === 'age')?.status).toBe('pass');
  });

  it('a value that does not parse as its declared type, deep in a gzip file: its first line', async () => {
    const error = await usageError(['bad-late.csv.gz']);
    // id 2500 is the 2501st row: line 2502 with the header.
    expect(error.place?.line).toBe(2502);
    expect(error.message).toContain('age');
    expect(error.message).toContain('n/a');
  });

  it('a JSON lines value that does not parse as its declared type: its line', async () => {
    await writeFile(
      join(dir, 'bad-type.jsonl'),
      '{"id": 0, "age": 20, "country": "US"}\n{"id": 1, "age": "abc", "country": "DE"}\n',
    );
    const error = await usageError(['bad-type.jsonl']);
    expect(error.place).toMatchObject({ file: 'bad-type.jsonl', line: 2 });
    expect(error.message).toBe(
      'column `age` is declared integer but holds "abc", not a whole number',
    );
  });

  it('a JSON value DuckDB would convert silently (2.5 or "7.5" in integers, 1 in booleans): its line', async () => {
    await writeFile(
      join(dir, 'lenient.jsonl'),
      [
        '{"id": 0, "age": 20.0, "ok": true}',
        '',
        '{"id": 1, "age": 1e2, "ok": false}',
        '{"id": 2, "age": 2.5, "ok": true}',
        '{"id": 3, "age": "7.5", "ok": 1}',
      ].join('\n'),
    );
    await writeFile(
      join(dir, 'lenient.yml'),
      'columns:\n  id: {type: integer}\n  age: {type: integer}\n  ok: {type: boolean}\n',
    );
    const error = await usageError(['lenient.jsonl'], 'lenient.yml');
    expect(error.place).toMatchObject({ file: 'lenient.jsonl', line: 4 });
    expect(error.message).toBe(
      'column `age` is declared integer but holds 2.5, not a whole number (2 such values)',
    );
    await writeFile(
      join(dir, 'lenient-ok.jsonl'),
      '{"id": 0, "age": 3.0, "ok": null}\n{"id": 1}\n',
    );
    const fine = await runValidateData(
      { data: ['lenient-ok.jsonl'], schema: 'lenient.yml', format: 'json' },
      deps(),
    );
    expect(fine.report?.verdict).toBe('pass');
    // Numbers as text, as protobuf and BigQuery write 64-bit values, stay accepted when exact.
    await writeFile(
      join(dir, 'as-text.jsonl'),
      '{"id": "123", "age": "-5", "ok": true}\n{"id": "7", "age": 3, "ok": false}\n',
    );
    const asText = await runValidateData(
      { data: ['as-text.jsonl'], schema: 'lenient.yml', format: 'json' },
      deps(),
    );
    expect(asText.report?.verdict).toBe('pass');
    // In a glob, the file at fault and the line within it.
    await mkdir(join(dir, 'kinds'), { recursive: true });
    await writeFile(join(dir, 'kinds', 'a.jsonl'), '{"id": 1, "age": 2, "ok": true}\n');
    await writeFile(
      join(dir, 'kinds', 'b.jsonl'),
      '{"id": 2, "age": 2, "ok": true}\n\n{"id": 3, "age": 4, "ok": "yes"}\n',
    );
    const inGlob = await usageError(['kinds/*.jsonl'], 'lenient.yml');
    expect(inGlob.place).toMatchObject({ line: 3 });
    expect(String(inGlob.place?.file)).toMatch(/kinds[/\\]b\.jsonl$/);
    expect(inGlob.message).toBe(
      'column `ok` is declared boolean but holds "yes", not true or false',
    );
    // A hive partition key comes from its folder's name, not from the records.
    await mkdir(join(dir, 'hivej', 'month=01'), { recursive: true });
    await writeFile(
      join(dir, 'hivej', 'month=01', 'part.jsonl'),
      '{"id": 1, "age": 2, "ok": true}\n',
    );
    await writeFile(
      join(dir, 'hivej.yml'),
      'columns:\n  id: {type: integer}\n  age: {type: integer}\n  ok: {type: boolean}\n  month: {type: integer}\n',
    );
    const hive = await runValidateData(
      { data: ['hivej'], schema: 'hivej.yml', format: 'json' },
      deps(),
    );
    expect(hive.report?.verdict).toBe('pass');
  });

  it('an empty dataset', async () => {
    const error = await usageError(['empty.csv']);
    expect(error.message).toMatch(/empty/);
  });
});
