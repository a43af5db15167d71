/**
 * The shadow strategy on real parts: `sluice rollout` (the CLI, spawned) makes the built-in router
 * mirror every user request to the canary model server while the load generator sends traffic
 * through it; a real Prometheus scrapes both model servers, and the shadow analysis reads the
 * canary's own error rate on the mirrored requests. Users must only ever get stable's answers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../services/binaries.js';
import { startPrometheus as startPrometheusOn } from './metrics-support.js';
import { startNginx, type RunningNginx } from './nginx-support.js';
import { readReport, rolloutUnderLoad, startStack, type Stack } from './scenario-support.js';

let stack: Stack | undefined;
let prometheus: { stop: () => Promise<void> } | undefined;
let nginx: RunningNginx | undefined;
afterEach(async () => {
  await nginx?.stop();
  nginx = undefined;
  await prometheus?.stop();
  prometheus = undefined;
  await stack?.stop();
  stack = undefined;
});

/** A Prometheus (1 s scrapes) of both model servers, its data in the stack's folder. */
async function startPrometheus(s: Stack): Promise<string> {
  const started = await startPrometheusOn(s.dir, [
    `127.0.0.1:${s.stable.port}`,
    `127.0.0.1:${s.canary.port}`,
  ]);
  prometheus = started;
  return started.url;
}

/** The canary's share of 5xx answers over the last 5 s, on the requests it got (mirrored ones). */
const ERROR_RATE =
  '(sum(rate(model_requests_total{version="{{version}}",code=~"5.."}[5s])) or vector(0)) / sum(rate(model_requests_total{version="{{version}}"}[5s]))';

function shadowSpec(s: Stack, prom: string, router?: string): string {
  return `strategy: shadow
stable: { name: v1, url: ${s.stable.url} }
canary: { name: v2, url: ${s.canary.url} }
router: ${router ?? `{ type: builtin, admin: ${s.router.adminAddress} }`}
providers:
  prom: { type: prometheus, url: ${prom} }
shadow:
  duration: 20s
  analysis:
    metrics:
      - name: error_rate
        provider: prom
        query: '${ERROR_RATE}'
        initialDelay: 5s
        interval: 2s
        count: 3
        inconclusiveLimit: 1
        failureCondition: { max: 0.05 }
`;
}

async function routerState(s: Stack) {
  return (await (await fetch(`${s.router.adminAddress}/state`)).json()) as {
    weights: Record<string, number>;
    mirror: string | null;
  };
}

async function canaryRequests(s: Stack): Promise<number> {
  const text = await (await fetch(`${s.canary.url}/metrics`)).text();
  return [...text.matchAll(/^model_requests_total\{[^}]*\} (\d+)$/gm)].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  );
}

describe('shadow rollouts through the built-in router, judged on Prometheus', () => {
  it('a canary erroring on mirrored traffic fails the shadow analysis: exit 1, users saw no failure', async () => {
    stack = await startStack({ mode: 'errors', errorRate: 20 });
    const prom = await startPrometheus(stack);
    let mirroring = false;
    const { run, load } = await rolloutUnderLoad(stack, shadowSpec(stack, prom), {
      during: async (cli) => {
        // While the rollout runs, the router mirrors to v2 and keeps every user on v1.
        const s = stack!;
        await waitFor(
          async () => (await routerState(s)).mirror === 'v2' || cli.child.exitCode !== null,
          'mirroring',
          60_000,
        );
        const state = await routerState(s);
        mirroring = state.mirror === 'v2' && state.weights.v1 === 100;
      },
    });
    const out = run.stdout + run.stderr;
    expect(run.code, out).toBe(1);
    expect(mirroring).toBe(true);
    expect(out).toMatch(/shadow analysis failed: error_rate/);
    // Users: every request answered, all by stable.
    expect(load.failures).toEqual([]);
    expect(load.sent).toBeGreaterThan(200);
    expect(Object.keys(load.byVersion)).toEqual(['v1']);
    // The canary did get the copies (and answered some with 500s nobody saw).
    expect(await canaryRequests(stack)).toBeGreaterThan(50);
    // Mirroring off, traffic on stable, read from the router itself.
    expect(await routerState(stack)).toMatchObject({ weights: { v1: 100, v2: 0 }, mirror: null });
    const report = readReport(stack.dir);
    expect(report.verdict).toBe('fail');
    expect(JSON.stringify(report)).toContain('"outcome":"rolled-back"');
  });

  it('a healthy canary passes the shadow analysis: exit 0, not promoted, mirroring off', async () => {
    stack = await startStack();
    const prom = await startPrometheus(stack);
    const { run, load } = await rolloutUnderLoad(stack, shadowSpec(stack, prom));
    const out = run.stdout + run.stderr;
    expect(run.code, out).toBe(0);
    expect(out).toMatch(/v2 passed the shadow analysis/);
    expect(load.failures).toEqual([]);
    expect(load.sent).toBeGreaterThan(200);
    expect(Object.keys(load.byVersion)).toEqual(['v1']);
    expect(await canaryRequests(stack)).toBeGreaterThan(50);
    expect(await routerState(stack)).toMatchObject({ weights: { v1: 100, v2: 0 }, mirror: null });
    const report = readReport(stack.dir);
    expect(report.verdict).toBe('pass');
    expect(JSON.stringify(report)).toContain('"outcome":"passed"');
    // The timeline shows the shadow phase, mirroring on to mirroring off.
    expect(JSON.stringify(report)).toMatch(
      /"step":"shadow".*mirroring a copy.*"step":"shadow".*mirroring off/,
    );
  });

  it('a slow canary fails the comparative latency judge on the mirrored window; users saw no failure', async () => {
    stack = await startStack({ mode: 'slow', latencyMs: 40 });
    const prom = await startPrometheus(stack);
    // Each version's mean latency per 1 s step over the window: the canary on the mirrored
    // copies, stable on the same users' requests; the judge compares the two samples.
    const latency =
      'sum(rate(model_request_duration_seconds_sum{version="{{version}}"}[3s])) / sum(rate(model_request_duration_seconds_count{version="{{version}}"}[3s]))';
    const spec = shadowSpec(stack, prom).replace(
      /shadow:[\s\S]*$/,
      `shadow:
  duration: 30s
  analysis:
    metrics:
      - name: latency
        provider: prom
        query: '${latency}'
        initialDelay: 8s
        interval: 8s
        count: 2
        inconclusiveLimit: 1
        compare: { kind: latency, max_increase: 0.5, confidence: 0.95, min_samples: 4 }
`,
    );
    const { run, load } = await rolloutUnderLoad(stack, spec);
    const out = run.stdout + run.stderr;
    expect(run.code, out).toBe(1);
    expect(out).toMatch(/shadow analysis failed: latency/);
    expect(out).toMatch(/compare latency/);
    expect(load.failures).toEqual([]);
    expect(Object.keys(load.byVersion)).toEqual(['v1']);
    expect(await routerState(stack)).toMatchObject({ weights: { v1: 100, v2: 0 }, mirror: null });
  });

  it('nginx (mirror include): a canary erroring on mirrored traffic fails, users saw no failure', async () => {
    stack = await startStack({ mode: 'errors', errorRate: 20 });
    const prom = await startPrometheus(stack);
    nginx = await startNginx(stack, { mirror: true });
    const n = nginx;
    let mirroring = false;
    const { run, load, weights } = await rolloutUnderLoad(
      stack,
      shadowSpec(stack, prom, n.routerYaml),
      {
        target: n.frontend,
        readWeights: async () => (await n.readBack()).weights,
        during: async (cli) => {
          await waitFor(
            async () => (await n.readBack()).mirror === 'v2' || cli.child.exitCode !== null,
            'nginx mirroring',
            60_000,
          );
          mirroring = (await n.readBack()).mirror === 'v2';
        },
      },
    );
    const out = run.stdout + run.stderr;
    expect(run.code, out).toBe(1);
    expect(mirroring).toBe(true);
    expect(out).toMatch(/shadow analysis failed: error_rate/);
    expect(load.failures).toEqual([]);
    expect(Object.keys(load.byVersion)).toEqual(['v1']);
    expect(await canaryRequests(stack)).toBeGreaterThan(50);
    expect(weights).toEqual({ v1: 100, v2: 0 });
    expect((await n.readBack()).mirror).toBeUndefined();
  });
});
