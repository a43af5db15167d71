/**
 * The Argo Rollouts bridge against a real kube-apiserver with Argo's Rollout CRD. The Argo
 * controller cannot be built here (it needs a newer Go), so the test writes the Rollout's status
 * as the controller would; what is checked is what sluice writes and how it reads the phases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouterDeps } from '../../../src/clients/routers/config.js';
import type { KubeObject } from '../../../src/clients/routers/kubernetes/api.js';
import {
  ArgoRolloutsBridge,
  exitCodeOf,
} from '../../../src/clients/routers/kubernetes/argo-rollouts.js';
import { InfraError } from '../../../src/core/errors.js';
import { startCluster, type TestCluster } from './cluster.js';

const NS = 'argo';
let cluster: TestCluster;
const deps: RouterDeps = {
  exec: { run: () => Promise.reject(new Error('no commands')) },
  logger: { debug() {}, info() {}, warn() {}, error() {}, group: (_t, run) => run() },
};
const PATH = `/apis/argoproj.io/v1alpha1/namespaces/${NS}/rollouts/model`;

beforeAll(async () => {
  cluster = await startCluster();
  await cluster.apply([
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'model', namespace: NS },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'model' } },
        template: {
          metadata: { labels: { app: 'model' } },
          spec: { containers: [{ name: 'model', image: 'model:v1' }] },
        },
        strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }] } },
      },
    },
  ]);
}, 45 * 60_000);
afterAll(async () => {
  await cluster?.stop();
}, 60_000);

type Rollout = KubeObject & {
  spec: { paused?: boolean; template: { spec: { containers: { image: string }[] } } };
  status?: { abort?: boolean; pauseConditions?: unknown };
};

/** What the Argo controller writes: the phase for the latest generation. */
async function controllerWrites(phase: string, extra: Record<string, unknown> = {}) {
  const rollout = await cluster.get(PATH);
  const answer = await cluster.admin.request('PATCH', `${PATH}/status`, {
    contentType: 'application/merge-patch+json',
    body: JSON.stringify({
      status: { phase, observedGeneration: String(rollout.metadata!.generation), ...extra },
    }),
  });
  if (answer.status !== 200) throw new Error(`status write: HTTP ${answer.status}: ${answer.body}`);
}

const bridge = () =>
  new ArgoRolloutsBridge(
    {
      namespace: NS,
      rollout: 'model',
      server: cluster.server,
      tokenFile: cluster.adminTokenFile,
      insecureSkipTlsVerify: true,
      pollMs: 100,
    },
    deps,
  );

describe('Argo Rollouts bridge', () => {
  it('image → pause → promote → Healthy (exit 0)', async () => {
    const argo = bridge();
    await argo.setImage('model', 'model:v2');
    const after = (await cluster.get(PATH)) as Rollout;
    expect(after.spec.template.spec.containers[0]!.image).toBe('model:v2');
    expect(after.metadata!.annotations!['sluice.dev/rollout']).toContain('set image');

    await controllerWrites('Paused', {
      pauseConditions: [{ reason: 'CanaryPauseStep', startTime: new Date().toISOString() }],
    });
    expect((await argo.waitFor(['Paused', 'Healthy', 'Degraded'], 5000)).phase).toBe('Paused');
    await argo.promote();
    const promoted = (await cluster.get(PATH)) as Rollout;
    expect(promoted.spec.paused).toBe(false);
    expect(promoted.status?.pauseConditions).toBeUndefined();

    await controllerWrites('Healthy');
    expect(exitCodeOf(await argo.waitFor(['Healthy', 'Degraded'], 5000))).toBe(0);
  });

  it('image → pause → abort → Degraded (exit 1)', async () => {
    const argo = bridge();
    await argo.setImage('model', 'model:v3');
    // The old status is for the previous generation: not taken as an answer.
    await expect(argo.waitFor(['Paused'], 500)).rejects.toBeInstanceOf(InfraError);
    await controllerWrites('Paused');
    await argo.waitFor(['Paused'], 5000);
    await argo.abort();
    expect(((await cluster.get(PATH)) as Rollout).status?.abort).toBe(true);
    await controllerWrites('Degraded', {
      message: 'RolloutAborted: Rollout aborted update to revision 3',
    });
    const status = await argo.waitFor(['Healthy', 'Degraded'], 5000);
    expect(exitCodeOf(status)).toBe(1);
    expect(status.message).toContain('RolloutAborted');
  });

  it('a Rollout that stays Progressing past the deadline is exit 3 naming the phase', async () => {
    await controllerWrites('Progressing', { message: 'more replicas need to be updated' });
    const error = await bridge()
      .waitFor(['Healthy', 'Degraded'], 1000)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfraError);
    expect((error as Error).message).toMatch(
      /did not reach Healthy or Degraded within 1000 ms: it is Progressing: more replicas/,
    );
  });

  it('an unknown container is exit 2 naming the ones there are', async () => {
    await expect(bridge().setImage('sidecar', 'x:1')).rejects.toMatchObject({ exitCode: 2 });
  });
});
