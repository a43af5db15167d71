import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbEngine } from '../../../src/clients/duckdb/engine.js';
import { dataDeps } from './deps.js';
import { UsageError } from '../../../src/core/errors.js';
import { runValidateData } from '../../unit/support/commands.js';

let dir: string;

interface Json {
  checks: {
    name: string;
    column: string | null;
    status: string;
    samples: { values: Record<string, unknown> }[];
  }[];
  drift: {
    column: string;
    method: string | null;
    statistic: number | null;
    drifted: boolean;
    note?: string;
  }[];
}

async function run(data: string, schema: string, reference?: string): Promise<Json> {
  await writeFile(join(dir, 'schema.yml'), schema);
  const { report } = await runValidateData(
    { data: [data], schema: 'schema.yml', format: 'json', ...(reference ? { reference } : {}) },
    dataDeps(dir, { now: new Date('2026-11-23T00:00:00Z') }),
  );
  return report?.data as unknown as Json;
}

async function usageError(data: string, schema: string): Promise<UsageError> {
  await writeFile(join(dir, 'schema.yml'), schema);
  const error = await runValidateData(
    { data: [data], schema: 'schema.yml' },
    dataDeps(dir, { now: new Date('2026-11-23T00:00:00Z') }),
  ).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UsageError);
  return error as UsageError;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-edge-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('drift on numbers counted as categories', () => {
  it('an integer side and a float side, and -0.0 against 0.0, do not drift', async () => {
    const engine = await createDuckDbEngine();
    await engine.query(
      `COPY (SELECT (i % 3) + 1 AS code, CASE WHEN i % 2 = 0 THEN 0.0 ELSE 1.0 END AS z FROM range(3000) t(i))
       TO '${join(dir, 'ref.parquet')}'`,
    );
    await engine.close();
    const rows = Array.from(
      { length: 3000 },
      (_, i) => `${((i % 3) + 1).toFixed(1)},${i % 2 === 0 ? '-0.0' : '1.0'}`,
    );
    await writeFile(join(dir, 'cur.csv'), `code,z\n${rows.join('\n')}\n`);
    for (const method of ['chisquare', 'jensenshannon', 'psi']) {
      const json = await run(
        'cur.csv',
        `columns:\n  code: {type: float}\n  z: {type: float}\ndrift:\n  method: ${method}\n`,
        'ref.parquet',
      );
      for (const d of json.drift) {
        expect(d.drifted, `${method} ${d.column}`).toBe(false);
        expect(d.statistic, `${method} ${d.column}`).toBeCloseTo(0, 12);
      }
    }
  });

  it('chi-square on a continuous column is refused with a note, not an infinite statistic', async () => {
    const values = (shift: number): string =>
      `x\n${Array.from({ length: 500 }, (_, i) => (i * 1.37 + shift).toFixed(3)).join('\n')}\n`;
    await writeFile(join(dir, 'c-cur.csv'), values(0.001));
    await writeFile(join(dir, 'c-ref.csv'), values(0));
    const json = await run(
      'c-cur.csv',
      'columns:\n  x: {type: float}\ndrift:\n  method: chisquare\n',
      'c-ref.csv',
    );
    expect(json.drift[0]).toMatchObject({
      statistic: null,
      drifted: false,
      note: expect.stringContaining('chisquare needs categories') as unknown,
    });
  });
});

describe('a column without values on one side', () => {
  it('has drifted, and counts toward dataset drift; empty on both sides it has not', async () => {
    const rows = (filled: boolean): string =>
      `id,score,gone\n${Array.from({ length: 40 }, (_, i) => `${i},${filled ? i % 7 : ''},`).join('\n')}\n`;
    await writeFile(join(dir, 'n-ref.csv'), rows(true));
    await writeFile(join(dir, 'n-cur.csv'), rows(false));
    await writeFile(
      join(dir, 'schema.yml'),
      'columns:\n  id: {type: integer}\n  score: {type: float}\n  gone: {type: float}\ndrift:\n  columns: [score, gone]\n',
    );
    const { report } = await runValidateData(
      { data: ['n-cur.csv'], schema: 'schema.yml', reference: 'n-ref.csv', format: 'json' },
      dataDeps(dir, { now: new Date('2026-11-23T00:00:00Z') }),
    );
    const drift = (report?.data as unknown as Json).drift;
    expect(drift).toEqual([
      expect.objectContaining({
        column: 'score',
        drifted: true,
        note: 'no values here (all null)',
      }),
      expect.objectContaining({ column: 'gone', drifted: false, note: 'no values on either side' }),
    ]);
    expect(report?.verdict).toBe('fail'); // 1 of 1 counted column drifted
  });
});

describe('values beyond 1e154', () => {
  it('drift still measures them (the standard deviation is scaled, not overflowed)', async () => {
    const rows = (sign: number): string =>
      `v\n${Array.from({ length: 50 }, (_, i) => `${sign * (i + 1)}e160`).join('\n')}\n`;
    await writeFile(join(dir, 'big-cur.csv'), rows(1));
    await writeFile(join(dir, 'big-ref.csv'), rows(1));
    const json = await run(
      'big-cur.csv',
      'columns:\n  v: {type: float}\ndrift:\n  method: wasserstein\n',
      'big-ref.csv',
    );
    expect(json.drift[0]).toMatchObject({ method: 'wasserstein', statistic: 0, drifted: false });
  });
});

describe('a ragged file among many', () => {
  it('is named with its line, though DuckDB read it as one column', async () => {
    await mkdir(join(dir, 'parts'));
    for (let p = 0; p < 4; p++) {
      const rows = Array.from({ length: 30 }, (_, i) => `${p * 100 + i},${i},a`);
      if (p === 2) rows[7] = `${p * 100 + 7},7,a,extra`;
      await writeFile(join(dir, 'parts', `p${p}.csv`), `id,v,cat\n${rows.join('\n')}\n`);
    }
    const error = await usageError(
      'parts/*.csv',
      'columns:\n  id: {type: integer}\nstrict: false\n',
    );
    expect(error.place?.file).toMatch(/parts\/p2\.csv$/);
    expect(error.place?.line).toBe(9);
    expect(error.message).toMatch(/more fields than the header/);
  });
});

describe('checks', () => {
  it('a SQL check that escapes its parentheses is refused, not run with a changed meaning', async () => {
    await writeFile(join(dir, 'p.csv'), 'price\n1\n-1\n');
    const error = await usageError(
      'p.csv',
      "columns:\n  price: {type: float}\nchecks:\n  - name: sneaky\n    sql: 'price > 0) OR (1=1'\n",
    );
    expect(error.message).toMatch(/is not one row predicate/);
    expect(error.place).toMatchObject({ line: 5, key: 'checks[0].sql' });
  });

  it('`allowed` numbers written as text compare as numbers on a numeric column', async () => {
    await writeFile(join(dir, 'a.csv'), 'f\n1\n2.5\n3\n');
    const json = await run('a.csv', 'columns:\n  f: {type: float, allowed: ["1", "2.5"]}\n');
    const allowed = json.checks.find((c) => c.name === 'allowed');
    expect(allowed?.status).toBe('fail');
    expect(allowed?.samples.map((s) => s.values['f'])).toEqual([3]);
  });

  it('a very long text value is shortened in the samples', async () => {
    await writeFile(join(dir, 'l.csv'), `id,t\n1,${'x'.repeat(5000)}\n`);
    const json = await run(
      'l.csv',
      'columns:\n  id: {type: integer, max: 0}\n  t: {type: string}\n',
    );
    const value = String(json.checks.find((c) => c.name === 'range')?.samples[0]?.values['t']);
    expect(value).toBe(`${'x'.repeat(200)}… (5,000 characters)`);
  });
});
