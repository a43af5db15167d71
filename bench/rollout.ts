/**
 * The built-in router's cost: p99 latency added at 500 req/s against the same model server
 * reached directly (one run each, same load generator, interleaved direct → proxy → direct).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createExecaExec } from '../src/clients/exec/execa-exec.js';
import { createMetricsProvider } from '../src/clients/metrics/index.js';
import { startBuiltinRouter } from '../src/clients/routers/builtin/serve.js';
import { createTrafficRouter } from '../src/clients/routers/index.js';
import { realSleep } from '../src/core/async/sleep.js';
import type { Logger } from '../src/core/ports.js';
import { runRollout, type RolloutResult } from '../src/core/rollout/run.js';
import { loadRolloutSpec } from '../src/core/rollout/spec.js';
import { percentile, runLoad, type LoadResult } from '../test/integration/services/load.js';
import { startModelServer, type ModelMode } from '../test/integration/services/model-server.js';
import type { BenchRow } from './quality-gate.js';

export async function benchRollout(): Promise<BenchRow[]> {
  return [...(await benchRouterLatency()), ...(await benchRollouts())];
}

async function benchRouterLatency(): Promise<BenchRow[]> {
  const server = await startModelServer('stable');
  const router = await startBuiltinRouter({ versions: { stable: server.url } });
  try {
    const run = (url: string) => runLoad({ url, durationMs: 5000, rate: 500, concurrency: 64 });
    await run(server.url); // warm-up
    const direct1 = await run(server.url);
    const proxied = await run(router.address);
    const direct2 = await run(server.url);
    const direct = [...direct1.latencies, ...direct2.latencies];
    const p99Direct = percentile(direct, 99);
    const p99Proxy = percentile(proxied.latencies, 99);
    const p50Added = percentile(proxied.latencies, 50) - percentile(direct, 50);
    const failed = proxied.failures.length + direct1.failures.length + direct2.failures.length;
    console.error(
      `rollout: direct p50 ${percentile(direct, 50).toFixed(2)} p99 ${p99Direct.toFixed(2)} ms; built-in p50 ${percentile(proxied.latencies, 50).toFixed(2)} p99 ${p99Proxy.toFixed(2)} ms; sent ${proxied.sent}; failed ${failed}`,
    );
    return [
      {
        name: 'rollout: built-in router added p99 latency at 500 rps',
        value: p99Proxy - p99Direct,
        unit: 'ms',
        goal: '≤ 5 ms',
        met: p99Proxy - p99Direct <= 5,
      },
      {
        name: 'rollout: built-in router added p50 latency at 500 rps',
        value: p50Added,
        unit: 'ms',
        goal: '',
        met: true,
      },
      {
        name: 'rollout: failed requests through the built-in router at 500 rps',
        value: failed,
        unit: 'requests',
        goal: '0',
        met: failed === 0,
      },
    ];
  } finally {
    await router.close();
    await server.stop();
  }
}

const quiet: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  group: (_title, run) => run(),
};

/**
 * One real rollout (the engine, the built-in router's client, the HTTP probe) against two model
 * server processes behind the built-in router, with `rate` req/s of users through it for the
 * whole rollout. `during` runs once the rollout is under way.
 */
async function rolloutUnderLoad(
  canaryMode: ModelMode,
  specBody: string,
  rate: number,
  during?: (ctx: { setCanary: (mode: ModelMode) => Promise<void>; admin: string }) => Promise<void>,
): Promise<{ result: RolloutResult; load: LoadResult; ms: number }> {
  const [stable, canary] = await Promise.all([
    startModelServer('v1'),
    startModelServer('v2', canaryMode),
  ]);
  const router = await startBuiltinRouter({
    versions: { v1: stable.url, v2: canary.url },
    closeGraceMs: 1000,
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-rollout-'));
  try {
    const file = path.join(dir, 'rollout.yml');
    writeFileSync(
      file,
      `stable: { name: v1, url: ${stable.url} }
canary: { name: v2, url: ${canary.url} }
router: { type: builtin, admin: ${router.adminAddress} }
providers:
  probe: { type: http-probe, path: /predict, body: '{"features":[1,1]}', rate: 50, timeout: 2s,
           endpoints: { v1: ${stable.url}, v2: ${canary.url} } }
${specBody}`,
    );
    const spec = await loadRolloutSpec(file, 'rollout.yml');
    const deps = { clock: { now: () => new Date() }, sleep: realSleep, logger: quiet };
    let stopLoad = false;
    const windows: Promise<LoadResult>[] = [];
    const loop = (async () => {
      while (!stopLoad) {
        const window = runLoad({ url: router.address, durationMs: 1000, rate, concurrency: 64 });
        windows.push(window);
        await window;
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = performance.now();
    const rollout = runRollout(spec, {
      router: createTrafficRouter(spec.router, { exec: createExecaExec(), logger: quiet }),
      providers: async (config) =>
        createMetricsProvider({ ...config, versions: { stable: 'v1', canary: 'v2' } }, deps),
      ...deps,
      signal: new AbortController().signal,
    });
    if (during)
      await during({ setCanary: (mode) => canary.setMode(mode), admin: router.adminAddress });
    const result = await rollout;
    const ms = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 300));
    stopLoad = true;
    await loop;
    const loads = await Promise.all(windows);
    const load: LoadResult = {
      sent: 0,
      ok: 0,
      failures: [],
      byVersion: {},
      latencies: [],
      sequence: [],
      retriedStale: 0,
    };
    for (const l of loads) {
      load.sent += l.sent;
      load.ok += l.ok;
      load.failures.push(...l.failures);
      load.retriedStale += l.retriedStale;
    }
    return { result, load, ms };
  } finally {
    await router.close();
    await Promise.all([stable.stop(), canary.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

const atMs = (iso: string) => new Date(iso).getTime();

async function benchRollouts(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];

  // 1. Detection: the canary turns bad (20 % errors) at 50 % weight; from the first Failed
  // measurement, and from the moment it turned bad, to all traffic on stable (read back).
  const interval = 1000;
  let turnedBad = 0;
  let stableAt = 0;
  const detect = await rolloutUnderLoad(
    { mode: 'healthy' },
    `analysis:
  metrics:
    - { name: error_rate, provider: probe, query: error_rate, interval: 1s, failureCondition: { max: 0.02 } }
steps:
  - setWeight: 50
  - pause: { duration: 20s }
`,
    200,
    async ({ setCanary, admin }) => {
      await new Promise((resolve) => setTimeout(resolve, 2500));
      await setCanary({ mode: 'errors', errorRate: 20 });
      turnedBad = Date.now();
      for (let i = 0; i < 400; i++) {
        const state = (await (await fetch(`${admin}/state`)).json()) as {
          weights: Record<string, number>;
        };
        if (state.weights.v1 === 100) {
          stableAt = Date.now();
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
  );
  const firstBad = detect.result.timeline.find((e) => e.measurement?.phase === 'Failed');
  const fromFirstBad = firstBad ? (stableAt - atMs(firstBad.at)) / 1000 : NaN;
  const fromTurn = (stableAt - turnedBad) / 1000;
  console.error(
    `rollout detection: outcome ${detect.result.outcome}; canary bad → stable ${fromTurn.toFixed(2)} s; first Failed measurement → stable ${fromFirstBad.toFixed(3)} s`,
  );
  rows.push(
    {
      name: 'rollout: first bad measurement → 100 % on stable (interval 1 s)',
      value: fromFirstBad,
      unit: 's',
      goal: '≤ interval + 1 s',
      met: detect.result.outcome === 'rolled-back' && fromFirstBad <= interval / 1000 + 1,
    },
    {
      name: 'rollout: canary turns bad → 100 % on stable (interval 1 s, 50 % weight)',
      value: fromTurn,
      unit: 's',
      goal: '',
      met: true,
    },
  );

  // 2. A healthy blue-green switch at 500 req/s: failed user requests.
  const blueGreen = await rolloutUnderLoad(
    { mode: 'healthy' },
    `strategy: blue-green
scaleDownDelay: 2s
postPromotionAnalysis:
  metrics:
    - { name: error_rate, provider: probe, query: error_rate, interval: 1s, count: 1, failureCondition: { max: 0.02 } }
`,
    500,
  );
  console.error(
    `rollout blue-green: outcome ${blueGreen.result.outcome}; sent ${blueGreen.load.sent}; failed ${blueGreen.load.failures.length}; retried stale ${blueGreen.load.retriedStale}`,
  );
  rows.push({
    name: 'rollout: failed requests during a healthy blue-green switch at 500 rps',
    value: blueGreen.load.failures.length,
    unit: 'requests',
    goal: '0',
    met: blueGreen.result.outcome === 'promoted' && blueGreen.load.failures.length === 0,
  });

  // 3. A bad canary (every request fails) at 10 %, 200 req/s: failed user requests against
  // 10 % × rate × detection time (setWeight 10 → traffic read back on stable).
  const rate = 200;
  const bad = await rolloutUnderLoad(
    { mode: 'errors', errorRate: 100 },
    `analysis:
  metrics:
    - { name: error_rate, provider: probe, query: error_rate, interval: 1s, failureCondition: { max: 0.02 } }
steps:
  - setWeight: 10
  - pause: { duration: 20s }
`,
    rate,
  );
  const set = bad.result.timeline.find((e) => e.weight === 10);
  const back = bad.result.timeline.filter((e) => e.step === 'rollback').at(-1);
  const detection = set && back ? (atMs(back.at) - atMs(set.at)) / 1000 : NaN;
  // Each request goes to the canary with probability 0.1: the failures are binomial, so the
  // expectation alone would be missed half the time by chance. The bound allows 3 σ over it.
  const expected = 0.1 * rate * detection;
  const bound = expected + 3 * Math.sqrt(expected * 0.9);
  console.error(
    `rollout bad canary: outcome ${bad.result.outcome}; detection ${detection.toFixed(2)} s; failed ${bad.load.failures.length} of ${bad.load.sent}; expected ${expected.toFixed(1)}, bound ${bound.toFixed(1)}`,
  );
  rows.push({
    name: `rollout: failed requests during a bad 10 % canary at ${rate} rps (expected 10 % × rate × ${detection.toFixed(2)} s detection = ${expected.toFixed(1)})`,
    value: bad.load.failures.length,
    unit: 'requests',
    goal: `≤ expected + 3 σ = ${bound.toFixed(1)}`,
    met: bad.result.outcome === 'rolled-back' && bad.load.failures.length <= bound,
  });
  return rows;
}
