/**
 * The whole `sluice rollout` loop with the gateway-api router on a real kube-apiserver: analysis
 * from an http-probe against real model servers, or from a real Prometheus scraping them, decides,
 * sluice moves the HTTPRoute's weights and reads them back from the API server. (No gateway data plane runs here: users' traffic is not
 * routed by these weights; docs/kubernetes.md says which guarantees are tested where.) And a
 * re-run on another machine (no state store: `.sluice/` removed) of a rollout left unfinished,
 * reconciled from the `sluice.dev/rollout` annotation on the object.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/clients/routers/kubernetes/api.js';
import type { ModelMode } from '../services/model-server.js';
import {
  probeProvider,
  readReport,
  spawnCli,
  startStack,
  type Stack,
} from '../rollout/scenario-support.js';
import { startPrometheus } from '../rollout/metrics-support.js';
import { startCluster, type TestCluster } from './cluster.js';

const NS = 'rollouts';
let cluster: TestCluster;
let stack: Stack | undefined;

beforeAll(async () => {
  cluster = await startCluster();
  await cluster.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }]);
}, 45 * 60_000);
afterAll(async () => {
  await cluster?.stop();
}, 60_000);
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

async function weights(route: string): Promise<Record<string, number | undefined>> {
  const object = (await cluster.get(
    `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/httproutes/${route}`,
  )) as KubeObject & { spec: { rules: { backendRefs: { name: string; weight?: number }[] }[] } };
  return Object.fromEntries(object.spec.rules[0]!.backendRefs.map((r) => [r.name, r.weight]));
}

async function createRoute(route: string) {
  await cluster.apply([
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: route, namespace: NS },
      spec: {
        parentRefs: [{ name: 'gateway' }],
        rules: [
          {
            backendRefs: [
              { name: 'model-v1', port: 8080, weight: 100 },
              { name: 'model-v2', port: 8080, weight: 0 },
            ],
          },
        ],
      },
    },
  ]);
}

const HEALTH = `analysis: { templates: [health] }`;

/** A version's share of 5xx answers over the last 5 s, from the model servers' own counters. */
const PROM_ERROR_RATE =
  '(sum(rate(model_requests_total{version="{{version}}",code=~"5.."}[5s])) or vector(0)) / sum(rate(model_requests_total{version="{{version}}"}[5s]))';

/** The Prometheus-judged template, given only with a Prometheus provider. */
const PROM_HEALTH = `  prom-health:
    metrics:
      # The probe sends the requests (no gateway data plane routes users here); Prometheus,
      # scraping both model servers, judges them.
      - name: traffic
        provider: probe
        query: error_rate
        interval: 1s
        count: 6
        failureCondition: { max: 1 }
      - name: prom_error_rate
        provider: prom
        query: '${PROM_ERROR_RATE}'
        initialDelay: 3s
        interval: 1s
        count: 3
        inconclusiveLimit: 2
        failureCondition: { max: 0.05 }
`;

function writeSpec(route: string, steps: string[], extra = '', prometheusUrl?: string) {
  writeFileSync(
    path.join(stack!.dir, 'spec.yml'),
    `strategy: canary
stable: { name: v1, url: ${stack!.stable.url} }
canary: { name: v2, url: ${stack!.canary.url} }
router:
  type: gateway-api
  namespace: ${NS}
  route: ${route}
  backends: { v1: model-v1, v2: model-v2 }
  server: ${cluster.server}
  tokenFile: ${cluster.adminTokenFile}
  insecureSkipTlsVerify: true
providers:
  ${probeProvider(stack!)}
${prometheusUrl ? `  prom: { type: prometheus, url: ${prometheusUrl} }\n` : ''}templates:
  health:
    metrics:
      - name: error_rate
        provider: probe
        query: error_rate
        interval: 1s
        count: 2
        failureCondition: { max: 0.02 }
${prometheusUrl ? PROM_HEALTH : ''}  slow:
    metrics:
      - name: error_rate
        provider: probe
        query: error_rate
        interval: 1s
        count: 60
        failureCondition: { max: 0.02 }
steps:
${steps.map((step) => `  - ${step}`).join('\n')}
${extra}`,
  );
}

/** The route's canary weights as they change, polled from the API server until `stop`. */
function watchWeights(route: string) {
  const seen: number[] = [];
  let polling = true;
  const poll = (async () => {
    while (polling) {
      const w = await weights(route).catch(() => undefined);
      if (w && seen.at(-1) !== w['model-v2']) seen.push(w['model-v2'] ?? 0);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    seen,
    async stop() {
      polling = false;
      await poll;
    },
  };
}

async function rollout(route: string, canary: ModelMode) {
  stack = await startStack(canary);
  await createRoute(route);
  writeSpec(route, ['setWeight: 10', HEALTH, 'setWeight: 50', HEALTH]);
  // What the route went through, polled from the API server while the rollout runs.
  const watch = watchWeights(route);
  const run = await spawnCli(
    ['rollout', '--spec', 'spec.yml', '--output', 'json=report.json'],
    stack.dir,
  ).done;
  await watch.stop();
  return { run, seen: watch.seen, final: await weights(route), report: readReport(stack.dir) };
}

/** The rollout recorded on the route (its annotation). */
async function recorded(route: string) {
  const object = await cluster.get(
    `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/httproutes/${route}`,
  );
  const text = object.metadata?.annotations?.['sluice.dev/rollout'];
  return text
    ? (JSON.parse(text) as { rollout?: { step: number; status: string } }).rollout
    : undefined;
}

/**
 * A rollout killed (SIGKILL, as a cancelled job's runner would) during its third step, the
 * analysis after 50 %: the route is left at 50 and its annotation says step 3. The state store
 * goes too (the re-run is on another machine).
 */
async function killedAtStep3(route: string) {
  stack = await startStack({ mode: 'healthy' });
  await createRoute(route);
  writeSpec(route, ['setWeight: 50', HEALTH, 'analysis: { templates: [slow] }']);
  const first = spawnCli(['rollout', '--spec', 'spec.yml'], stack.dir);
  for (let i = 0; i < 300 && (await recorded(route))?.step !== 2; i++)
    await new Promise((r) => setTimeout(r, 100));
  first.child.kill('SIGKILL');
  await first.done;
  rmSync(path.join(stack.dir, '.sluice'), { recursive: true, force: true });
  expect(await recorded(route)).toMatchObject({ step: 2, status: 'running' });
  expect((await weights(route))['model-v2']).toBe(50);
}

describe('sluice rollout with the gateway-api router on a real API server', () => {
  it('a canary that fails its analysis ends with the HTTPRoute back on stable (exit 1)', async () => {
    const { run, seen, final, report } = await rollout('bad', { mode: 'errors', errorRate: 50 });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(seen).toContain(10);
    expect(seen).not.toContain(50);
    expect(final).toEqual({ 'model-v1': 100, 'model-v2': 0 });
    expect(report.verdict).toBe('fail');
  });

  it('a canary judged on a real Prometheus scraping the model servers: the HTTPRoute back on stable (exit 1)', async () => {
    stack = await startStack({ mode: 'errors', errorRate: 20 });
    const hostOf = (url: string) => new URL(url).host;
    const prometheus = await startPrometheus(stack.dir, [
      hostOf(stack.stable.url),
      hostOf(stack.canary.url),
    ]);
    try {
      await createRoute('prom');
      writeSpec(
        'prom',
        ['setWeight: 10', 'analysis: { templates: [prom-health] }', 'setWeight: 50'],
        '',
        prometheus.url,
      );
      const watch = watchWeights('prom');
      const run = await spawnCli(
        ['rollout', '--spec', 'spec.yml', '--output', 'json=report.json'],
        stack.dir,
      ).done;
      await watch.stop();
      const out = run.stdout + run.stderr;
      expect(run.code, out).toBe(1);
      expect(out).toMatch(/prom_error_rate: Failed/);
      expect(watch.seen).toContain(10);
      expect(watch.seen).not.toContain(50);
      expect(await weights('prom')).toEqual({ 'model-v1': 100, 'model-v2': 0 });
    } finally {
      await prometheus.stop();
    }
  });

  it('a healthy canary is stepped 10 → 50 → 100 on the HTTPRoute (exit 0)', async () => {
    const { run, seen, final } = await rollout('good', { mode: 'healthy' });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(seen).toEqual(expect.arrayContaining([10, 50]));
    expect(final).toEqual({ 'model-v1': 0, 'model-v2': 100 });
  });

  it('a re-run elsewhere of a rollout killed at step 3 rolls it back first (onResume: rollback)', async () => {
    await killedAtStep3('killed-rollback');
    writeSpec('killed-rollback', ['setWeight: 50', HEALTH]);
    const watch = watchWeights('killed-rollback');
    const run = await spawnCli(['rollout', '--spec', 'spec.yml'], stack!.dir).done;
    await watch.stop();
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout + run.stderr).toMatch(
      /the last run stopped at step 3 \(running\)\): rolling it back before starting again/,
    );
    // Back on stable (read back by sluice), then the rollout again from its first step.
    expect(run.stdout + run.stderr).toMatch(
      /\[reconcile\] 0 %: traffic back on v1 \(read back: v1 100 %\)/,
    );
    expect(watch.seen[0]).toBe(50);
    // The end as the API server holds it (the watcher polls every 100 ms and may stop before
    // it sees the last write of a run that ends right after it).
    expect((await weights('killed-rollback'))['model-v2']).toBe(100);
    expect(await recorded('killed-rollback')).toMatchObject({ status: 'promoted' });
  });

  it('a re-run elsewhere with onResume: finish goes on from step 3, as the annotation says', async () => {
    await killedAtStep3('killed-finish');
    // The weights alone (50 %) would resume at step 2; the annotation says the run was at step 3.
    writeSpec(
      'killed-finish',
      ['setWeight: 50', 'analysis: { templates: [slow] }', HEALTH],
      'onResume: finish\n',
    );
    const watch = watchWeights('killed-finish');
    const run = await spawnCli(['rollout', '--spec', 'spec.yml'], stack!.dir).done;
    await watch.stop();
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout + run.stderr).toMatch(/finishing it from step 3 \(onResume: finish\)/);
    // Never back on stable: from 50 % on to 100 %.
    expect(watch.seen.every((w) => w === 50 || w === 100)).toBe(true);
    expect((await weights('killed-finish'))['model-v2']).toBe(100);
  });
});
