import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbEngine } from '../../../src/clients/duckdb/engine.js';
import type { CommandDeps } from '../../../src/core/commands/types.js';
import type { Block } from '../../../src/core/report/model.js';
import type { Report } from '../../../src/core/report/model.js';
import { renderJson } from '../../../src/core/report/render/json.js';
import { parseList } from '../../../src/inputs/parse.js';
import { dataDeps } from './deps.js';
import { runValidateData } from '../../unit/support/commands.js';

let dir: string;
const NOW = new Date('2026-01-10T00:00:00Z');

interface Annotation {
  level: string;
  message: string;
  line: number | undefined;
}

function deps(annotations?: Annotation[]): CommandDeps {
  const base = dataDeps(dir, { now: NOW });
  if (annotations)
    base.logger.annotate = (level, message, place) =>
      annotations.push({ level, message, line: place?.line });
  return base;
}

function tables(report: Report | undefined): Extract<Block, { type: 'table' }>[] {
  const visit = (blocks: Block[]): Block[] =>
    blocks.flatMap((b) => (b.type === 'details' ? visit(b.blocks) : [b]));
  return visit(report?.sections.flatMap((s) => s.blocks) ?? []).flatMap((b) =>
    b.type === 'table' ? [b] : [],
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-data-report-'));
  await mkdir(join(dir, 'multi'));
  await writeFile(join(dir, 'multi/a.csv'), 'id,age\n1,2\n2,-3\n');
  await writeFile(join(dir, 'multi/b.csv'), 'id,age\n4,5\n5,-1\n');
  await writeFile(join(dir, 'multi/c.csv'), 'id,age\n6,-9\n');
  await mkdir(join(dir, 'clean'));
  await writeFile(join(dir, 'clean/x.csv'), 'id,age\n1,2\n');
  await writeFile(join(dir, 'clean/y.csv'), 'id,age\n2,-3\n');
  await writeFile(
    join(dir, 'schema.yml'),
    'columns:\n  id: { type: integer }\n  age: { type: integer, min: 0 }\nstrict: true\nrows: { min: 10 }\n',
  );
  const engine = await createDuckDbEngine({ threads: 1 });
  await engine.query(
    `COPY (SELECT i AS id, CASE WHEN i = 7 THEN -1 ELSE i END AS age FROM range(20) t(i)) TO '${join(dir, 'ages.parquet')}'`,
  );
  await engine.close();
  // The current data has a category the reference never saw: chi-square is infinite.
  await writeFile(join(dir, 'ref.csv'), 'c\n' + 'A\nB\n'.repeat(50));
  await writeFile(join(dir, 'cur.csv'), 'c\n' + 'A\nB\nZ\n'.repeat(30));
  await writeFile(
    join(dir, 'drift.yml'),
    'columns:\n  c: { type: string }\ndrift:\n  reference: ref.csv\n  method: chisquare\n',
  );
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('validate-data report, end to end', () => {
  it('reads a brace glob as one input, and names each sample row’s file', async () => {
    const data = parseList('multi/{a,b}.csv');
    expect(data).toEqual(['multi/{a,b}.csv']);
    const { report } = await runValidateData({ data, schema: 'schema.yml' }, deps());
    expect(report?.data['rows']).toBe(4);
    const samples = tables(report).find((t) => t.columns[0]?.title === 'File');
    expect(samples?.columns.map((c) => c.title)).toEqual(['File', 'Line', 'id', 'age']);
    expect(samples?.rows.map((r) => [r[0], r[1]])).toEqual([
      ['a.csv', 3],
      ['b.csv', 3],
    ]);
  });

  it('annotates each failed check once, on its schema line, in words that name it once', async () => {
    const annotations: Annotation[] = [];
    const { report } = await runValidateData(
      { data: ['multi/a.csv'], schema: 'schema.yml' },
      deps(annotations),
    );
    expect(annotations).toEqual([
      { level: 'error', message: 'row_count failed: observed 2; expected ≥ 10', line: 5 },
      {
        level: 'error',
        // (The observed text is the check's own: its plural is checks.ts's business.)
        message: expect.stringMatching(
          /^column `age` range failed: observed 1 failing rows? \(1 below min\); expected ≥ 0$/,
        ),
        line: 3,
      },
    ]);
    // The terminal reads the table: no note repeats a failure above it.
    expect(report?.notes).toEqual([]);
  });

  it('labels Parquet sample positions as rows, not lines', async () => {
    const { report } = await runValidateData(
      { data: ['ages.parquet'], schema: 'schema.yml' },
      deps(),
    );
    const samples = tables(report).find((t) => t.columns.some((c) => c.title === 'Row'));
    expect(samples?.columns.map((c) => c.title)).toEqual(['Row', 'id', 'age']);
    // Sample values are text as the data holds them, never rounded like a raw number cell.
    expect(samples?.rows[0]?.slice(0, 3)).toEqual([
      8,
      { text: '7', align: 'right' },
      { text: '-1', align: 'right' },
    ]);
  });

  it('names the file of a sample row whenever the dataset is several files', async () => {
    // Only y.csv fails, but the folder holds two files: the reader must know which to open.
    const { report } = await runValidateData({ data: ['clean'], schema: 'schema.yml' }, deps());
    const samples = tables(report).find((t) => t.columns[0]?.title === 'File');
    expect(samples?.columns.map((c) => c.title)).toEqual(['File', 'Line', 'id', 'age']);
    expect(samples?.rows.map((r) => [r[0], r[1]])).toEqual([['y.csv', 2]]);
    const single = await runValidateData({ data: ['clean/y.csv'], schema: 'schema.yml' }, deps());
    expect(tables(single.report).some((t) => t.columns[0]?.title === 'File')).toBe(false);
  });

  it('writes an infinite chi-square as null with a note, and charts its distance', async () => {
    const { report } = await runValidateData({ data: ['cur.csv'], schema: 'drift.yml' }, deps());
    if (!report) throw new Error('no report');
    const document = JSON.parse(renderJson(report)) as { drift: Record<string, unknown>[] };
    expect(document.drift[0]).toMatchObject({ column: 'c', method: 'chisquare', statistic: null });
    expect(document.drift[0]?.['note']).toMatch(/infinite/);
    const chart = report.sections.flatMap((s) => s.blocks).find((b) => b.type === 'chart');
    expect(chart?.type === 'chart' ? chart.chart.xLabels : []).toEqual(['c']);
  });
});
