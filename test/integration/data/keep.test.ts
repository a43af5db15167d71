import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbEngine } from '../../../src/clients/duckdb/engine.js';
import type { SqlEngine } from '../../../src/core/data/engine.js';
import { tempDir } from '../../unit/support/temp-dirs.js';

/**
 * Kept rows (a CSV parsed once before drift) must read back exactly as the source gave them,
 * from the engine's own connection and from a stream's, whatever the storage behind them.
 */
let engine: SqlEngine;
let csv: string;

beforeAll(async () => {
  engine = await createDuckDbEngine({ threads: 2 });
  const dir = tempDir('sluice-keep-');
  csv = join(dir, 'rows.csv');
  writeFileSync(
    csv,
    [
      'id,price,name,seen,day,ok',
      '1,2.5,"a, b",2024-03-01 10:00:00+02:00,2024-03-01,true',
      '2,-0.0,,2024-03-02 00:00:00Z,2024-03-02,false',
      '3,,"quote ""x""",,,',
    ].join('\n'),
  );
});

afterAll(async () => {
  await engine.close();
});

const scan = (): string =>
  `read_csv('${csv}', header=true, types={'seen': 'TIMESTAMPTZ', 'price': 'DOUBLE'})`;

describe('SqlEngine.keep', () => {
  it('gives back every value and type the source had, to queries and to streams', async () => {
    await engine.keep('kept_rows', `SELECT * FROM ${scan()}`);
    const source = await engine.query(`SELECT * FROM ${scan()} ORDER BY id`);
    const kept = await engine.query('SELECT * FROM kept_rows ORDER BY id');
    expect(kept).toEqual(source);
    const types = async (from: string) =>
      (await engine.query(`DESCRIBE SELECT * FROM ${from}`)).map((r) => r['column_type']);
    expect(await types('kept_rows')).toEqual(await types(scan()));
    const stream = async (from: string) => {
      const values: number[] = [];
      for await (const chunk of engine.streamNumbers(
        `SELECT CAST(price AS DOUBLE) FROM ${from} WHERE price IS NOT NULL ORDER BY 1`,
      ))
        values.push(...chunk.values);
      return values;
    };
    expect(await stream('kept_rows')).toEqual(await stream(scan()));
    expect(await stream('kept_rows')).toHaveLength(2);
  });

  it('stores rows columnar, so later passes read only their columns', async () => {
    await engine.keep('kept_columnar', `SELECT * FROM ${scan()}`);
    const [view] = await engine.query(
      "SELECT sql FROM duckdb_views() WHERE view_name = 'kept_columnar'",
    );
    expect(String(view?.['sql'])).toContain('read_parquet');
  });

  it('keeps the digits of types Parquet would change (HUGEINT, BIT, TIME WITH TIME ZONE)', async () => {
    await engine.keep(
      'kept_wide',
      "SELECT 170141183460469231731687303715884105727::HUGEINT AS h, '0101'::BIT AS b, '12:30:01+02'::TIMETZ AS t",
    );
    const [row] = await engine.query(
      'SELECT CAST(h AS VARCHAR) AS h, CAST(b AS VARCHAR) AS b, CAST(t AS VARCHAR) AS t FROM kept_wide',
    );
    expect(row).toEqual({
      h: '170141183460469231731687303715884105727',
      b: '0101',
      t: '12:30:01+02',
    });
  });

  it('replaces what it kept before under the same name', async () => {
    await engine.keep('kept_again', 'SELECT 1 AS v');
    await engine.keep('kept_again', 'SELECT 2 AS v UNION ALL SELECT 3');
    expect(await engine.query('SELECT v FROM kept_again ORDER BY v')).toEqual([{ v: 2 }, { v: 3 }]);
  });
});
