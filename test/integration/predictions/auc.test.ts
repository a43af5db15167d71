import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbEngine } from '../../../src/clients/duckdb/engine.js';
import type { CommandDeps } from '../../../src/core/commands/types.js';
import { compareAuc, scoreOrderOf } from '../../../src/core/predictions/auc.js';
import { renderMarkdown } from '../../../src/core/report/render/markdown.js';
import { dataDeps } from '../data/deps.js';
import { runGate } from '../../unit/support/commands.js';

let dir: string;

function deps(): CommandDeps {
  const base = dataDeps(dir, { now: new Date('2026-12-07T00:00:00Z') });
  return { ...base, folders: { home: dir, temp: dir } };
}

// 3,000 examples in regions EU, US, APAC and 40 in ONE whose labels are all 1. Scores are
// rounded to two decimals (many ties); the candidate ranks worse in EU.
const rows = (candidate: boolean) => `SELECT i AS id,
  CASE WHEN i >= 3000 THEN 1 ELSE (hash(i) % 2)::INT END AS label,
  CASE WHEN hash(i * ${candidate ? 7 : 3}) % 100 < 80 THEN label ELSE 1 - label END AS prediction,
  round(least(0.99, greatest(0.01, 0.5 + (label - 0.5) * ${candidate ? 'CASE WHEN i % 3 = 0 THEN 0.1 ELSE 0.5 END' : '0.5'}
    + ((hash(i * ${candidate ? 13 : 17}) % 1000) / 1000.0 - 0.5) * 0.9)), 2) AS score,
  CASE WHEN i >= 3000 THEN 'ONE' ELSE ['EU','US','APAC'][(i % 3) + 1] END AS region
  FROM range(3040) t(i)`;

async function generate(sql: string, file: string): Promise<void> {
  const engine = await createDuckDbEngine({ threads: 2 });
  await engine.query(`COPY (${sql}) TO '${join(dir, file)}'`);
  await engine.close();
}

/** The same AUCs from the rows themselves, sorted here rather than by the engine. */
async function expected(region?: string) {
  const engine = await createDuckDbEngine({ threads: 2 });
  try {
    const read = async (file: string) =>
      engine.query(
        `SELECT id, label, score FROM '${join(dir, file)}' ${region ? `WHERE region = '${region}'` : ''} ORDER BY id`,
      );
    const base = await read('base.parquet');
    const cand = await read('cand.parquet');
    const order = scoreOrderOf(
      base.map((r) => Number(r['label'])),
      base.map((r) => Number(r['score'])),
      cand.map((r) => Number(r['score'])),
    );
    return compareAuc(order, { resamples: 0, seed: 1, stream: '' });
  } finally {
    await engine.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-auc-'));
  await generate(rows(false), 'base.parquet');
  await generate(rows(true), 'cand.parquet');
  await generate(rows(false), 'base.csv');
  await generate(rows(true), 'cand.csv');
  await writeFile(
    join(dir, 'rules.yml'),
    'metrics:\n  auc: { min: 0.5 }\n  "slices.region.*.auc": { max_regression: 0.05, confidence: 0.95 }\n',
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Metric {
  key: string;
  baseline: number | string;
  candidate: number | string;
  significance: string;
  status: string;
  interval: [number, number] | null;
  reasons: string[];
}

describe('quality-gate --predictions: AUC from the score column', () => {
  it.each(['csv', 'parquet'])(
    'AUC overall and per slice, the regressed slice fails, the one-label slice is undefined (%s)',
    async (ext) => {
      const { report } = await runGate(
        {
          predictions: [`cand.${ext}`],
          'baseline-predictions': `base.${ext}`,
          'slice-columns': ['region'],
          'score-column': 'score',
          rules: 'rules.yml',
        },
        deps(),
      );
      const metrics = (report!.data['predictions'] as { metrics: Metric[] }).metrics;
      const auc = metrics.find((m) => m.key === 'auc')!;
      const overall = await expected();
      expect(auc.baseline).toBeCloseTo(overall.baseline, 12);
      expect(auc.candidate).toBeCloseTo(overall.candidate, 12);
      expect(auc.interval![0]).toBeLessThan(auc.interval![1]);
      expect(auc.status).toBe('pass');

      const eu = metrics.find((m) => m.key === 'slices.region.EU.auc')!;
      const euExpected = await expected('EU');
      expect(eu.baseline).toBeCloseTo(euExpected.baseline, 12);
      expect(eu.candidate).toBeCloseTo(euExpected.candidate, 12);
      expect(eu.significance).toBe('regressed');
      expect(eu.status).toBe('fail');
      const us = metrics.find((m) => m.key === 'slices.region.US.auc')!;
      expect(us.baseline).toBeCloseTo((await expected('US')).baseline, 12);
      expect(us.status).toBe('pass');

      // One label only: said, never passed, its rule not applied.
      const one = metrics.find((m) => m.key === 'slices.region.ONE.auc')!;
      expect(one.significance).toBe('undefined');
      expect(one.status).toBe('warn');
      expect(one.baseline).toBe('NaN');
      expect(one.reasons.join(' ')).toMatch(
        /every example of this slice is positive.*rule is not applied/,
      );
      expect(report!.outputs['failed-metrics']).toBe('slices.region.EU.auc');
      expect(report!.verdict).toBe('fail');
      const markdown = renderMarkdown(report!);
      expect(markdown).toContain('AUC is undefined where the examples hold one label only');
      expect(markdown).toMatch(/region = ONE \(40\)/);
      const junit = report!.tests?.find((t) => t.name === 'slices.region.ONE.auc');
      expect(junit?.status).toBe('skip');
    },
  );

  it('a multiclass label: no AUC, and the report says why', async () => {
    const multi = (seed: number) =>
      `SELECT i AS id, (i % 3)::INT AS label, ((i + (hash(i * ${seed}) % 5 = 0)::INT) % 3)::INT AS prediction, (hash(i) % 100) / 100.0 AS score FROM range(600) t(i)`;
    await generate(multi(3), 'multi-base.csv');
    await generate(multi(5), 'multi-cand.csv');
    const { report } = await runGate(
      {
        predictions: ['multi-cand.csv'],
        'baseline-predictions': 'multi-base.csv',
        'score-column': 'score',
      },
      deps(),
    );
    const metrics = (report!.data['predictions'] as { metrics: Metric[] }).metrics;
    expect(metrics.some((m) => m.key === 'auc')).toBe(false);
    expect(report!.notes.map((n) => n.text).join('\n')).toContain('No AUC: AUC needs two classes');
  });
});
