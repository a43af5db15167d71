import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbEngine } from '../../../src/clients/duckdb/engine.js';
import type { SqlEngine } from '../../../src/core/data/engine.js';
import { PROFILE_QUANTILES } from '../../../src/core/data/profile.js';
import type { ColumnProfile } from '../../../src/core/data/profile.js';
import { parseSchema } from '../../../src/core/data/schema.js';
import { resolveSource } from '../../../src/core/data/source.js';
import { validateData } from '../../../src/core/data/validate.js';

// Above the 16 MB of Parquet under which the checks' scan computes every profile exactly itself.
const ROWS = 1_200_000;
const COLUMNS = (rows: number, shift: number, gone: string): string =>
  `SELECT i AS id, md5(i::VARCHAR) AS key, (hash(i) % 1000000) / 7.0 + ${shift} AS x,
     (i % 4)::INTEGER AS level,
     CASE WHEN i % 1000 = 0 THEN 'NaN'::DOUBLE ELSE (i % 5000) * 0.5 END AS f,
     ${gone} AS gone
   FROM range(${rows}) t(i)`;

let dir: string;
let profiles: ColumnProfile[];
const queries: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-seen-'));
  const engine = await createDuckDbEngine({ threads: 2 });
  await engine.query(
    `COPY (${COLUMNS(ROWS, 0, '(i % 777)::INTEGER')}) TO '${join(dir, 'current.parquet')}'`,
  );
  await engine.query(
    `COPY (${COLUMNS(100_000, 3, 'NULL::INTEGER')}) TO '${join(dir, 'reference.parquet')}'`,
  );
  const schemaFile = join(dir, 'schema.yml');
  const schema = parseSchema(
    'columns:\n  id: {type: integer, unique: true}\ndrift:\n  columns: [id, x, level, f, gone]\n',
    schemaFile,
    (d, p) => resolve(d, p),
  );
  const logging: SqlEngine = {
    ...engine,
    query: (sql) => {
      queries.push(sql);
      return engine.query(sql);
    },
  };
  const result = await validateData({
    engine: logging,
    schema,
    data: await resolveSource([join(dir, 'current.parquet')], dir, schema.csv),
    reference: await resolveSource([join(dir, 'reference.parquet')], dir, schema.csv),
    now: new Date('2026-01-10T00:00:00Z'),
  });
  profiles = result.profiles;
  await engine.close();
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function exact(column: string, where = 'true'): Promise<{ q: number[]; d: number }> {
  const engine = await createDuckDbEngine({ threads: 2 });
  const [row] = await engine.query(
    `SELECT quantile_cont(CAST("${column}" AS DOUBLE), [${PROFILE_QUANTILES.join(', ')}]) AS q,
            count(DISTINCT "${column}") AS d
     FROM '${join(dir, 'current.parquet')}' WHERE ${where}`,
  );
  await engine.close();
  return { q: (row?.['q'] as unknown[]).map(Number), d: Number(row?.['d']) };
}

function profile(column: string): ColumnProfile {
  return profiles.find((p) => p.column === column) as ColumnProfile;
}

function quantiles(p: ColumnProfile): number[] {
  const q = p.quantiles;
  return q ? [q.p05, q.p25, q.p50, q.p75, q.p95] : [];
}

describe('the profile of a large file, from what drift read', () => {
  it('gives the exact quantiles and distinct counts of the columns drift sorted', async () => {
    for (const column of ['id', 'x']) {
      const expected = await exact(column);
      expect(quantiles(profile(column)), column).toEqual(expected.q);
      expect(profile(column), column).toMatchObject({
        distinct: expected.d,
        distinctExact: true,
        quantilesExact: true,
      });
    }
  });

  it('gives them from the value counts of a column drift treated as categories', async () => {
    const expected = await exact('level');
    expect(quantiles(profile('level'))).toEqual(expected.q);
    expect(profile('level')).toMatchObject({
      distinct: 4,
      distinctExact: true,
      quantilesExact: true,
    });
  });

  it('keeps the distinct estimate where drift left NaN out, and gives quantiles of the finite values', async () => {
    const expected = await exact('f', 'isfinite(f)');
    expect(quantiles(profile('f'))).toEqual(expected.q);
    expect(profile('f')).toMatchObject({ distinctExact: false, quantilesExact: true });
  });

  it('estimates in a pass of its own the quantiles drift did not read (no reference values)', () => {
    expect(profile('gone').quantilesExact).toBe(false);
    expect(quantiles(profile('gone'))).toHaveLength(5);
    const extra = queries.filter((q) => q.includes('approx_quantile'));
    expect(extra).toHaveLength(1);
    expect(extra[0]).toContain('"gone"');
    expect(extra[0]).not.toContain('"x"');
  });

  it('spares the checks scan the quantile estimates of those columns', () => {
    const scan = queries.find((q) => q.includes('__rows')) ?? '';
    expect(scan).toContain('avg(CAST("x" AS DOUBLE))');
    expect(scan).not.toContain('quantile');
  });
});
