/**
 * The whole `sluice rollout` loop with the gateway-api router on a real kube-apiserver: analysis
 * from an http-probe against real model servers decides, sluice moves the HTTPRoute's weights and
 * reads them back from the API server. (No gateway data plane runs here: users' traffic is not
 * routed by these weights; docs/kubernetes.md says which guarantees are tested where.)
 */
import { writeFileSync } from 'node:fs';
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

async function rollout(route: string, canary: ModelMode) {
  stack = await startStack(canary);
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
  writeFileSync(
    path.join(stack.dir, 'spec.yml'),
    `strategy: canary
stable: { name: v1, url: ${stack.stable.url} }
canary: { name: v2, url: ${stack.canary.url} }
router:
  type: gateway-api
  namespace: ${NS}
  route: ${route}
  backends: { v1: model-v1, v2: model-v2 }
  server: ${cluster.server}
  tokenFile: ${cluster.adminTokenFile}
  insecureSkipTlsVerify: true
providers:
  ${probeProvider(stack)}
templates:
  health:
    metrics:
      - name: error_rate
        provider: probe
        query: error_rate
        interval: 1s
        count: 2
        failureCondition: { max: 0.02 }
steps:
  - setWeight: 10
  - analysis: { templates: [health] }
  - setWeight: 50
  - analysis: { templates: [health] }
`,
  );
  // What the route went through, polled from the API server while the rollout runs.
  const seen: number[] = [];
  let polling = true;
  const poll = (async () => {
    while (polling) {
      const w = await weights(route).catch(() => undefined);
      if (w && seen.at(-1) !== w['model-v2']) seen.push(w['model-v2'] ?? 0);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const run = await spawnCli(
    ['rollout', '--spec', 'spec.yml', '--output', 'json=report.json'],
    stack.dir,
  ).done;
  polling = false;
  await poll;
  return { run, seen, final: await weights(route), report: readReport(stack.dir) };
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

  it('a healthy canary is stepped 10 → 50 → 100 on the HTTPRoute (exit 0)', async () => {
    const { run, seen, final } = await rollout('good', { mode: 'healthy' });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(seen).toEqual(expect.arrayContaining([10, 50]));
    expect(final).toEqual({ 'model-v1': 0, 'model-v2': 100 });
  });
});
