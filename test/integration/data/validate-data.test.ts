import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbEngine } from '../../../src/clients/duckdb/engine.js';
import { dataDeps } from './deps.js';
import type { CommandDeps } from '../../../src/core/commands/types.js';
import type { SqlEngine } from '../../../src/core/data/engine.js';
import { UsageError } from '../../../src/core/errors.js';
import { runInferSchema, runValidateData } from '../../unit/support/commands.js';

let dir: string;
const NOW = new Date('2026-01-10T00:00:00Z');
const LARGE_ROWS = 3_000_000;

function deps(): CommandDeps {
  return dataDeps(dir, { now: NOW });
}

async function generate(sql: string, file: string): Promise<void> {
  const engine = await createDuckDbEngine();
  await engine.query(`COPY (${sql}) TO '${join(dir, file)}'`);
  await engine.close();
}

const CLEAN = `SELECT i AS id, (i % 90) + 18 AS age, ['US','DE','FR'][(i % 3) + 1] AS country,
  'user' || i || '@example.com' AS email, TIMESTAMP '2026-01-09 00:00:00' - INTERVAL (i % 100) MINUTE AS signup,
  round(((i * 7919) % 1000) / 10.0, 2) AS price FROM range(20000) t(i)`;

const SCHEMA = `columns:
  id:      { type: integer, nullable: false, unique: true }
  age:     { type: integer, nullable: false, min: 0, max: 120 }
  country: { type: string, allowed: [US, DE, FR], max_null_fraction: 0.01 }
  email:   { type: string, pattern: '^[^@]+@[^@]+$', unique: true }
  signup:  { type: timestamp, max_age: 7d }
  price:   { type: float }
strict: true
rows: { min: 1000, max: 50000000 }
duplicates: { max_fraction: 0 }
checks:
  - name: positive_price
    sql: price >= 0
    max_failures: 0
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-data-'));
  await generate(CLEAN, 'clean.csv');
  await generate(CLEAN, 'clean.parquet');
  // Faults at known rows: id 100 age 200 (range), id 200 country XX (allowed), id 300 bad email, id 400 price -1,
  // id 500 null age, and row id 600 repeated twice (duplicates + unique).
  await generate(
    `SELECT * FROM (
       SELECT id, CASE WHEN id = 100 THEN 200 WHEN id = 500 THEN NULL ELSE age END AS age,
              CASE WHEN id = 200 THEN 'XX' ELSE country END AS country,
              CASE WHEN id = 300 THEN 'not-an-email' ELSE email END AS email, signup,
              CASE WHEN id = 400 THEN -1 ELSE price END AS price
       FROM (${CLEAN}) ORDER BY id)
     UNION ALL (SELECT * FROM (${CLEAN}) WHERE id = 600)`,
    'faulty.csv',
  );
  await generate(
    `SELECT i AS id, (i % 90) + 18 + CASE WHEN i % 2 = 0 THEN 30 ELSE 0 END AS age, ['US','DE','FR'][(i % 3) + 1] AS country FROM range(20000) t(i)`,
    'shifted.parquet',
  );
  await writeFile(join(dir, 'schema.yml'), SCHEMA);
  await writeFile(
    join(dir, 'drift.yml'),
    `columns:\n  id: {type: integer}\n  age: {type: integer}\n  country: {type: string}\nstrict: false\ndrift:\n  reference: clean.parquet\n`,
  );
  await writeFile(join(dir, 'bad-value.csv'), 'id,age\n1,5\n2,x\n');
  await writeFile(
    join(dir, 'int-schema.yml'),
    'columns:\n  id: {type: integer}\n  age: {type: integer}\n',
  );
  await writeFile(join(dir, 'typo.yml'), 'columns:\n  id: {type: integer, nulable: false}\n');
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('validate-data on DuckDB', () => {
  it('passes clean CSV and Parquet data', async () => {
    for (const file of ['clean.csv', 'clean.parquet']) {
      const { report } = await runValidateData(
        { data: [file], schema: 'schema.yml', format: 'json' },
        deps(),
      );
      const failed = (
        report?.data['checks'] as { status: string; name: string; column: string | null }[]
      ).filter((c) => c.status !== 'pass');
      expect(failed, file).toEqual([]);
      expect(report?.verdict).toBe('pass');
    }
  });

  it('finds each injected fault, with CSV line numbers for samples', async () => {
    const { report } = await runValidateData(
      { data: ['faulty.csv'], schema: 'schema.yml' },
      deps(),
    );
    expect(report?.verdict).toBe('fail');
    const checks = report?.data['checks'] as {
      name: string;
      column: string | null;
      status: string;
      failing_rows: number | null;
      samples: { line: number; values: Record<string, unknown> }[];
    }[];
    const find = (name: string, column: string | null) =>
      checks.find((c) => c.name === name && c.column === column);
    expect(find('range', 'age')).toMatchObject({ status: 'fail', failing_rows: 1 });
    expect(find('range', 'age')?.samples[0]).toMatchObject({
      line: 102,
      values: { id: 100, age: 200 },
    });
    expect(find('allowed', 'country')).toMatchObject({ status: 'fail', failing_rows: 1 });
    expect(find('allowed', 'country')?.samples[0]?.line).toBe(202);
    expect(find('pattern', 'email')).toMatchObject({ status: 'fail', failing_rows: 1 });
    expect(find('not_null', 'age')).toMatchObject({ status: 'fail', failing_rows: 1 });
    expect(find('positive_price', null)).toMatchObject({ status: 'fail', failing_rows: 1 });
    // Both rows that share the repeated id fail `unique`, and both are sampled.
    expect(find('unique', 'id')).toMatchObject({
      status: 'fail',
      failing_rows: 2,
      observed: '1 value repeated, on 2 rows',
    });
    expect(find('duplicate_rows', null)).toMatchObject({ status: 'fail', failing_rows: 1 });
    expect(find('max_age', 'signup')?.status).toBe('pass');
    expect(find('type', 'age')?.status).toBe('pass');
    expect(report?.tests.length).toBe(checks.length);
    // The table leads with what failed; the passing checks are folded under one line.
    const table = report?.sections.find((s) => s.title === 'Checks')?.blocks[0];
    const failing = checks.filter((c) => c.status !== 'pass').length;
    expect(table?.type === 'table' && table.rows.length).toBe(failing);
    expect(table?.type === 'table' && table.folded).toMatchObject({
      summary: `${checks.length - failing} passing checks`,
    });
  });

  it('measures drift against a reference and names the method auto chose', async () => {
    const { report } = await runValidateData(
      { data: ['shifted.parquet'], schema: 'drift.yml' },
      deps(),
    );
    const drift = report?.data['drift'] as {
      column: string;
      method: string;
      statistic: number;
      p_value: number | null;
      drifted: boolean;
    }[];
    const age = drift.find((d) => d.column === 'age');
    const country = drift.find((d) => d.column === 'country');
    expect(age).toMatchObject({ method: 'wasserstein', drifted: true, p_value: null });
    expect(country).toMatchObject({ method: 'jensenshannon', drifted: false });
    expect(report?.sections.some((s) => s.blocks.some((b) => b.type === 'chart'))).toBe(true);
  });

  it('lists a time column left out of `columns: all` with why, measured by no method', async () => {
    await writeFile(
      join(dir, 'drift-all.yml'),
      'columns:\n  id: {type: integer}\nstrict: false\ndrift:\n  reference: clean.csv\n',
    );
    const { report } = await runValidateData(
      { data: ['clean.parquet'], schema: 'drift-all.yml' },
      deps(),
    );
    const drift = report?.data['drift'] as { column: string; statistic: number | null }[];
    // `auto` chose no method for it: the JSON says so rather than naming one never applied.
    expect(drift.find((d) => d.column === 'signup')).toMatchObject({
      method: null,
      statistic: null,
      threshold: null,
      note: expect.stringContaining('name it in drift.columns') as unknown,
    });
    expect(drift.find((d) => d.column === 'price')?.statistic).not.toBeNull();
    const table = report?.sections
      .flatMap((s) => s.blocks)
      .find((b) => b.type === 'table' && b.columns.some((c) => c.title === 'Method'));
    const row =
      table?.type === 'table'
        ? table.rows.find((r) => JSON.stringify(r[0]).includes('signup'))
        : undefined;
    expect(row?.[1]).toBe('—');
  });

  it('leaves a unique key out of `columns: all`, and measures it when named', async () => {
    await writeFile(
      join(dir, 'drift-keys.yml'),
      'columns:\n  id: {type: integer, unique: true}\nstrict: false\ndrift:\n  reference: clean.csv\n',
    );
    const { report } = await runValidateData(
      { data: ['clean.parquet'], schema: 'drift-keys.yml' },
      deps(),
    );
    const drift = report?.data['drift'] as { column: string; statistic: number | null }[];
    expect(drift.find((d) => d.column === 'id')).toMatchObject({
      method: null,
      statistic: null,
      note: 'a unique key: name it in drift.columns to measure it',
    });
    expect(drift.find((d) => d.column === 'price')?.statistic).not.toBeNull();
    await writeFile(
      join(dir, 'drift-named.yml'),
      'columns:\n  id: {type: integer, unique: true}\nstrict: false\ndrift:\n  reference: clean.csv\n  columns: [id]\n',
    );
    const named = await runValidateData(
      { data: ['clean.parquet'], schema: 'drift-named.yml' },
      deps(),
    );
    const measured = named.report?.data['drift'] as { column: string; statistic: number | null }[];
    expect(measured.map((d) => d.column)).toEqual(['id']);
    expect(measured[0]?.statistic).not.toBeNull();
  });

  it('counts distinct values exactly on small files and for unique columns on large ones', async () => {
    const { report } = await runValidateData({ data: ['clean.csv'], schema: 'schema.yml' }, deps());
    const profile = report?.data['profile'] as {
      column: string;
      distinct: number;
      distinct_exact: boolean;
    }[];
    // Small files: exact quantiles too (t-digest's vary from run to run).
    const age = profile.find((p) => p.column === 'age') as unknown as {
      quantiles_exact: boolean;
      quantiles: { p50: number };
    };
    expect(age.quantiles_exact).toBe(true);
    expect(age.quantiles.p50).toBe(62); // 20 ages hold 223 rows, the other 70 hold 222
    expect(profile.map((p) => [p.column, p.distinct, p.distinct_exact])).toEqual([
      ['id', 20000, true],
      ['age', 90, true],
      ['country', 3, true],
      ['email', 20000, true],
      ['signup', 100, true],
      ['price', 1000, true],
    ]);

    // Above the size limit (16 MB of Parquet) only `unique` columns are exact; the rest are
    // estimates, marked ≈. Random strings do not compress: 3 M of them make ~50 MB.
    await generate(
      `SELECT i AS id, md5(i::VARCHAR) AS key FROM range(${LARGE_ROWS}) t(i)`,
      'large.parquet',
    );
    await writeFile(
      join(dir, 'large.yml'),
      'columns:\n  id: {type: integer, unique: true}\n  key: {type: string}\n',
    );
    const large = await runValidateData({ data: ['large.parquet'], schema: 'large.yml' }, deps());
    const [id, key] = large.report?.data['profile'] as {
      distinct: number;
      distinct_exact: boolean;
    }[];
    expect(id).toMatchObject({ distinct: LARGE_ROWS, distinct_exact: true });
    expect(key?.distinct_exact).toBe(false);
    const table = large.report?.sections
      .flatMap((s) => s.blocks)
      .flatMap((b) => (b.type === 'details' ? b.blocks : [b]))
      .find((b) => b.type === 'table' && b.columns.some((c) => c.title === 'Distinct'));
    const cells = table?.type === 'table' ? table.rows.map((r) => r[4]) : [];
    expect(cells).toEqual([LARGE_ROWS, `≈${key?.distinct}`]);
    const idQuantiles = table?.type === 'table' ? table.rows[0]?.slice(8) : [];
    expect(idQuantiles?.every((cell) => typeof cell === 'string' && cell.startsWith('≈'))).toBe(
      true,
    );
  });

  it('reports a value that does not parse as its declared type with its line (exit 2)', async () => {
    const error = await runValidateData(
      { data: ['bad-value.csv'], schema: 'int-schema.yml' },
      deps(),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).place?.line).toBe(3);
    expect((error as UsageError).message).toContain('age');
  });

  it('names an unknown schema key, its line and the allowed keys', async () => {
    const error = await runValidateData({ data: ['clean.csv'], schema: 'typo.yml' }, deps()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).place).toMatchObject({
      file: 'typo.yml',
      line: 2,
      key: 'columns.id.nulable',
    });
    expect((error as UsageError).hint).toContain('nullable');
  });

  it('fails clearly on missing data and a missing reference', async () => {
    await expect(
      runValidateData({ data: ['nope.csv'], schema: 'schema.yml' }, deps()),
    ).rejects.toBeInstanceOf(UsageError);
    await expect(
      runValidateData(
        { data: ['clean.csv'], schema: 'schema.yml', reference: 'missing.parquet' },
        deps(),
      ),
    ).rejects.toThrow(/not found/);
  });

  it('infers a schema the data then passes', async () => {
    const { stdout } = await runInferSchema({ data: ['clean.parquet'] }, deps());
    expect(stdout).toContain('age:');
    await writeFile(join(dir, 'inferred.yml'), stdout ?? '');
    const { report } = await runValidateData(
      { data: ['clean.parquet'], schema: 'inferred.yml' },
      deps(),
    );
    expect(report?.verdict).toBe('pass');
  });

  it('reads a CSV once when there is no drift: checks, profile and duplicates in one pass', async () => {
    const queries: string[] = [];
    const recording = async (): Promise<SqlEngine> => {
      const engine = await createDuckDbEngine({ threads: 2 });
      return {
        ...engine,
        query: (sql: string) => {
          queries.push(sql);
          return engine.query(sql);
        },
      };
    };
    const { report } = await runValidateData(
      { data: ['clean.csv'], schema: 'schema.yml', format: 'json' },
      { ...deps(), sql: recording },
    );
    expect(report?.verdict).toBe('pass');
    const passes = queries.filter((q) => q.includes('read_csv') && !q.startsWith('DESCRIBE'));
    expect(passes).toHaveLength(1);
    // The unique id, all distinct and non-null, proves there are no duplicate rows.
    expect(passes[0]).toContain('count(DISTINCT "id")');
    expect(queries.some((q) => q.startsWith('CREATE'))).toBe(false);
  });
});
