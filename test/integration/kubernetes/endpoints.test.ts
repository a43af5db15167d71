/**
 * Blue-green with the service-switch router on a control plane that acts: kube-apiserver,
 * kube-controller-manager, kube-scheduler and kwok (a fake node whose pods become Ready without
 * a kubelet). Deployments roll out for real and the EndpointSlices follow the Service's selector;
 * the router waits for them after each switch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouterDeps } from '../../../src/clients/routers/config.js';
import { createTrafficRouter } from '../../../src/clients/routers/index.js';
import type { KubeObject } from '../../../src/clients/routers/kubernetes/api.js';
import { InfraError } from '../../../src/core/errors.js';
import { waitFor } from '../services/binaries.js';
import { startCluster, type TestCluster } from './cluster.js';

const NS = 'bluegreen';
let cluster: TestCluster;
const deps: RouterDeps = {
  exec: { run: () => Promise.reject(new Error('no commands')) },
  logger: { debug() {}, info() {}, warn() {}, error() {}, group: (_t, run) => run() },
};

const deployment = (name: string, color: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: NS },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'model', color } },
    template: {
      metadata: { labels: { app: 'model', color } },
      spec: {
        containers: [{ name: 'model', image: `model:${color}` }],
        tolerations: [{ operator: 'Exists' }],
      },
    },
  },
});

beforeAll(async () => {
  cluster = await startCluster();
  await cluster.startControllers();
  await cluster.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }]);
  // Pods need their namespace's default ServiceAccount (the controller-manager makes it; on a
  // loaded 2-core machine its first sync once took over 60 s, as the Deployments' wait below).
  await waitFor(
    async () => !!(await cluster.get(`/api/v1/namespaces/${NS}/serviceaccounts/default`)),
    'the default ServiceAccount',
    300_000,
  );
  await cluster.apply([
    deployment('model-blue', 'blue'),
    deployment('model-green', 'green'),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'model', namespace: NS },
      spec: { selector: { app: 'model', color: 'blue' }, ports: [{ port: 80, targetPort: 8080 }] },
    },
  ]);
  for (const name of ['model-blue', 'model-green'])
    await waitFor(
      async () => {
        const d = (await cluster.get(`/apis/apps/v1/namespaces/${NS}/deployments/${name}`)) as {
          status?: { readyReplicas?: number };
        };
        return (d.status?.readyReplicas ?? 0) >= 2;
      },
      `Deployment ${name} ready`,
      // The controllers and kwok share two cores with the rest of the suite: a loaded machine
      // took over 90 s to schedule and mark the pods ready once.
      300_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${cluster.logs().slice(-4000)}`);
    });
}, 45 * 60_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

async function endpointPods(): Promise<string[]> {
  const answer = await cluster.admin.request(
    'GET',
    `/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dmodel`,
  );
  const list = JSON.parse(answer.body) as {
    items: { endpoints?: { targetRef?: { name?: string } }[] }[];
  };
  return list.items.flatMap((s) => (s.endpoints ?? []).map((e) => e.targetRef?.name ?? ''));
}

describe('service-switch with real controllers', () => {
  it('switches blue → green and back, each time waiting for the EndpointSlices to follow', async () => {
    const router = createTrafficRouter(
      {
        type: 'service-switch',
        namespace: NS,
        service: 'model',
        selectorKey: 'color',
        deployments: { v1: 'model-blue', v2: 'model-green' },
        selectorValues: { v1: 'blue', v2: 'green' },
        server: cluster.server,
        tokenFile: cluster.adminTokenFile,
        insecureSkipTlsVerify: true,
        endpointsTimeoutMs: 30_000,
      },
      deps,
    );
    await waitFor(async () => (await endpointPods()).length === 2, 'blue endpoints', 30_000);

    await router.setRoute('v2');
    // setRoute returned only once the slices listed green pods alone: no waiting here.
    const green = await endpointPods();
    expect(green).toHaveLength(2);
    expect(green.every((p) => p.startsWith('model-green-'))).toBe(true);
    expect(await router.readBack()).toEqual({ weights: { v1: 0, v2: 100 } });

    await router.setRoute('v1');
    const blue = await endpointPods();
    expect(blue.every((p) => p.startsWith('model-blue-'))).toBe(true);
    expect(blue).toHaveLength(2);
  });

  it('a switch whose pods never become endpoints fails with exit 3 after endpointsTimeout', async () => {
    // A Deployment whose status claims readiness (patched as a controller would) but whose pods
    // carry another label than the selector value: the slices can never follow.
    const router = createTrafficRouter(
      {
        type: 'service-switch',
        namespace: NS,
        service: 'model',
        selectorKey: 'color',
        deployments: { v1: 'model-blue', v2: 'model-green' },
        selectorValues: { v1: 'blue', v2: 'purple' },
        server: cluster.server,
        tokenFile: cluster.adminTokenFile,
        insecureSkipTlsVerify: true,
        endpointsTimeoutMs: 3000,
      },
      deps,
    );
    const error = await router.setRoute('v2').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfraError);
    expect((error as Error).message).toMatch(
      /EndpointSlices did not follow the switch to "v2" within 3000 ms: 0 ready endpoints of model-green/,
    );
    await router.setRoute('v1');
    expect((await endpointPods()).every((p) => p.startsWith('model-blue-'))).toBe(true);
  });
});
