import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplayProvider } from '../../../src/clients/metrics/index.js';
import { createMetricsProvider } from '../../../src/clients/metrics/index.js';
import { compareErrorRate, compareLatency } from '../../../src/core/rollout/judge/index.js';
import { modelHandler, realDeps, serve } from './metrics-support.js';

/** Tiny model servers on 127.0.0.1: healthy, slow (+400 ms: far above a loaded machine's noise), failing (every 4th is a 500), wrong-but-fast. */
let servers: Record<'healthy' | 'slow' | 'failing' | 'wrong', Awaited<ReturnType<typeof serve>>>;
let dir: string;

beforeAll(async () => {
  servers = {
    healthy: await serve(modelHandler({})),
    slow: await serve(modelHandler({ delayMs: 400 })),
    failing: await serve(modelHandler({ failEvery: 4 })),
    wrong: await serve(modelHandler({ wrong: true })),
  };
  dir = await mkdtemp(path.join(tmpdir(), 'sluice-replay-'));
  const rows = Array.from({ length: 120 }, (_, i) => `${i},${i % 7},"row ""${i}"""`);
  await writeFile(path.join(dir, 'holdout.csv'), `id,x,note\n${rows.join('\n')}\n`);
});

afterAll(async () => {
  await Promise.all(Object.values(servers ?? {}).map((s) => s.close()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

const window = (ms: number) => {
  const now = Date.now();
  return { from: new Date(now - ms).toISOString(), to: new Date(now).toISOString() };
};

describe('HTTP probe against real servers', () => {
  it('a slow canary fails the latency comparison; a healthy one does not', async () => {
    const provider = createMetricsProvider(
      {
        type: 'http-probe',
        path: '/predict',
        rate: 25,
        timeoutMs: 2000,
        endpoints: {
          stable: servers.healthy.url,
          slow: servers.slow.url,
          same: servers.healthy.url,
        },
      },
      realDeps,
    );
    const w = window(2000);
    const read = async (version: string) => {
      const r = await provider.query({ metric: 'latency', version, ...w });
      return 'samples' in r ? r.samples.map((s) => s.value) : [];
    };
    const [stable, slow, same] = await Promise.all([read('stable'), read('slow'), read('same')]);
    expect(stable).toHaveLength(50);
    const o = { maxIncrease: 0.5, confidence: 0.95, minSamples: 30 };
    expect(compareLatency(stable, slow, o).verdict).toBe('fail');
    expect(compareLatency(stable, same, o).verdict).not.toBe('fail');
  });

  it('counts HTTP 500s as errors and the judge fails the canary', async () => {
    const provider = createMetricsProvider(
      {
        type: 'http-probe',
        rate: 100,
        timeoutMs: 2000,
        endpoints: { stable: servers.healthy.url, canary: servers.failing.url },
      },
      realDeps,
    );
    const w = window(2000);
    const count = async (version: string) => {
      const r = await provider.query({ metric: 'errors', version, ...w });
      if (!('samples' in r)) throw new Error('no samples');
      return { errors: r.samples.filter((s) => s.value === 1).length, total: r.samples.length };
    };
    const [stable, canary] = await Promise.all([count('stable'), count('canary')]);
    expect(stable).toEqual({ errors: 0, total: 200 });
    expect(canary.errors).toBe(50);
    expect(
      compareErrorRate(stable, canary, { maxIncrease: 0.01, confidence: 0.95, minSamples: 100 })
        .verdict,
    ).toBe('fail');
    const rate = await provider.query({ metric: 'error_rate', version: 'canary', ...w });
    expect(rate).toEqual({ samples: [{ at: expect.any(String) as unknown, value: 0.25 }] });
  });

  it('a version that is down: every request an error, latency no data', async () => {
    const down = await serve(() => undefined);
    await down.close();
    const provider = createMetricsProvider(
      { type: 'http-probe', rate: 20, timeoutMs: 500, endpoints: { canary: down.url } },
      realDeps,
    );
    const w = window(500);
    expect(await provider.query({ metric: 'latency', version: 'canary', ...w })).toHaveProperty(
      'noData',
    );
    expect(await provider.query({ metric: 'error_rate', version: 'canary', ...w })).toMatchObject({
      samples: [{ value: 1 }],
    });
  });
});

describe('dataset replay against real servers', () => {
  const config = (canary: string) =>
    ({
      type: 'replay',
      data: path.join(dir, 'holdout.csv'),
      endpoints: { stable: servers.healthy.url, canary },
      request: { path: '/predict', template: '{"x": {{x}}, "note": {{note}}}' },
      prediction: 'predictions.0.label',
    }) as const;

  it('a canary that answers fast and wrongly fails on agreement and distribution', async () => {
    const provider = createMetricsProvider(config(servers.wrong.url), realDeps);
    const w = window(1000);
    const agreement = await provider.query({ metric: 'agreement', version: 'canary', ...w });
    expect(agreement).toMatchObject({ samples: [{}] });
    const value = 'samples' in agreement ? agreement.samples[0]!.value : 1;
    expect(value).toBeCloseTo(3 / 7, 1); // only rows with x % 3 == 0 (x = 0, 3, 6 of 0..6) agree
    const psi = await provider.query({ metric: 'prediction_psi', version: 'canary', ...w });
    expect('samples' in psi && psi.samples[0]!.value).toBeGreaterThan(1);
    const js = await provider.query({ metric: 'prediction_js', version: 'canary', ...w });
    expect('samples' in js && js.samples[0]!.value).toBeGreaterThan(0.3);
    // fast and error-free: only the prediction comparison sees it
    expect(await provider.query({ metric: 'error_rate', version: 'canary', ...w })).toMatchObject({
      samples: [{ value: 0 }],
    });
    const worst = (provider as ReplayProvider).disagreements(5);
    expect(worst).toHaveLength(5);
    expect(worst[0]).toMatchObject({ id: '1', line: 3, canary: 'setosa', stable: 'versicolor' });
  });

  it('a healthy canary agrees on every row', async () => {
    const provider = createMetricsProvider(config(servers.healthy.url), realDeps);
    const w = window(1000);
    expect(await provider.query({ metric: 'agreement', version: 'canary', ...w })).toMatchObject({
      samples: [{ value: 1 }],
    });
    expect(
      await provider.query({ metric: 'prediction_psi', version: 'stable', ...w }),
    ).toMatchObject({ samples: [{ value: 0 }] });
    const latency = await provider.query({ metric: 'latency', version: 'canary', ...w });
    expect('samples' in latency && latency.samples).toHaveLength(120);
  });

  it('a failing canary: its errors and error rate per row', async () => {
    const provider = createMetricsProvider(config(servers.failing.url), realDeps);
    const w = window(1000);
    const errors = await provider.query({ metric: 'errors', version: 'canary', ...w });
    expect('samples' in errors && errors.samples.filter((s) => s.value === 1)).toHaveLength(30);
    expect(await provider.query({ metric: 'error_rate', version: 'stable', ...w })).toMatchObject({
      samples: [{ value: 0 }],
    });
  });
});
