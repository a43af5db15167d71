import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport } from '../../../src/core/report/render/index.js';
import { twoProportionZTest } from '../../../src/core/stats/proportions.js';
import { runValidateData } from '../../unit/support/commands.js';
import { dataDeps } from './deps.js';

interface DriftRow {
  column: string;
  method: string;
  statistic: number | null;
  p_value: number | null;
  effect: number | null;
  drifted: boolean;
  unseen?: { values: number; rows: number; share: number; examples: string[] };
}

let dir: string;

const csv = (rows: string[][]) => `${rows.map((r) => r.join(',')).join('\n')}\n`;
/** `count` rows of `value` in column `plan`, numbered from `from`. */
const rowsOf = (value: string, count: number, from: number) =>
  Array.from({ length: count }, (_v, i) => [String(from + i), value]);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-drift-categories-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function drift(reference: string[][], current: string[][], extra = '') {
  await writeFile(join(dir, 'ref.csv'), csv([['id', 'plan'], ...reference]));
  await writeFile(join(dir, 'cur.csv'), csv([['id', 'plan'], ...current]));
  await writeFile(
    join(dir, 'schema.yml'),
    `columns:\n  id: {type: integer}\n  plan: {type: string}\nstrict: false\ndrift:\n  reference: ref.csv\n  columns: [plan]\n${extra}`,
  );
  const { report } = await runValidateData(
    { data: ['cur.csv'], schema: 'schema.yml', format: 'json' },
    dataDeps(dir, { now: new Date('2026-01-10T00:00:00Z') }),
  );
  const rows = report?.data['drift'] as DriftRow[];
  return { row: rows.find((r) => r.column === 'plan')!, report: report! };
}

describe('two-valued columns on a small reference: the z-test for two proportions', () => {
  it('auto picks z (as Evidently does) and its p-value is the pooled two-proportion test', async () => {
    // 40 reference rows at 75 % "basic"; 2,000 current rows at 65 %.
    const { row } = await drift(
      [...rowsOf('basic', 30, 0), ...rowsOf('pro', 10, 30)],
      [...rowsOf('basic', 1300, 0), ...rowsOf('pro', 700, 1300)],
    );
    const expected = twoProportionZTest(30, 40, 1300, 2000);
    expect(row.method).toBe('z');
    expect(row.p_value).toBeCloseTo(expected.p, 12);
    expect(row.effect).toBeCloseTo(0.1, 12);
    // Chi-square against the reference's shares would call this drift (p ≈ 1e-10); the
    // z-test counts the small reference's own noise: not significant.
    expect(row.p_value).toBeGreaterThan(0.05);
    expect(row.drifted).toBe(false);
  });

  it('a forced z on three values says why it cannot measure them', async () => {
    const { row } = await drift(
      [...rowsOf('a', 10, 0), ...rowsOf('b', 10, 10), ...rowsOf('c', 10, 20)],
      [...rowsOf('a', 10, 0), ...rowsOf('b', 10, 10), ...rowsOf('c', 10, 20)],
      '  method: z\n',
    );
    expect(row.statistic).toBeNull();
    expect(JSON.stringify(row)).toMatch(/z needs two values: 3 here/);
  });
});

describe('a value the reference never had is its own finding', () => {
  it('flagged with its count, share and examples, whatever the effect floor says', async () => {
    // 3 % of current rows are a plan the reference never had: total variation 0.03 < 0.05.
    const reference = [
      ...rowsOf('basic', 600, 0),
      ...rowsOf('pro', 300, 600),
      ...rowsOf('team', 100, 900),
    ];
    const current = [
      ...rowsOf('basic', 582, 0),
      ...rowsOf('pro', 291, 582),
      ...rowsOf('team', 97, 873),
      ...rowsOf('enterprise', 20, 970),
      ...rowsOf('<b>trial</b>', 10, 990),
    ];
    const { row, report } = await drift(reference, current);
    expect(row.method).toBe('chisquare');
    expect(row.drifted).toBe(true);
    expect(row.unseen).toEqual({
      values: 2,
      rows: 30,
      share: 0.03,
      examples: ['enterprise', '<b>trial</b>'],
    });
    const markdown = renderReport(report, 'markdown', {});
    expect(markdown).toMatch(/2 values the reference never had \(3\.0 % of rows\)/);
    // Data values are escaped like every other name.
    expect(markdown).not.toContain('<b>trial</b>');
  });

  it('no new value, no finding', async () => {
    const same = [...rowsOf('basic', 600, 0), ...rowsOf('pro', 400, 600)];
    const { row } = await drift(same, same);
    expect(row.unseen).toBeUndefined();
    expect(row.drifted).toBe(false);
  });
});
