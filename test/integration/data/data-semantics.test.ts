import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbEngine } from '../../../src/clients/duckdb/engine.js';
import { dataDeps } from './deps.js';
import { UsageError } from '../../../src/core/errors.js';
import { runValidateData } from '../../unit/support/commands.js';

let dir: string;
const NOW = new Date('2026-11-23T03:00:00Z');

interface Json {
  checks: {
    name: string;
    column: string | null;
    status: string;
    observed: string;
    failing_rows: number | null;
  }[];
  drift: { column: string; statistic: number | null; note?: string }[];
  profile: { column: string; min: unknown; max: unknown }[];
}

async function run(data: string, schema: string, reference?: string): Promise<Json> {
  await writeFile(join(dir, 'schema.yml'), schema);
  const { report } = await runValidateData(
    {
      data: [data],
      schema: 'schema.yml',
      format: 'json',
      ...(reference ? { reference } : {}),
    },
    dataDeps(dir, { now: NOW }),
  );
  return report?.data as unknown as Json;
}

async function usageError(data: string, schema: string): Promise<UsageError> {
  await writeFile(join(dir, 'schema.yml'), schema);
  const error = await runValidateData(
    { data: [data], schema: 'schema.yml' },
    dataDeps(dir, { now: NOW }),
  ).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UsageError);
  return error as UsageError;
}

function check(json: Json, name: string, column: string | null): Json['checks'][number] {
  return json.checks.find((c) => c.name === name && c.column === column) as Json['checks'][number];
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-semantics-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('timestamps keep their offsets', () => {
  // 01:00+05:00 is 20:00Z the day before: the newest row is 20:30Z, 6.5 h before NOW.
  const schema = 'columns:\n  id: {type: integer}\n  ts: {type: timestamp, max_age: 3h}\n';

  it('in JSON lines and CSV: max_age and the profile compare instants, not wall clocks', async () => {
    await writeFile(
      join(dir, 'tz.jsonl'),
      '{"id":1,"ts":"2026-11-23T01:00:00+05:00"}\n{"id":2,"ts":"2026-11-22T20:30:00Z"}\n',
    );
    await writeFile(
      join(dir, 'tz.csv'),
      'id,ts\n1,2026-11-23T01:00:00+05:00\n2,2026-11-22 20:30:00\n',
    );
    for (const file of ['tz.jsonl', 'tz.csv']) {
      const json = await run(file, schema);
      expect(check(json, 'max_age', 'ts'), file).toMatchObject({
        status: 'fail',
        observed: 'newest is 6.5h old',
      });
      expect(String(json.profile.find((p) => p.column === 'ts')?.max), file).toMatch(
        /^2026-11-22 20:30:00(\+00)?$/,
      );
    }
  });

  it('a newest row dated in the future warns instead of hiding stale data', async () => {
    await writeFile(
      join(dir, 'future.csv'),
      'id,ts\n1,2026-11-20 00:00:00\n2,2027-01-01 00:00:00\n',
    );
    const json = await run('future.csv', schema);
    expect(check(json, 'max_age', 'ts')).toMatchObject({
      status: 'warn',
      observed: expect.stringMatching(/^newest is 38\.9d in the future$/) as unknown,
    });
  });
});

describe('a CSV whose later rows gain a field', () => {
  it('is refused at that line, not read from it as a header', async () => {
    const rows = [
      'id,x',
      ...Array.from({ length: 100 }, (_, i) => `${i},${i}`),
      ...Array.from({ length: 300 }, (_, i) => `${i},${i},9`),
    ];
    await writeFile(join(dir, 'gains.csv'), `${rows.join('\n')}\n`);
    const error = await usageError(
      'gains.csv',
      'columns:\n  id: {type: integer}\n  x: {type: integer}\n',
    );
    expect(error.place).toMatchObject({ file: 'gains.csv', line: 102 });
  });
});

describe('a CSV without a header', () => {
  it('takes its column names from the schema, in order', async () => {
    await writeFile(join(dir, 'nh.tsv'), '1\tx\t3.5\n2\ty\t-1\n');
    const json = await run(
      'nh.tsv',
      'columns:\n  id: {type: integer}\n  name: {type: string}\n  score: {type: float, min: 0}\ncsv: { delimiter: "\\t", header: false }\n',
    );
    expect(json.checks.filter((c) => c.status !== 'pass').map((c) => [c.name, c.column])).toEqual([
      ['range', 'score'],
    ]);
  });
});

describe('range checks name the bound crossed', () => {
  it('above max: the annotation goes to `max`, the observed count says which side', async () => {
    await writeFile(join(dir, 'r.csv'), 'id,income\n1,10\n2,500\n');
    await writeFile(
      join(dir, 'schema.yml'),
      'columns:\n  income:\n    type: integer\n    min: 0\n    max: 100\nstrict: false\n',
    );
    const { report } = await runValidateData(
      { data: ['r.csv'], schema: 'schema.yml', format: 'json' },
      dataDeps(dir, { now: NOW }),
    );
    const range = (report?.data['checks'] as Json['checks']).find((c) => c.name === 'range');
    expect(range).toMatchObject({ observed: '1 failing row (1 above max)', failing_rows: 1 });
  });

  it('a bad value in `max` is named at `max`', async () => {
    await writeFile(join(dir, 'r.csv'), 'id,income\n1,10\n');
    const error = await usageError(
      'r.csv',
      'columns:\n  income:\n    type: integer\n    min: 0\n    max: lots\nstrict: false\n',
    );
    expect(error.message).toMatch(/^`max` of column `income` cannot run/);
    expect(error.place).toMatchObject({ line: 5, key: 'columns.income.max' });
  });
});

describe('drift between columns of different kinds', () => {
  it('is not measured, and says why', async () => {
    const engine = await createDuckDbEngine();
    await engine.query(
      `COPY (SELECT i AS id, CASE WHEN i % 3 = 0 THEN 'yes' ELSE 'no' END AS defaulted FROM range(2000) t(i))
       TO '${join(dir, 'ref.parquet')}'`,
    );
    await engine.close();
    await writeFile(
      join(dir, 'cur.csv'),
      `id,defaulted\n${Array.from({ length: 2000 }, (_, i) => `${i},${i % 3 === 0}`).join('\n')}\n`,
    );
    const json = await run(
      'cur.csv',
      'columns:\n  id: {type: integer}\n  defaulted: {type: boolean}\ndrift:\n  columns: [defaulted]\n',
      'ref.parquet',
    );
    expect(json.drift).toEqual([
      expect.objectContaining({
        column: 'defaulted',
        statistic: null,
        note: 'types differ: BOOLEAN here, VARCHAR in the reference',
      }),
    ]);
  });
});

describe('drift.threshold', () => {
  it('for a p-value method must be below 1', async () => {
    await writeFile(join(dir, 'r.csv'), 'id,income\n1,10\n');
    const error = await usageError(
      'r.csv',
      'columns:\n  id: {type: integer}\nstrict: false\ndrift:\n  method: ks\n  threshold: 1.5\n',
    );
    expect(error.message).toMatch(/is a p-value for `ks`: below 1/);
    expect(error.place).toMatchObject({ line: 6 });
  });
});
