import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbEngine } from '../../../src/clients/duckdb/engine.js';
import { parseSchema } from '../../../src/core/data/schema.js';
import { UsageError } from '../../../src/core/errors.js';
import { dataDeps } from './deps.js';
import type { CommandDeps } from '../../../src/core/commands/types.js';
import { runInferSchema, runValidateData } from '../../unit/support/commands.js';

let dir: string;
const NOW = new Date('2026-01-10T00:00:00Z');

function deps(): CommandDeps {
  return dataDeps(dir, { now: NOW });
}

async function generate(sql: string, file: string): Promise<void> {
  const engine = await createDuckDbEngine({ threads: 2 });
  await engine.query(`COPY (${sql}) TO '${join(dir, file)}'`);
  await engine.close();
}

async function infer(file: string): Promise<string> {
  const { stdout } = await runInferSchema({ data: [file] }, deps());
  return stdout ?? '';
}

type Rules = Record<string, Record<string, unknown> | null>;

function columnsOf(yaml: string): Rules {
  return (parse(yaml) as { columns: Rules }).columns;
}

/** Infers a schema for the file, writes it, validates the same file with it: the failed checks. */
async function roundTrip(file: string): Promise<{ yaml: string; failed: unknown[] }> {
  const yaml = await infer(file);
  const schemaFile = `${file}.inferred.yml`;
  await writeFile(join(dir, schemaFile), yaml);
  const { report } = await runValidateData(
    { data: [file], schema: schemaFile, format: 'json' },
    deps(),
  );
  const checks = report?.data['checks'] as { status: string }[];
  return { yaml, failed: checks.filter((c) => c.status !== 'pass') };
}

async function usageError(file: string): Promise<UsageError> {
  const error: unknown = await infer(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  return error as UsageError;
}

// Columns the schema can type, with names and values that need YAML quoting.
const TYPED = `SELECT i AS id, 'user' || i || '@example.com' AS email,
  ['null', 'true', '~', '1e3', '- a', ': b', '#x', 'it''s', ' pad ', 'NO'][(i % 10) + 1] AS code,
  (i % 90) + 18 AS "1.0", round(((i * 7919) % 1000) / 10.0, 2) AS "a: b",
  i % 2 = 0 AS "null", DATE '2026-01-01' + (i % 30)::INTEGER AS "#day",
  TIMESTAMP '2026-01-09 00:00:00' - INTERVAL (i % 100) MINUTE AS signup,
  CASE WHEN i % 7 = 0 THEN NULL ELSE i * 1.5 END AS "we""ird"
  FROM range(2000) t(i)`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-infer-'));
  await generate(TYPED, 'typed.csv');
  await generate(TYPED, 'typed.parquet');
  // Types the schema has no name for, beside one it has.
  await generate(
    `SELECT i AS id, TIME '10:00:00' + INTERVAL (i) SECOND AS t, uuid() AS u, {'a': i} AS st,
       [i, i + 1] AS lst, MAP {'k': i} AS m, 'x'::BLOB AS b, INTERVAL (i) DAY AS iv
     FROM range(50) t(i)`,
    'untyped.parquet',
  );
  await writeFile(
    join(dir, 'nested.jsonl'),
    '{"id":1,"o":{"a":1},"l":[1,2]}\n{"id":2,"o":{"a":2},"l":[3]}\n{"id":3,"o":{"a":3},"l":[]}\n',
  );
  await writeFile(join(dir, 'times.csv'), 'id,at\n1,10:00:00\n2,11:30:00\n3,12:45:10\n');
  // 20,000 strings, 100 of them twice: HyperLogLog estimates more than 20,000 distinct.
  await generate(
    `SELECT i AS id, 'u' || CASE WHEN i < 200 THEN i % 100 ELSE i END AS almost,
       'k' || i AS key FROM range(20000) t(i)`,
    'almost-unique.parquet',
  );
  await generate(
    `SELECT i AS id, CASE i % 5 WHEN 0 THEN 'nan'::DOUBLE WHEN 1 THEN 0.5 ELSE i END AS with_nan,
       CASE i % 5 WHEN 0 THEN '-inf'::DOUBLE ELSE i END AS with_neg_inf,
       CASE i % 5 WHEN 0 THEN 'inf'::DOUBLE ELSE -i END AS with_pos_inf,
       'nan'::DOUBLE AS all_nan, CAST(i / 10 AS FLOAT) AS f32
     FROM range(50) t(i)`,
    'nonfinite.parquet',
  );
  // Extremes a double cannot hold exactly. The DECIMAL's 4.99…9 rounds to 5, and validate-data
  // compares a DECIMAL with the literal 5 exactly: min 5 would fail the row.
  await generate(
    `SELECT 9007199254740995 + 2 * i AS big,
       CAST('4.999999999999999999999' AS DECIMAL(38, 21)) + i AS dec FROM range(2) t(i)`,
    'extremes.parquet',
  );
  // The CSV sniffer samples 20,480 rows: these values come later.
  await generate(
    `SELECT i AS id, CASE WHEN i = 25000 THEN 'n/a' ELSE i::VARCHAR END AS late_text,
       CASE WHEN i = 26000 THEN '1e30' ELSE i::VARCHAR END AS late_float,
       CASE WHEN i = 27000 THEN 'soon' ELSE '2024-01-01' END AS late_date
     FROM range(30000) t(i)`,
    'late.csv',
  );
  await writeFile(join(dir, 'proto.csv'), '__proto__,constructor,toString\n1,a,x\n2,b,y\n3,a,z\n');
  await writeFile(join(dir, 'header-only.csv'), 'id,age\n');
  await writeFile(join(dir, 'zero.csv'), '');
  await writeFile(join(dir, 'ragged.csv'), 'id,age\n1,2\n3,4\n5\n6,7\n');
  await writeFile(
    join(dir, 'deep-ragged.csv'),
    `id,age,name\n${Array.from({ length: 30_000 }, (_v, i) => (i === 29_000 ? `${i},1` : `${i},1,n${i}`)).join('\n')}\n`,
  );
  await writeFile(join(dir, 'corrupt.parquet'), 'PAR1 this is not parquet at all PAR1');
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('infer-schema round trip: validate-data accepts the schema and the data passes it', () => {
  it.each(['typed.csv', 'typed.parquet'])(
    '%s: quoted names, special category values, nulls, dates and timestamps',
    async (file) => {
      const { yaml, failed } = await roundTrip(file);
      expect(failed).toEqual([]);
      const columns = columnsOf(yaml);
      expect(Object.keys(columns)).toEqual([
        'id',
        'email',
        'code',
        '1.0',
        'a: b',
        'null',
        '#day',
        'signup',
        'we"ird',
      ]);
      expect(columns['code']?.['allowed']).toContain(' pad ');
      expect(columns['code']?.['allowed']).toContain('null');
      // 18..107 widened by a quarter of the range, kept ≥ 0, rounded out to tens.
      expect(columns['1.0']).toMatchObject({ type: 'integer', min: 0, max: 130 });
      expect(columns['we"ird']).toMatchObject({ type: 'float' });
      expect(columns['we"ird']?.['nullable']).toBeUndefined();
    },
  );

  it('leaves out `type` (with a comment why) for TIME, UUID, STRUCT, lists, maps, BLOB, INTERVAL', async () => {
    const { yaml, failed } = await roundTrip('untyped.parquet');
    expect(failed).toEqual([]);
    const columns = columnsOf(yaml);
    for (const name of ['t', 'u', 'st', 'lst', 'm', 'b', 'iv']) {
      expect(columns[name], name).toEqual({ nullable: false });
    }
    expect(yaml).toContain('# TIME: no schema type; not type-checked\n  t:');
    expect(yaml).toContain('# UUID: no schema type; not type-checked\n  u:');
    expect(columns['id']).toMatchObject({ type: 'integer' });
    // Strict mode still knows every column.
    const schema = parseSchema(yaml, 'inferred.yml', (_d, p) => p);
    expect(schema.strict).toBe(true);
    expect(schema.columns.map((c) => c.name)).toEqual([
      'id',
      't',
      'u',
      'st',
      'lst',
      'm',
      'b',
      'iv',
    ]);
  });

  it('leaves out `type` for nested JSON and a CSV TIME column', async () => {
    for (const file of ['nested.jsonl', 'times.csv']) {
      const { failed } = await roundTrip(file);
      expect(failed, file).toEqual([]);
    }
  });

  it('writes `unique: true` only when an exact count proves it, not from the estimate', async () => {
    const { yaml, failed } = await roundTrip('almost-unique.parquet');
    expect(failed).toEqual([]);
    const columns = columnsOf(yaml);
    expect(columns['almost']?.['unique']).toBeUndefined();
    expect(columns['key']).toMatchObject({ unique: true });
  });

  it('writes only finite bounds that NaN and ±inf values pass', async () => {
    const { yaml, failed } = await roundTrip('nonfinite.parquet');
    expect(failed).toEqual([]);
    expect(yaml).not.toMatch(/\.nan|\.inf/i);
    const columns = columnsOf(yaml);
    // DuckDB orders NaN above +inf, so NaN rows fail any max.
    expect(columns['with_nan']).toMatchObject({ min: 0.5 });
    expect(columns['with_nan']?.['max']).toBeUndefined();
    expect(columns['with_neg_inf']?.['min']).toBeUndefined();
    expect(columns['with_neg_inf']).toMatchObject({ max: 49 });
    expect(columns['with_pos_inf']).toMatchObject({ min: -49 });
    expect(columns['with_pos_inf']?.['max']).toBeUndefined();
    expect(columns['all_nan']).toEqual({ type: 'float', nullable: false });
    // 0..4.9 widened by a quarter of the range and rounded out to whole numbers.
    expect(columns['f32']).toMatchObject({ min: 0, max: 7 });
  });

  it('moves a bound a double cannot hold exactly outward (long DECIMAL)', async () => {
    const { yaml, failed } = await roundTrip('extremes.parquet');
    expect(failed).toEqual([]);
    const columns = columnsOf(yaml);
    // A BIGINT beyond 2^53 is compared with the DOUBLE literal as a DOUBLE: the bounds hold both.
    expect(columns['big']?.['min']).toBeLessThanOrEqual(2 ** 53 + 2);
    expect(columns['big']?.['max']).toBeGreaterThanOrEqual(2 ** 53 + 6);
    expect(columns['dec']?.['min']).toBeLessThan(5);
  });

  it('gives a CSV column the type its later rows fit, beyond the sniffer sample', async () => {
    const { yaml, failed } = await roundTrip('late.csv');
    expect(failed).toEqual([]);
    const columns = columnsOf(yaml);
    expect(columns['id']).toMatchObject({ type: 'integer' });
    expect(columns['late_text']).toMatchObject({ type: 'string' });
    expect(columns['late_float']).toMatchObject({ type: 'float' });
    expect(columns['late_float']?.['max']).toBeGreaterThanOrEqual(1e30);
    expect(columns['late_date']).toMatchObject({ type: 'string', allowed: ['2024-01-01', 'soon'] });
  });
});

describe('infer-schema on JSON lines whose later records differ from the first ones', () => {
  // DuckDB's JSON reader samples the first records only: past them, keys were dropped and
  // values of another type failed the run.
  it("sees keys and types that first appear after the reader's sample", async () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => JSON.stringify({ n: i, flag: true }));
    lines.push(JSON.stringify({ n: 1.5, flag: true, late: 'x' }));
    await writeFile(join(dir, 'late.jsonl'), `${lines.join('\n')}\n`);
    const { yaml, failed } = await roundTrip('late.jsonl');
    expect(failed).toEqual([]);
    const columns = columnsOf(yaml);
    expect(Object.keys(columns)).toEqual(['n', 'flag', 'late']);
    expect(columns['n']).toMatchObject({ type: 'float', min: 0, max: 38_000 });
    expect(columns['late']).toMatchObject({ type: 'string' });
  });
});

describe('infer-schema on JSON lines whose only change is a later value', () => {
  it("widens a column whose value past the reader's sample does not fit (no new key)", async () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => JSON.stringify({ n: i, s: 'x' }));
    lines.push(JSON.stringify({ n: 2.5, s: 'y' }));
    await writeFile(join(dir, 'late-type.jsonl'), `${lines.join('\n')}\n`);
    const { yaml, failed } = await roundTrip('late-type.jsonl');
    expect(failed).toEqual([]);
    expect(columnsOf(yaml)['n']).toMatchObject({ type: 'float', min: 0, max: 38_000 });
  });
});

describe('infer-schema on column names that are object keys in JavaScript', () => {
  it('infers `__proto__`, `constructor` and `toString` like any other name', async () => {
    const columns = columnsOf(await infer('proto.csv'));
    expect(Object.keys(columns)).toEqual(['__proto__', 'constructor', 'toString']);
    expect(columns['constructor']).toEqual({ type: 'string', nullable: false });
  });

  it('and validate-data then passes the data it came from', async () => {
    expect((await roundTrip('proto.csv')).failed).toEqual([]);
  });
});

describe('infer-schema on bad input: UsageError (exit 2) naming the file and place', () => {
  it('a header-only CSV is an empty dataset', async () => {
    const error = await usageError('header-only.csv');
    expect(error.message).toBe('the dataset is empty (no rows)');
    expect(error.exitCode).toBe(2);
    expect(error.place?.file).toBe('header-only.csv');
  });

  it('a zero-byte file is an empty dataset, not a made-up column0', async () => {
    const error = await usageError('zero.csv');
    expect(error.message).toBe('the dataset is empty (no rows)');
    expect(error.place?.file).toBe('zero.csv');
  });

  it('a ragged CSV names its first short line, not a column called `id,age`', async () => {
    const error = await usageError('ragged.csv');
    expect(error.message).toMatch(/line 4 has fewer fields than the header/);
    expect(error.place).toMatchObject({ line: 4 });
    expect(error.place?.file).toMatch(/ragged\.csv$/);
  });

  it('a ragged row beyond the sniffer sample names its line', async () => {
    const error = await usageError('deep-ragged.csv');
    expect(error.place).toMatchObject({ line: 29_002 });
    expect(error.place?.file).toMatch(/deep-ragged\.csv$/);
  });

  it('a corrupt Parquet file', async () => {
    const error = await usageError('corrupt.parquet');
    expect(error.message).toMatch(/cannot read the data/);
    expect(error.place?.file).toMatch(/corrupt\.parquet$/);
  });
});

describe('infer-schema output', () => {
  it('writes the schema to `output` (folders created), prints it too, and names the file', async () => {
    const result = await runInferSchema(
      { data: ['typed.parquet'], output: 'schemas/typed.yml' },
      deps(),
    );
    const file = join(dir, 'schemas/typed.yml');
    expect(result.outputs).toEqual({ schema: file });
    expect(await readFile(file, 'utf8')).toBe(result.stdout);
    expect(result.stdout).toContain('columns:');
  });

  it('without `output` prints the schema only, and the `schema` output is empty', async () => {
    const result = await runInferSchema({ data: ['typed.parquet'] }, deps());
    expect(result.outputs).toEqual({ schema: '' });
    expect(result.stdout).toContain('columns:');
  });

  it('a file it cannot write is a usage error naming `output`', async () => {
    await writeFile(join(dir, 'a-file'), '');
    const error: unknown = await runInferSchema(
      { data: ['typed.parquet'], output: 'a-file/schema.yml' },
      deps(),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).place).toEqual({ file: 'a-file/schema.yml', key: 'output' });
  });
});

/** One batch of a churn-like table: every column drawn from a fixed distribution. */
function batch(firstId: number, rows: number): string {
  const u = 'greatest(random(), 1e-12)';
  return `SELECT ${firstId} + i AS customer_id,
      ['DE', 'FR', 'US', 'US'][1 + floor(random() * 4)::INTEGER] AS country,
      round(40 + 10 * sqrt(-2 * ln(${u})) * cos(2 * pi() * random()), 2) AS score,
      round(exp(3 + sqrt(-2 * ln(${u})) * cos(2 * pi() * random())), 2) AS monthly_spend,
      floor(-ln(${u}) * 2)::INTEGER AS support_tickets,
      round(random(), 4) AS churn_probability,
      floor(random() * 1e12)::BIGINT AS amount_micros,
      round(-5 + 10 * random(), 3) AS balance_change
    FROM range(${rows}) t(i)`;
}

describe('infer-schema on one batch: the next batch of the same data passes', () => {
  it('keys are unique with no range, bounds have margins, and five fresh batches pass', async () => {
    const write = async (seed: number, firstId: number, rows: number, file: string) => {
      const engine = await createDuckDbEngine({ threads: 1 });
      await engine.query(`SELECT setseed(${seed})`);
      await engine.query(`COPY (${batch(firstId, rows)}) TO '${join(dir, file)}'`);
      await engine.close();
    };
    await write(0.11, 700_000, 4000, 'batch-ref.csv');
    const yaml = await infer('batch-ref.csv');
    const columns = columnsOf(yaml);
    expect(columns['customer_id']).toEqual({ type: 'integer', nullable: false, unique: true });
    expect(yaml).toMatch(/# a key: all 4000 values distinct/);
    // All distinct by chance, but neither named nor laid out like a key: a measurement.
    expect(columns['amount_micros']?.['unique']).toBeUndefined();
    expect(columns['amount_micros']).toHaveProperty('max');
    expect(columns['churn_probability']).toMatchObject({ min: 0, max: 1 });
    expect(columns['support_tickets']?.['min']).toBe(0);
    await writeFile(join(dir, 'batch.yml'), yaml);
    for (const [k, seed] of [0.21, 0.32, 0.43, 0.54, 0.65].entries()) {
      const file = `batch-${k}.csv`;
      await write(seed, 800_000 + k * 10_000, 3000, file);
      const { report } = await runValidateData(
        { data: [file], schema: 'batch.yml', format: 'json' },
        deps(),
      );
      const checks = report?.data['checks'] as { status: string; check: string; column?: string }[];
      expect(
        checks.filter((c) => c.status !== 'pass'),
        `batch ${k}`,
      ).toEqual([]);
    }
  }, 120_000);
});
