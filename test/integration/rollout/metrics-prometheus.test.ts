import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfraError, UsageError } from '../../../src/core/errors.js';
import { createMetricsProvider } from '../../../src/clients/metrics/index.js';
import { compareErrorRate } from '../../../src/core/rollout/judge/index.js';
import { ensurePrometheus, freePort, realDeps, serve } from './metrics-support.js';

/**
 * A real Prometheus on 127.0.0.1 (installed by scripts/install/prometheus.sh when missing)
 * scraping a tiny exporter served here: request counters per version, stable failing 1 %, the
 * canary 20 %. Everything is stopped by PID in afterAll.
 */
let prometheus: ChildProcess | undefined;
let dir: string;
let promUrl: string;
let exporter: Awaited<ReturnType<typeof serve>>;
const started = Date.now();

function exposition(): string {
  const seconds = (Date.now() - started) / 1000;
  const total = Math.floor(seconds * 100);
  const lines = ['# TYPE model_requests_total counter'];
  for (const [version, share] of [
    ['v1', 0.01],
    ['v2', 0.2],
  ] as const) {
    const errors = Math.floor(total * share);
    lines.push(`model_requests_total{version="${version}",code="200"} ${total - errors}`);
    lines.push(`model_requests_total{version="${version}",code="500"} ${errors}`);
  }
  return `${lines.join('\n')}\n`;
}

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('timed out waiting');
}

beforeAll(async () => {
  const binary = ensurePrometheus();
  exporter = await serve((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(exposition());
  });
  dir = await mkdtemp(path.join(tmpdir(), 'sluice-prom-'));
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  await writeFile(
    path.join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: model\n    static_configs:\n      - targets: ['127.0.0.1:${exporter.port}']\n`,
  );
  prometheus = spawn(
    binary,
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
    ],
    { stdio: 'ignore' },
  );
  // the first samples show about 5 s after start; a rate needs two scrapes in its range
  await waitFor(async () => {
    const r = await fetch(
      `${promUrl}/api/v1/query?query=${encodeURIComponent('count(rate(model_requests_total[5s]))')}`,
    );
    const body = (await r.json()) as { data: { result: { value: [number, string] }[] } };
    return Number(body.data.result[0]?.value[1]) >= 4;
  }, 60_000);
}, 120_000);

afterAll(async () => {
  if (prometheus?.pid) {
    process.kill(prometheus.pid, 'SIGTERM');
    await new Promise((r) => prometheus!.once('exit', r));
  }
  await exporter?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const errors = 'sum(rate(model_requests_total{version="{{version}}",code="500"}[5s]))';
const total = 'sum(rate(model_requests_total{version="{{version}}"}[5s]))';

describe('Prometheus provider against a real Prometheus', () => {
  it('reads the error rate of each version over a window, and the judge fails the canary', async () => {
    const provider = createMetricsProvider({ type: 'prometheus', url: promUrl }, realDeps);
    const to = new Date();
    const from = new Date(to.getTime() - 6_000);
    const window = { from: from.toISOString(), to: to.toISOString() };
    const rate = `(${errors}) / (${total})`;
    const stable = await provider.query({ metric: rate, version: 'v1', ...window });
    const canary = await provider.query({ metric: rate, version: 'v2', ...window });
    expect('samples' in stable && 'samples' in canary).toBe(true);
    if (!('samples' in stable) || !('samples' in canary)) return;
    const mean = (s: { value: number }[]) => s.reduce((a, b) => a + b.value, 0) / s.length;
    expect(mean(stable.samples)).toBeGreaterThan(0.005);
    expect(mean(stable.samples)).toBeLessThan(0.02);
    expect(mean(canary.samples)).toBeGreaterThan(0.15);
    // counts over the window (instant query), judged
    const at = { from: window.to, to: window.to };
    const count = async (q: string, v: string) => {
      const r = await provider.query({
        metric: `sum(increase(${q.replace(/^sum\(rate\((.*)\[5s\]\)\)$/, '$1')}[5s]))`,
        version: v,
        ...at,
      });
      return 'samples' in r ? r.samples[0]!.value : Number.NaN;
    };
    const judged = compareErrorRate(
      { errors: await count(errors, 'v1'), total: await count(total, 'v1') },
      { errors: await count(errors, 'v2'), total: await count(total, 'v2') },
      { maxIncrease: 0.01, confidence: 0.95, minSamples: 100 },
    );
    expect(judged.verdict).toBe('fail');
  });

  it('answers noData for a version without series, never zeros', async () => {
    const provider = createMetricsProvider({ type: 'prometheus', url: promUrl }, realDeps);
    const now = new Date().toISOString();
    const answer = await provider.query({
      metric: errors,
      version: 'v9',
      from: new Date(Date.now() - 5000).toISOString(),
      to: now,
    });
    expect(answer).toEqual({ noData: expect.stringMatching(/no series/) as unknown });
  });

  it('a hostile version value stays one label value', async () => {
    const provider = createMetricsProvider({ type: 'prometheus', url: promUrl }, realDeps);
    const now = new Date().toISOString();
    const answer = await provider.query({
      metric: total,
      version: 'v1"} or vector(1) or {a="',
      from: now,
      to: now,
    });
    expect(answer).toHaveProperty('noData');
  });

  it('a query Prometheus cannot parse is a UsageError', async () => {
    const provider = createMetricsProvider({ type: 'prometheus', url: promUrl }, realDeps);
    const now = new Date().toISOString();
    await expect(
      provider.query({
        metric: 'sum(rate(model_requests_total{version="{{version}}"}[5x]))',
        version: 'v1',
        from: now,
        to: now,
      }),
    ).rejects.toThrow(UsageError);
  });

  it('Prometheus down is an InfraError naming the host, with the credentials masked', async () => {
    const port = await freePort();
    const masked: string[] = [];
    const provider = createMetricsProvider(
      {
        type: 'prometheus',
        url: `http://127.0.0.1:${port}`,
        headers: { authorization: 'Bearer s3cret-token' },
      },
      {
        ...realDeps,
        masker: {
          add: (s) => masked.push(s),
          mask: (t) => masked.reduce((a, s) => a.split(s).join('***'), t),
        },
      },
    );
    const now = new Date().toISOString();
    const error = await provider
      .query({ metric: total, version: 'v1', from: now, to: now })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfraError);
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
    expect(masked).toContain('Bearer s3cret-token');
  });
});
