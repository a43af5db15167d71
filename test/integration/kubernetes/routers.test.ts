/**
 * The Kubernetes routers against a real kube-apiserver v1.37.2 + etcd on loopback
 * (test/integration/kubernetes/cluster.ts). No gateway data plane and no controllers run here:
 * these tests check the API objects (weights, selectors, annotations, RBAC, conflicts, outages),
 * read back from the API server. Deployment status is written by the test as its controller would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfraError } from '../../../src/core/errors.js';
import type { Logger } from '../../../src/core/ports.js';
import type { RouterDeps } from '../../../src/clients/routers/config.js';
import { createTrafficRouter } from '../../../src/clients/routers/index.js';
import {
  createKubeApi,
  ROLLOUT_ANNOTATION,
  type KubeApi,
  type KubeObject,
} from '../../../src/clients/routers/kubernetes/api.js';
import { GatewayApiTrafficRouter } from '../../../src/clients/routers/kubernetes/gateway-api.js';
import type { GatewayApiRouterConfig } from '../../../src/core/rollout/model.js';
import { startCluster, type TestCluster } from './cluster.js';

const NS = 'models';
let cluster: TestCluster;
const lines: string[] = [];
const logger: Logger = {
  debug: (m) => lines.push(m),
  info: (m) => lines.push(m),
  warn: (m) => lines.push(m),
  error: (m) => lines.push(m),
  group: (_title, run) => run(),
};
const deps: RouterDeps = {
  exec: { run: () => Promise.reject(new Error('the Kubernetes routers run no commands')) },
  logger,
};

beforeAll(async () => {
  // Waits for scripts/install/kubernetes.sh's background build on a cold machine.
  cluster = await startCluster();
  await cluster.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }]);
}, 45 * 60_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

function access(token: 'admin' | 'narrow' = 'admin') {
  return {
    server: cluster.server,
    tokenFile: token === 'admin' ? cluster.adminTokenFile : cluster.narrowTokenFile,
    insecureSkipTlsVerify: true,
    timeoutMs: 5000,
  };
}

function httpRoute(name: string): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: NS },
    spec: {
      parentRefs: [{ name: 'gateway' }],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: [
            { name: 'model-v1', port: 8080, weight: 100 },
            { name: 'model-v2', port: 8080, weight: 0 },
          ],
        },
      ],
    },
  };
}

function gatewayConfig(route: string, token: 'admin' | 'narrow' = 'admin'): GatewayApiRouterConfig {
  return {
    type: 'gateway-api',
    namespace: NS,
    route,
    backends: { v1: 'model-v1', v2: 'model-v2' },
    ...access(token),
  };
}

/** The weights on the server, read by the admin, not through the router. */
async function serverWeights(route: string): Promise<Record<string, unknown>> {
  const object = (await cluster.get(
    `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/httproutes/${route}`,
  )) as KubeObject & { spec: { rules: { backendRefs: { name: string; weight?: number }[] }[] } };
  return Object.fromEntries(object.spec.rules[0]!.backendRefs.map((r) => [r.name, r.weight]));
}

async function expectInfra(promise: Promise<unknown>): Promise<InfraError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InfraError);
  expect((error as InfraError).exitCode).toBe(3);
  return error as InfraError;
}

describe('gateway-api router on a real API server', () => {
  it('steps the HTTPRoute 90/10 → 50/50 and puts it back on stable, read back from the server', async () => {
    await cluster.apply([httpRoute('model')]);
    const router = createTrafficRouter(gatewayConfig('model'), deps);
    expect(await router.readBack()).toEqual({ weights: { v1: 100, v2: 0 } });

    await router.setWeights({ v1: 90, v2: 10 });
    expect(await serverWeights('model')).toEqual({ 'model-v1': 90, 'model-v2': 10 });
    expect(await router.readBack()).toEqual({ weights: { v1: 90, v2: 10 } });

    await router.setWeights({ v1: 50, v2: 50 });
    expect(await serverWeights('model')).toEqual({ 'model-v1': 50, 'model-v2': 50 });

    // abort: everything back on stable
    await router.setRoute('v1');
    expect(await serverWeights('model')).toEqual({ 'model-v1': 100, 'model-v2': 0 });
    expect(await router.readBack()).toEqual({ weights: { v1: 100, v2: 0 } });

    const object = await cluster.get(
      `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/httproutes/model`,
    );
    // recorded on the object it drives, written by the field manager `sluice`
    expect(JSON.parse(object.metadata!.annotations![ROLLOUT_ANNOTATION]!)).toMatchObject({
      weights: { v1: 100, v2: 0 },
    });
    expect(object.metadata!.managedFields!.map((f) => f.manager)).toContain('sluice');
    // the user's other fields are untouched
    expect(JSON.stringify(object.spec)).toContain('"parentRefs":[{');
  });

  it('adds a preview rule matching x-sluice-preview: canary by server-side apply, and removes it on an all-on-one write', async () => {
    await cluster.apply([httpRoute('preview')]);
    const router = createTrafficRouter(gatewayConfig('preview'), deps);
    expect(router.capabilities.headerRouting).toBe(true);
    const preview = { header: 'x-sluice-preview', value: 'canary', version: 'v2' };
    await router.setHeaderRoutes!([preview]);
    type Rules = { spec: { rules: Record<string, unknown>[] } };
    const path = `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/httproutes/preview`;
    const rules = () => cluster.get(path).then((o) => (o as KubeObject & Rules).spec.rules);
    const added = await rules();
    expect(added).toHaveLength(2);
    // The split rule as it was; the preview rule: its matches plus the header, the canary alone.
    expect(added[0]).toMatchObject({ backendRefs: [{ weight: 100 }, { weight: 0 }] });
    expect(added[1]).toEqual({
      name: 'sluice-preview-v2',
      matches: [
        {
          path: { type: 'PathPrefix', value: '/' },
          headers: [{ type: 'Exact', name: 'x-sluice-preview', value: 'canary' }],
        },
      ],
      backendRefs: [{ group: '', kind: 'Service', name: 'model-v2', port: 8080, weight: 1 }],
    });
    expect(await router.readBack()).toMatchObject({
      weights: { v1: 100, v2: 0 },
      headerRoutes: [preview],
    });
    // Weights move with the preview rule kept; the switch (all on one version) removes it.
    await router.setWeights({ v1: 50, v2: 50 });
    expect(await rules()).toHaveLength(2);
    await router.setRoute('v2');
    expect(await rules()).toHaveLength(1);
    expect((await router.readBack()).headerRoutes).toBeUndefined();
    // And setHeaderRoutes([]) removes it too.
    await router.setHeaderRoutes!([preview]);
    await router.setHeaderRoutes!([]);
    expect(await rules()).toHaveLength(1);
  });

  it('refuses a preview rule where the route has no room (16 rules), leaving the route as it was', async () => {
    const full = httpRoute('full');
    const split = (full.spec as { rules: Record<string, unknown>[] }).rules[0]!;
    (full.spec as { rules: Record<string, unknown>[] }).rules = [
      split,
      ...Array.from({ length: 15 }, (_, i) => ({
        matches: [{ path: { type: 'PathPrefix', value: `/other-${i}` } }],
        backendRefs: [{ name: 'model-v1', port: 8080 }],
      })),
    ];
    await cluster.apply([full]);
    const router = createTrafficRouter(gatewayConfig('full'), deps);
    const error = await router.setHeaderRoutes!([
      { header: 'x-sluice-preview', value: 'canary', version: 'v2' },
    ]).catch((e: unknown) => e);
    expect(error).toMatchObject({ exitCode: 2 });
    expect((error as Error).message).toMatch(/no room for a preview rule: it has 16 rules/);
    const object = await cluster.get(
      `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/httproutes/full`,
    );
    expect((object as KubeObject & { spec: { rules: unknown[] } }).spec.rules).toHaveLength(16);
  });

  it('retries a write whose resourceVersion went stale (a real 409 from the server)', async () => {
    await cluster.apply([httpRoute('conflict')]);
    const real = await createKubeApi(access(), undefined, 'test');
    let reads = 0;
    let applies = 0;
    // After the router's first read, someone else changes the route: its resourceVersion is stale.
    const racing: KubeApi = {
      server: real.server,
      get: async (ref, rbac, signal) => {
        const object = await real.get(ref, rbac, signal);
        if (++reads === 1)
          await cluster.apply(
            [
              {
                apiVersion: 'gateway.networking.k8s.io/v1',
                kind: 'HTTPRoute',
                metadata: {
                  name: 'conflict',
                  namespace: NS,
                  labels: { touched: 'by-someone-else' },
                },
              },
            ],
            { manager: 'someone-else' },
          );
        return object;
      },
      apply: async (body, rbac, signal) => {
        applies++;
        return real.apply(body, rbac, signal);
      },
    };
    lines.length = 0;
    const router = new GatewayApiTrafficRouter(gatewayConfig('conflict'), deps, { api: racing });
    await router.setWeights({ v1: 75, v2: 25 });
    expect(applies).toBe(2);
    expect(reads).toBe(2);
    expect(lines.join('\n')).toMatch(/changed since it was read \(409\)/);
    expect(await serverWeights('conflict')).toEqual({ 'model-v1': 75, 'model-v2': 25 });
    const object = await cluster.get(
      `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/httproutes/conflict`,
    );
    expect(object.metadata!['labels']).toEqual({ touched: 'by-someone-else' });
  });

  it('a negative weight is refused by sluice before the CRD would', async () => {
    const router = createTrafficRouter(gatewayConfig('model'), deps);
    await expect(router.setWeights({ v1: 105, v2: -5 })).rejects.toMatchObject({ exitCode: 2 });
    expect(await serverWeights('model')).toEqual({ 'model-v1': 100, 'model-v2': 0 });
  });
});

describe('service-switch router on a real API server', () => {
  const deployment = (name: string, color: string): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'model', color } },
      template: {
        metadata: { labels: { app: 'model', color } },
        spec: { containers: [{ name: 'model', image: `model:${color}` }] },
      },
    },
  });
  /** What the Deployment controller writes once its pods are ready. */
  const ready = (name: string, readyReplicas: number): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    status: {
      observedGeneration: 1,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas,
      availableReplicas: readyReplicas,
    },
  });

  it('refuses to switch to a Deployment that is not ready, switches when it is, and switches back', async () => {
    await cluster.apply([
      deployment('model-blue', 'blue'),
      deployment('model-green', 'green'),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'model', namespace: NS },
        spec: {
          selector: { app: 'model', color: 'blue' },
          ports: [{ port: 80, targetPort: 8080 }],
        },
      },
    ]);
    await cluster.apply([ready('model-blue', 2), ready('model-green', 1)], {
      subresource: 'status',
    });
    const router = createTrafficRouter(
      {
        type: 'service-switch',
        namespace: NS,
        service: 'model',
        selectorKey: 'color',
        deployments: { v1: 'model-blue', v2: 'model-green' },
        selectorValues: { v1: 'blue', v2: 'green' },
        // No endpointslice controller in this file (endpoints.test.ts runs one).
        waitForEndpoints: false,
        ...access(),
      },
      deps,
    );
    expect(await router.readBack()).toEqual({ weights: { v1: 100, v2: 0 } });

    const refused = await expectInfra(router.setRoute('v2'));
    expect(refused.message).toContain(
      'Deployment models/model-green is not ready (1 of 2 replicas are ready)',
    );
    const selector = async () =>
      (
        (await cluster.get(`/api/v1/namespaces/${NS}/services/model`)) as KubeObject & {
          spec: { selector: Record<string, string> };
        }
      ).spec.selector;
    expect(await selector()).toEqual({ app: 'model', color: 'blue' });

    await cluster.apply([ready('model-green', 2)], { subresource: 'status' });
    await router.setRoute('v2');
    expect(await selector()).toEqual({ app: 'model', color: 'green' });
    expect(await router.readBack()).toEqual({ weights: { v1: 0, v2: 100 } });

    await router.setWeights({ v1: 100, v2: 0 });
    expect(await selector()).toEqual({ app: 'model', color: 'blue' });
    expect(await router.readBack()).toEqual({ weights: { v1: 100, v2: 0 } });
    await expect(router.setWeights({ v1: 50, v2: 50 })).rejects.toMatchObject({ exitCode: 2 });

    // The rollout's progress recorded on the Service, kept by a switch, read back.
    const progress = {
      id: 'v1→v2@2026-12-07T10:00:00.000Z',
      stable: 'v1',
      canary: 'v2',
      step: 2,
      status: 'paused' as const,
      updatedAt: '2026-12-07T10:00:01.000Z',
    };
    await router.record!(progress);
    await router.setRoute('v2');
    expect(await router.readBack()).toEqual({ weights: { v1: 0, v2: 100 }, recorded: progress });
  });
});

describe('kserve router on a real API server', () => {
  const path = `/apis/serving.kserve.io/v1beta1/namespaces/${NS}/inferenceservices/model`;
  const percent = async () =>
    (
      (await cluster.get(path)) as KubeObject & {
        spec: { predictor: { canaryTrafficPercent?: number; model?: unknown } };
      }
    ).spec.predictor;

  it('steps canaryTrafficPercent, rolls back to 0, promotes by removing it (as KServe defines them)', async () => {
    // KServe's own release CRD (from its Go module's zip, scripts/install/kubernetes.sh), whose
    // schema validates the whole spec: a percent that is not an integer is refused.
    const crd = await cluster.get(
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/inferenceservices.serving.kserve.io',
    );
    expect(crd.metadata!.annotations).toHaveProperty(['controller-gen.kubebuilder.io/version']);
    await expect(
      cluster.apply([
        {
          apiVersion: 'serving.kserve.io/v1beta1',
          kind: 'InferenceService',
          metadata: { name: 'invalid', namespace: NS },
          spec: { predictor: { canaryTrafficPercent: 'ten' } },
        },
      ]),
    ).rejects.toThrow(/canaryTrafficPercent/);
    await cluster.apply([
      {
        apiVersion: 'serving.kserve.io/v1beta1',
        kind: 'InferenceService',
        metadata: { name: 'model', namespace: NS },
        spec: {
          predictor: {
            model: { modelFormat: { name: 'sklearn' }, storageUri: 's3://models/v2' },
            canaryTrafficPercent: 0,
          },
        },
      },
    ]);
    const router = createTrafficRouter(
      {
        type: 'kserve',
        namespace: NS,
        inferenceService: 'model',
        stable: 'v1',
        canary: 'v2',
        ...access(),
      },
      deps,
    );
    expect(await router.readBack()).toEqual({ weights: { v1: 100, v2: 0 } });
    await router.setWeights({ v1: 90, v2: 10 });
    expect((await percent()).canaryTrafficPercent).toBe(10);
    await router.setWeights({ v1: 50, v2: 50 });
    expect(await router.readBack()).toEqual({ weights: { v1: 50, v2: 50 } });

    await router.setRoute('v1'); // rollback
    expect((await percent()).canaryTrafficPercent).toBe(0);
    await router.setWeights({ v1: 75, v2: 25 });
    await router.setRoute('v2'); // promotion
    const predictor = await percent();
    expect(predictor.canaryTrafficPercent).toBeUndefined();
    expect(predictor.model).toMatchObject({ storageUri: 's3://models/v2' });
    expect(await router.readBack()).toEqual({ weights: { v1: 0, v2: 100 } });

    // The rollout's progress, recorded on the InferenceService, read back, kept by a write.
    const progress = {
      id: 'v1→v2@2026-12-07T10:00:00.000Z',
      stable: 'v1',
      canary: 'v2',
      step: 1,
      status: 'running' as const,
      updatedAt: '2026-12-07T10:00:01.000Z',
    };
    await router.record!(progress);
    await router.setWeights({ v1: 50, v2: 50 });
    expect(await router.readBack()).toEqual({ weights: { v1: 50, v2: 50 }, recorded: progress });
  });
});

describe('RBAC and outages', () => {
  it('a token whose Role lacks a verb gets exit 3 naming the verb and the resource', async () => {
    await cluster.apply([
      httpRoute('narrow'),
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'read-routes', namespace: NS },
        rules: [
          { apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], verbs: ['get'] },
        ],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'narrow-reads-routes', namespace: NS },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-routes' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'narrow' }],
      },
    ]);
    const router = createTrafficRouter(gatewayConfig('narrow', 'narrow'), deps);
    // RBAC bindings take effect through the authorizer's cache: wait for the read to be allowed.
    let state;
    for (let i = 0; i < 50 && !state; i++)
      state = await router
        .readBack()
        .catch(() => new Promise((r) => setTimeout(r, 100)).then(() => undefined));
    expect(state).toEqual({ weights: { v1: 100, v2: 0 } });

    const error = await expectInfra(router.setWeights({ v1: 90, v2: 10 }));
    expect(error.message).toContain(
      'verb "patch" on resource "httproutes" in API group "gateway.networking.k8s.io"',
    );
    expect(error.hint).toContain('verbs: ["patch"]');
    expect(error.message).not.toContain(cluster.narrowToken);
    expect(await serverWeights('narrow')).toEqual({ 'model-v1': 100, 'model-v2': 0 });

    const services = createTrafficRouter(
      {
        type: 'service-switch',
        namespace: NS,
        service: 'model',
        selectorKey: 'color',
        deployments: { v1: 'model-blue' },
        ...access('narrow'),
      },
      deps,
    );
    const denied = await expectInfra(services.readBack());
    expect(denied.message).toContain('verb "get" on resource "services" in API group "core"');
  });

  // Last: it kills the API server.
  it('the API server killed mid-operation: exit 3 naming it, no hang', async () => {
    await cluster.apply([httpRoute('outage')]);
    const real = await createKubeApi(access(), undefined, 'test');
    const dying: KubeApi = {
      server: real.server,
      get: async (ref, rbac, signal) => {
        const object = await real.get(ref, rbac, signal);
        await cluster.killApiServer(); // between the read and the write
        return object;
      },
      apply: (body, rbac, signal) => real.apply(body, rbac, signal),
    };
    const router = new GatewayApiTrafficRouter(gatewayConfig('outage'), deps, { api: dying });
    const started = Date.now();
    const error = await expectInfra(router.setWeights({ v1: 90, v2: 10 }));
    expect(error.message).toContain(
      `the Kubernetes API server at ${cluster.server} is unreachable`,
    );
    expect(error.message).toMatch(
      /during patch on httproutes\.gateway\.networking\.k8s\.io "outage"/,
    );
    expect(Date.now() - started).toBeLessThan(15_000);

    const after = createTrafficRouter(gatewayConfig('outage'), deps);
    const again = await expectInfra(after.readBack());
    expect(again.message).toMatch(/unreachable \(ECONNREFUSED\)/);
  });
});
