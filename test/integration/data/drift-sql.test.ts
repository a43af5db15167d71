import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbEngine } from '../../../src/clients/duckdb/engine.js';
import type { SqlEngine } from '../../../src/core/data/engine.js';
import { ecdfDistances } from '../../../src/core/data/drift/ecdf.js';
import { valueCounts } from '../../../src/core/data/drift/queries.js';
import { runDrift } from '../../../src/core/data/drift/run.js';
import type { DriftMethod } from '../../../src/core/data/schema.js';
import { categorySample, numericSample, readDriftFixture } from '../../unit/data/drift-samples.js';
import type { DriftNumericCase } from '../../unit/data/drift-samples.js';

/**
 * The statistics as DuckDB computes their inputs (ECDF differences, histograms, value counts)
 * must equal the scipy / Evidently fixture numbers, as the pure functions do in the unit test.
 */
const fixture = readDriftFixture();

let engine: SqlEngine;

async function table(
  name: string,
  type: string,
  values: readonly (number | string)[],
): Promise<void> {
  await engine.query(`CREATE OR REPLACE TABLE ${name} (v ${type})`);
  for (let i = 0; i < values.length; i += 5000) {
    const chunk = values.slice(i, i + 5000);
    await engine.query(
      `INSERT INTO ${name} VALUES ${chunk.map((v) => (typeof v === 'number' ? `(${v === Math.trunc(v) ? v : `${v}::DOUBLE`})` : `('${v}')`)).join(', ')}`,
    );
  }
}

async function drift(
  method: DriftMethod,
  family: 'float' | 'integer' | 'string',
  minEffect?: number,
) {
  const type = family === 'float' ? 'DOUBLE' : family === 'integer' ? 'BIGINT' : 'VARCHAR';
  const column = { name: 'v', type, family };
  const summary = await runDrift(
    engine,
    { reference: 'ref', current: 'cur' },
    { current: [column], reference: [column] },
    { columns: 'all', method, place: { file: 'schema.yml' } },
    minEffect,
  );
  return summary.columns[0]!;
}

function close(actual: number | null, expected: number, tolerance: number): void {
  expect(actual).not.toBeNull();
  const scale = Math.max(Math.abs(expected), 1e-300);
  expect(
    Math.abs((actual as number) - expected) / scale,
    `${actual} vs ${expected}`,
  ).toBeLessThanOrEqual(tolerance);
}

beforeAll(async () => {
  engine = await createDuckDbEngine({ threads: 2 });
});
afterAll(async () => {
  await engine.close();
});

describe('drift through DuckDB equals scipy / Evidently', () => {
  for (const c of fixture.numeric) {
    it(`${c.name}: ks, wasserstein, psi, jensenshannon`, async () => {
      const family = c.integer ? 'integer' : 'float';
      await table('ref', c.integer ? 'BIGINT' : 'DOUBLE', numericSample(c.reference));
      await table('cur', c.integer ? 'BIGINT' : 'DOUBLE', numericSample(c.current));
      const ks = await drift('ks', family);
      expect(Math.abs((ks.statistic as number) - c.ks_statistic)).toBeLessThanOrEqual(1e-12);
      close(ks.pValue, c.ks_pvalue, 1e-9);
      close((await drift('wasserstein', family)).statistic, c.wasserstein_norm, 1e-9);
      close((await drift('psi', family)).statistic, c.psi, 1e-9);
      close((await drift('jensenshannon', family)).statistic, c.jensenshannon, 1e-9);
    });
  }
  it('min_effect keeps a significant but small KS shift from counting as drift', async () => {
    const c = fixture.numeric.find((n) => n.ks_pvalue < 0.05) as DriftNumericCase;
    await table('ref', 'DOUBLE', numericSample(c.reference));
    await table('cur', 'DOUBLE', numericSample(c.current));
    expect((await drift('ks', 'float', 0)).drifted).toBe(true);
    const floored = await drift('ks', 'float', c.ks_statistic + 0.01);
    expect(floored).toMatchObject({ drifted: false, effect: c.ks_statistic });
  });

  for (const c of fixture.categorical) {
    it(`${c.name}: chisquare, psi, jensenshannon`, async () => {
      await table('ref', 'VARCHAR', categorySample(c.reference));
      await table('cur', 'VARCHAR', categorySample(c.current));
      close((await drift('chisquare', 'string')).pValue, c.chisquare_pvalue, 1e-9);
      close((await drift('psi', 'string')).statistic, c.psi, 1e-9);
      close((await drift('jensenshannon', 'string')).statistic, c.jensenshannon, 1e-9);
    });
  }
});

describe('value counts from DuckDB', () => {
  it('counts booleans and timestamps by value and names each category as DuckDB writes it', async () => {
    await engine.query(
      `CREATE OR REPLACE TABLE ref AS SELECT (i % 3 = 0) AS b,
         TIMESTAMP '2024-01-01' + INTERVAL (i % 2) DAY AS t FROM range(30) r(i)`,
    );
    await engine.query(
      `CREATE OR REPLACE TABLE cur AS SELECT (i % 2 = 0) AS b,
         TIMESTAMP '2024-01-02' + INTERVAL (i % 2) DAY AS t FROM range(20) r(i)`,
    );
    const b = { name: 'b', type: 'BOOLEAN', family: 'boolean' } as const;
    expect(await valueCounts(engine, 'ref', 'cur', b, b)).toMatchObject({
      labels: ['false', 'true'],
      reference: [20, 10],
      current: [10, 10],
      categories: 2,
    });
    const t = { name: 't', type: 'TIMESTAMP', family: 'timestamp' } as const;
    expect(await valueCounts(engine, 'ref', 'cur', t, t)).toMatchObject({
      labels: ['2024-01-01 00:00:00', '2024-01-02 00:00:00', '2024-01-03 00:00:00'],
      reference: [15, 15, 0],
      current: [0, 10, 10],
    });
  });
});

describe('sorted streams from DuckDB', () => {
  // runDrift streams raw sorted values above 200,000 distinct values and value counts below:
  // both shapes, through the client's chunked reader, must give the same distances.
  for (const c of fixture.numeric) {
    it(`${c.name}: raw and grouped streams give scipy's KS statistic and distance`, async () => {
      const type = c.integer ? 'BIGINT' : 'DOUBLE';
      await table('ref', type, numericSample(c.reference));
      await table('cur', type, numericSample(c.current));
      const raw = (t: string) =>
        engine.streamNumbers(`SELECT CAST(v AS DOUBLE) FROM ${t} ORDER BY 1`);
      const grouped = (t: string) =>
        engine.streamNumbers(
          `SELECT CAST(v AS DOUBLE), CAST(count(*) AS DOUBLE) FROM ${t} GROUP BY 1 ORDER BY 1`,
        );
      for (const [r, k] of [
        [raw('ref'), raw('cur')],
        [grouped('ref'), raw('cur')],
      ] as const) {
        const result = await ecdfDistances(r, k, c.reference.n, c.current.n);
        expect(Math.abs(result.d - c.ks_statistic)).toBeLessThanOrEqual(1e-12);
        close(result.wasserstein, c.wasserstein, 1e-12);
      }
    });
  }

  it('streams more rows than one chunk holds, in order, and sees tables made on the main connection', async () => {
    await engine.query(
      `CREATE OR REPLACE TABLE big AS SELECT (i * 7919) % 100003 AS v FROM range(100003) t(i)`,
    );
    let count = 0;
    let previous = -1;
    let ordered = true;
    for await (const chunk of engine.streamNumbers(
      `SELECT CAST(v AS DOUBLE) FROM big ORDER BY 1`,
    )) {
      for (const v of chunk.values) {
        if (v !== previous + 1) ordered = false;
        previous = v;
      }
      count += chunk.values.length;
    }
    expect({ count, ordered }).toEqual({ count: 100003, ordered: true });
  });
});

describe('drift of time columns', () => {
  const stamp = { name: 't', type: 'TIMESTAMP', family: 'timestamp' as const };
  const seconds = { name: 's', type: 'DOUBLE', family: 'float' as const };

  beforeAll(async () => {
    // The same instants as timestamps and as seconds since the epoch: a 12-hour shift.
    for (const [name, offset] of [
      ['tref', 0],
      ['tcur', 43_200],
    ] as const) {
      await engine.query(
        `CREATE OR REPLACE TABLE ${name} AS SELECT to_timestamp(s) AS t, s FROM (
           SELECT CAST(1.7e9 + (i * 7919) % 86400 + ${offset} + (i % 1000) / 1000.0 AS DOUBLE) AS s FROM range(5000) r(i))`,
      );
    }
  });

  async function measure(method: DriftMethod, columns: 'all' | string[]) {
    return runDrift(
      engine,
      { reference: 'tref', current: 'tcur' },
      { current: [stamp, seconds], reference: [stamp, seconds] },
      { columns, method, place: { file: 'schema.yml' } },
    );
  }

  it('measures a named timestamp column in seconds, as the same values in seconds', async () => {
    for (const method of ['wasserstein', 'ks', 'psi'] as const) {
      const [t, s] = (await measure(method, ['t', 's'])).columns;
      expect(t?.statistic, method).not.toBeNull();
      close(t?.statistic ?? null, s?.statistic as number, 1e-9);
      expect(t?.drifted).toBe(s?.drifted);
    }
    const [t] = (await measure('wasserstein', ['t'])).columns;
    expect(t).toMatchObject({ column: 't', method: 'wasserstein', drifted: true });
  });

  it('leaves time columns out of `columns: all`, saying how to measure one', async () => {
    const summary = await measure('wasserstein', 'all');
    expect(summary.columns.find((c) => c.column === 't')).toMatchObject({
      statistic: null,
      drifted: false,
      note: expect.stringContaining('name it in drift.columns') as unknown,
    });
    expect(summary.columns.find((c) => c.column === 's')?.statistic).not.toBeNull();
  });
});

describe('drift leaves out NaN and ±inf, as Evidently drops them', () => {
  it('gives the same numbers with and without non-finite values', async () => {
    const c = fixture.numeric.find((n) => !n.integer) as DriftNumericCase;
    const ref = numericSample(c.reference);
    const cur = numericSample(c.current);
    for (const method of ['ks', 'wasserstein', 'psi', 'jensenshannon'] as const) {
      await table('ref', 'DOUBLE', ref);
      await table('cur', 'DOUBLE', cur);
      const clean = await drift(method, 'float');
      await engine.query(
        `INSERT INTO ref VALUES ('NaN'::DOUBLE), ('Infinity'::DOUBLE), ('-Infinity'::DOUBLE), (NULL)`,
      );
      await engine.query(`INSERT INTO cur VALUES ('NaN'::DOUBLE), ('-Infinity'::DOUBLE)`);
      const dirty = await drift(method, 'float');
      expect(dirty.statistic, method).not.toBeNull();
      close(dirty.statistic, clean.statistic as number, 1e-12);
      if (clean.pValue !== null) close(dirty.pValue, clean.pValue, 1e-12);
    }
  });
});
