import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbEngine } from '../../../src/clients/duckdb/engine.js';
import type { CommandDeps } from '../../../src/core/commands/types.js';
import { UsageError } from '../../../src/core/errors.js';
import { renderMarkdown } from '../../../src/core/report/render/markdown.js';
import { dataDeps } from '../data/deps.js';
import { runGate } from '../../unit/support/commands.js';

let dir: string;

function deps(git?: Partial<CommandDeps['git']>): CommandDeps {
  const base = dataDeps(dir, { now: new Date('2026-12-07T00:00:00Z') });
  return { ...base, git: { ...base.git, ...git }, folders: { home: dir, temp: dir } };
}

async function generate(sql: string, file: string): Promise<void> {
  const engine = await createDuckDbEngine({ threads: 2 });
  await engine.query(`COPY (${sql}) TO '${join(dir, file)}'`);
  await engine.close();
}

// 4,000 examples; the baseline is right 85 % of the time; the candidate 85 % too except in
// region EU, where it is right only 65 %: a real regression there, noise elsewhere.
const BASE = `SELECT i AS id, (hash(i) % 2)::INT AS label,
  CASE WHEN hash(i * 3) % 100 < 85 THEN (hash(i) % 2)::INT ELSE 1 - (hash(i) % 2)::INT END AS prediction,
  ['EU','US','APAC'][(i % 3) + 1] AS region FROM range(4000) t(i)`;
const CAND = `SELECT i AS id, (hash(i) % 2)::INT AS label,
  CASE WHEN hash(i * 7) % 100 < (CASE WHEN i % 3 = 0 THEN 65 ELSE 85 END) THEN (hash(i) % 2)::INT ELSE 1 - (hash(i) % 2)::INT END AS prediction,
  (hash(i * 11) % 1000) / 1000.0 AS score,
  ['EU','US','APAC'][(i % 3) + 1] AS region FROM range(4000) t(i)`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-predictions-'));
  await generate(BASE, 'base.csv');
  await generate(CAND, 'cand.csv');
  await generate(BASE, 'base.parquet');
  await generate(CAND, 'cand.parquet');
  await writeFile(
    join(dir, 'rules.yml'),
    'metrics:\n  accuracy: { max_regression: 0.2 }\n  "slices.region.*.accuracy": { max_regression: 0.05, confidence: 0.95 }\n',
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function usageError(run: Promise<unknown>): Promise<UsageError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  return error as UsageError;
}

describe('quality-gate --predictions with DuckDB', () => {
  it.each(['csv', 'parquet'])(
    'fails on the slice that regressed beyond noise, passes the rest (%s)',
    async (ext) => {
      const { report } = await runGate(
        {
          predictions: [`cand.${ext}`],
          'baseline-predictions': `base.${ext}`,
          'slice-columns': ['region'],
          'score-column': undefined,
          rules: 'rules.yml',
        },
        deps(),
      );
      expect(report!.verdict).toBe('fail');
      expect(report!.outputs['failed-metrics']).toBe('slices.region.EU.accuracy');
      const data = report!.data['predictions'] as {
        task: string;
        paired: number;
        mcnemar: { worse: number; better: number; p: number };
        metrics: { key: string; significance: string; status: string; interval: number[] }[];
      };
      expect(data.task).toBe('classification');
      expect(data.paired).toBe(4000);
      expect(data.mcnemar.worse).toBeGreaterThan(data.mcnemar.better);
      const eu = data.metrics.find((m) => m.key === 'slices.region.EU.accuracy')!;
      expect(eu.significance).toBe('regressed');
      expect(eu.status).toBe('fail');
      const us = data.metrics.find((m) => m.key === 'slices.region.US.accuracy')!;
      expect(us.status).toBe('pass');
      const markdown = renderMarkdown(report!);
      expect(markdown).toContain('xychart-beta');
      expect(markdown).toContain('Worst flipped examples');
      expect(markdown).toContain('McNemar');
    },
  );

  it('gives the same report for the same inputs (fixed seed)', async () => {
    const run = async () =>
      JSON.stringify(
        (
          await runGate(
            {
              predictions: ['cand.csv'],
              'baseline-predictions': 'base.csv',
              'slice-columns': ['region'],
            },
            deps(),
          )
        ).report!.data,
      );
    expect(await run()).toBe(await run());
  });

  it('reads the baseline predictions at a git ref', async () => {
    const bytes = await readFile(join(dir, 'base.csv'));
    const { report } = await runGate(
      { predictions: ['cand.csv'], baseline: 'git:main' },
      deps({
        readFileAt: (ref, path) =>
          Promise.resolve(ref === 'main' && path.endsWith('cand.csv') ? bytes : undefined),
      }),
    );
    expect((report!.data['predictions'] as { paired: number }).paired).toBe(4000);
    expect(report!.sections[0]!.title).toContain('cand.csv@main');
  });

  it('counts ids in only one file and reports them, never silently', async () => {
    await generate(
      `SELECT * FROM (${CAND}) WHERE id < 3900 UNION ALL SELECT 99999, 1, 1, 0.5, 'EU'`,
      'partial.csv',
    );
    const { report } = await runGate(
      { predictions: ['partial.csv'], 'baseline-predictions': 'base.csv' },
      deps(),
    );
    const data = report!.data['predictions'] as {
      onlyCandidate: { count: number; examples: string[] };
      onlyBaseline: { count: number };
    };
    expect(data.onlyCandidate).toEqual({ count: 1, examples: ['99999'] });
    expect(data.onlyBaseline.count).toBe(100);
    expect(report!.notes.map((n) => n.text).join('\n')).toMatch(
      /100 ids of base.csv are not in partial.csv/,
    );
  });

  it('a regression task: RMSE and MAE with intervals', async () => {
    await generate(
      `SELECT i AS id, i / 10.0 AS label, i / 10.0 + (hash(i) % 100) / 100.0 - 0.5 AS prediction FROM range(3000) t(i)`,
      'reg-base.csv',
    );
    await generate(
      `SELECT i AS id, i / 10.0 AS label, i / 10.0 + (hash(i * 5) % 100) / 50.0 - 1 AS prediction FROM range(3000) t(i)`,
      'reg-cand.csv',
    );
    const { report } = await runGate(
      { predictions: ['reg-cand.csv'], 'baseline-predictions': 'reg-base.csv' },
      deps(),
    );
    const data = report!.data['predictions'] as {
      task: string;
      metrics: { key: string; significance: string; delta: number }[];
    };
    expect(data.task).toBe('regression');
    const rmse = data.metrics.find((m) => m.key === 'rmse')!;
    expect(rmse.delta).toBeGreaterThan(0);
    expect(rmse.significance).toBe('regressed');
  });
});

describe('quality-gate --predictions refuses hostile files naming file and column', () => {
  it('duplicate ids: exit 2 with the file and an example id', async () => {
    await generate(
      `SELECT * FROM (${CAND}) UNION ALL SELECT * FROM (${CAND}) WHERE id = 17`,
      'dup.csv',
    );
    const error = await usageError(
      runGate({ predictions: ['dup.csv'], 'baseline-predictions': 'base.csv' }, deps()),
    );
    expect(error.message).toMatch(/dup\.csv.*id 17 \(2 times\)/);
    expect(error.place).toMatchObject({ file: 'dup.csv', key: 'id-column' });
  });

  it('a missing column: names it and the file', async () => {
    const error = await usageError(
      runGate(
        { predictions: ['cand.csv'], 'baseline-predictions': 'base.csv', 'label-column': 'target' },
        deps(),
      ),
    );
    expect(error.message).toContain('cand.csv has no column `target`');
    expect(error.place).toMatchObject({ key: 'label-column' });
  });

  it('non-numeric labels for a regression', async () => {
    await writeFile(join(dir, 'text.csv'), 'id,label,prediction\n1,cat,1.5\n2,dog,2.5\n');
    const error = await usageError(
      runGate(
        { predictions: ['text.csv'], 'baseline-predictions': 'text.csv', task: 'regression' },
        deps(),
      ),
    );
    expect(error.message).toMatch(/column `label` of text\.csv is not numeric/);
  });

  it('an empty file', async () => {
    await writeFile(join(dir, 'empty.csv'), 'id,label,prediction\n');
    const error = await usageError(
      runGate({ predictions: ['empty.csv'], 'baseline-predictions': 'base.csv' }, deps()),
    );
    expect(error.message).toMatch(/empty\.csv/);
  });

  it('NaN scores: the file, the column and an example id', async () => {
    await writeFile(join(dir, 'nan.csv'), 'id,label,prediction,score\n1,1,1,0.9\n2,0,0,NaN\n');
    await writeFile(join(dir, 'ok.csv'), 'id,label,prediction,score\n1,1,1,0.9\n2,0,0,0.1\n');
    const error = await usageError(
      runGate(
        { predictions: ['nan.csv'], 'baseline-predictions': 'ok.csv', 'score-column': 'score' },
        deps(),
      ),
    );
    expect(error.message).toMatch(/nan\.csv, column `score`.*e\.g\. id 2 \(line 3\) holds `NaN`/);
    expect(error.place).toMatchObject({ file: 'nan.csv', key: 'score-column' });
  });

  it('labels that differ between the files', async () => {
    await writeFile(join(dir, 'l1.csv'), 'id,label,prediction\n1,1,1\n2,0,0\n');
    await writeFile(join(dir, 'l2.csv'), 'id,label,prediction\n1,1,1\n2,1,0\n');
    const error = await usageError(
      runGate({ predictions: ['l1.csv'], 'baseline-predictions': 'l2.csv' }, deps()),
    );
    expect(error.message).toMatch(/id 2 has label 0 in l1\.csv but 1 in l2\.csv/);
  });

  it('no baseline predictions at all', async () => {
    const error = await usageError(
      runGate({ predictions: ['cand.csv'], baseline: 'none' }, deps()),
    );
    expect(error.place).toMatchObject({ key: 'baseline-predictions' });
  });
});

describe('quality-gate without metrics or predictions', () => {
  it('says it needs one of them (exit 2)', async () => {
    const error = await usageError(runGate({}, deps()));
    expect(error.message).toBe('quality-gate needs `metrics` or `predictions`');
  });
});
