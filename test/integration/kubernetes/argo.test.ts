/**
 * `sluice rollout` with `router: { type: argo-rollouts }` against a real kube-apiserver with Argo's
 * Rollout CRD, the analysis an http-probe against real model servers. The Argo controller cannot
 * be built here (it needs a newer Go), so a small loop in the test writes the Rollout's status as
 * the controller would: a new image → Paused (with pause conditions), a promoted pause → the next
 * pause or Healthy, `status.abort` → Degraded. What is checked is what sluice writes, how it reads
 * the phases, and the exit codes.
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
import { startCluster, type TestCluster } from './cluster.js';

const NS = 'argo';
let cluster: TestCluster;
let stack: Stack | undefined;
let controller: { stop(): Promise<void> } | undefined;

beforeAll(async () => {
  cluster = await startCluster();
  await cluster.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }]);
}, 45 * 60_000);
afterAll(async () => {
  await cluster?.stop();
}, 60_000);
afterEach(async () => {
  await controller?.stop();
  controller = undefined;
  await stack?.stop();
  stack = undefined;
});

type Rollout = KubeObject & {
  spec: { paused?: boolean; template: { spec: { containers: { name: string; image: string }[] } } };
  status?: {
    phase?: string;
    abort?: boolean;
    observedGeneration?: string;
    pauseConditions?: unknown[];
    message?: string;
  };
};

const pathOf = (name: string) => `/apis/argoproj.io/v1alpha1/namespaces/${NS}/rollouts/${name}`;

async function writeStatus(name: string, status: Record<string, unknown>) {
  const answer = await cluster.admin.request('PATCH', `${pathOf(name)}/status`, {
    contentType: 'application/merge-patch+json',
    body: JSON.stringify({ status }),
  });
  if (answer.status !== 200) throw new Error(`status write: HTTP ${answer.status}: ${answer.body}`);
}

/**
 * What Argo's controller does with a canary of `pauses` pause steps, as far as sluice sees it:
 * a new image pauses; a pause whose conditions sluice cleared goes to the next pause or Healthy;
 * an abort is Degraded; a cleared abort (retry) starts again. `react: false`: a controller that
 * never answers (for the deadline).
 */
async function startController(
  name: string,
  pauses: number,
  /** Timed pauses (`pause: { duration }`): the controller resumes them itself after this. */
  autoResumeMs?: number,
) {
  const first = (await cluster.get(pathOf(name))) as Rollout;
  let image = first.spec.template.spec.containers[0]!.image;
  let left = 0;
  let running = true;
  let pausedAt = 0;
  const pause = async (generation: number) => {
    left--;
    pausedAt = Date.now();
    await writeStatus(name, {
      phase: 'Paused',
      message: 'CanaryPauseStep',
      observedGeneration: String(generation),
      pauseConditions: [{ reason: 'CanaryPauseStep', startTime: new Date().toISOString() }],
      currentStepIndex: 2 * (pauses - left) - 1,
    });
  };
  const tick = async () => {
    const r = (await cluster.get(pathOf(name))) as Rollout;
    const generation = r.metadata!.generation!;
    const st = r.status ?? {};
    const now = r.spec.template.spec.containers[0]!.image;
    if (st.abort === true) {
      if (st.phase !== 'Degraded')
        await writeStatus(name, {
          phase: 'Degraded',
          message: `RolloutAborted: Rollout aborted update to ${now}`,
          observedGeneration: String(generation),
          pauseConditions: null,
        });
    } else if (now !== image || st.phase === 'Degraded') {
      image = now;
      left = pauses;
      await pause(generation);
    } else if (
      st.phase === 'Paused' &&
      (!(st.pauseConditions?.length ?? 0) ||
        (autoResumeMs !== undefined && Date.now() - pausedAt > autoResumeMs))
    ) {
      if (left > 0) await pause(generation);
      else
        await writeStatus(name, {
          phase: 'Healthy',
          message: null,
          observedGeneration: String(generation),
        });
    } else if (st.observedGeneration !== String(generation))
      await writeStatus(name, { observedGeneration: String(generation) });
  };
  const loop = (async () => {
    while (running) {
      await tick().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

async function createRollout(name: string, blueGreen = false) {
  await cluster.apply([
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name, namespace: NS },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: 'model', image: 'registry.test/model:v1' }] },
        },
        strategy: blueGreen
          ? {
              blueGreen: {
                activeService: `${name}-active`,
                previewService: `${name}-preview`,
                autoPromotionEnabled: false,
                scaleDownDelaySeconds: 30,
              },
            }
          : {
              canary: {
                steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }, { pause: {} }],
              },
            },
      },
    },
  ]);
  const r = await cluster.get(pathOf(name));
  await writeStatus(name, { phase: 'Healthy', observedGeneration: String(r.metadata!.generation) });
}

function writeSpec(
  name: string,
  extra = '',
  deadline = '20s',
  container = 'model',
  analyses = 'steps:\n  - analysis: { templates: [health] }\n',
  strategy = 'canary',
) {
  writeFileSync(
    path.join(stack!.dir, 'spec.yml'),
    `strategy: ${strategy}
stable: { name: v1, url: ${stack!.stable.url} }
canary: { name: v2, url: ${stack!.canary.url} }
router:
  type: argo-rollouts
  namespace: ${NS}
  rollout: ${name}
  container: ${container}
  image: registry.test/model:{{version}}
  deadline: ${deadline}
  poll: 100ms
  server: ${cluster.server}
  tokenFile: ${cluster.adminTokenFile}
  insecureSkipTlsVerify: true
providers:
  ${probeProvider(stack!)}
templates:
  health:
    metrics:
      - name: error_rate
        provider: probe
        query: error_rate
        interval: 1s
        count: 2
        failureCondition: { max: 0.02 }
  answers:
    metrics:
      - name: success_rate
        provider: probe
        query: success_rate
        interval: 1s
        count: 1
        successCondition: { min: 0.5 }
${analyses}${extra}`,
  );
}

const run = async () =>
  spawnCli(['rollout', '--spec', 'spec.yml', '--output', 'json=report.json'], stack!.dir).done;
const rollout = async (name: string) => (await cluster.get(pathOf(name))) as Rollout;
const recorded = (r: Rollout) =>
  (
    JSON.parse(r.metadata!.annotations!['sluice.dev/rollout']!) as {
      rollout?: { status: string; canary: string };
    }
  ).rollout;

describe('sluice rollout through Argo Rollouts on a real API server', () => {
  it('a healthy canary: image set, judged at both of Argo’s pauses, promoted → Healthy (exit 0)', async () => {
    stack = await startStack({ mode: 'healthy' });
    await createRollout('good');
    controller = await startController('good', 2);
    writeSpec('good');
    const result = await run();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const r = await rollout('good');
    expect(r.spec.template.spec.containers[0]!.image).toBe('registry.test/model:v2');
    expect(r.status?.phase).toBe('Healthy');
    expect(r.status?.abort).toBeUndefined();
    expect(recorded(r)).toMatchObject({ status: 'promoted', canary: 'v2' });
    const report = readReport(stack.dir) as { verdict: string; details?: unknown };
    expect(report.verdict).toBe('pass');
    // Two pauses, two analyses (the one analysis step run again at the second pause).
    expect(result.stdout + result.stderr).toMatch(/\[pause 1\][\s\S]*\[pause 2\]/);
  });

  it('a canary failing sluice’s analysis at the pause is aborted → Degraded (exit 1)', async () => {
    stack = await startStack({ mode: 'errors', errorRate: 50 } as ModelMode);
    await createRollout('bad');
    controller = await startController('bad', 2);
    writeSpec('bad');
    const result = await run();
    expect(result.code, result.stdout + result.stderr).toBe(1);
    const r = await rollout('bad');
    expect(r.status?.abort).toBe(true);
    expect(r.status?.phase).toBe('Degraded');
    expect(recorded(r)).toMatchObject({ status: 'rolled-back' });
    expect(readReport(stack.dir).verdict).toBe('fail');
  });

  it('a controller that never pauses: exit 3 at the deadline, naming the phase, after asking for an abort', async () => {
    stack = await startStack({ mode: 'healthy' });
    await createRollout('stuck');
    writeSpec('stuck', '', '2s');
    const result = await run();
    expect(result.code, result.stdout + result.stderr).toBe(3);
    expect(result.stderr + result.stdout).toMatch(
      /argo rollout argo\/stuck did not reach Paused or Healthy or Degraded within 2 s: it is Healthy \(its controller has not seen the latest spec\)/,
    );
    expect((await rollout('stuck')).status?.abort).toBe(true);
  });

  it('a re-run of a rollout killed at Argo’s pause starts it again from its first step (onResume: rollback)', async () => {
    stack = await startStack({ mode: 'healthy' });
    await createRollout('rerun');
    controller = await startController('rerun', 1);
    writeSpec('rerun');
    const first = spawnCli(['rollout', '--spec', 'spec.yml'], stack.dir);
    // Killed once the analysis at the pause runs.
    for (let i = 0; i < 200 && !/\[pause 1\]/.test(first.output()); i++)
      await new Promise((r) => setTimeout(r, 100));
    first.child.kill('SIGKILL');
    await first.done;
    expect((await rollout('rerun')).status?.phase).toBe('Paused');
    rmSync(path.join(stack.dir, '.sluice'), { recursive: true, force: true });
    const again = await run();
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout + again.stderr).toMatch(/left unfinished.*starting it again/);
    expect((await rollout('rerun')).status?.phase).toBe('Healthy');
  });

  it('`sluice rollout abort` after a run killed at the pause aborts the Rollout and records it', async () => {
    stack = await startStack({ mode: 'healthy' });
    await createRollout('abortme');
    controller = await startController('abortme', 1);
    writeSpec('abortme');
    const first = spawnCli(['rollout', '--spec', 'spec.yml'], stack.dir);
    for (let i = 0; i < 200 && !/\[pause 1\]/.test(first.output()); i++)
      await new Promise((r) => setTimeout(r, 100));
    first.child.kill('SIGKILL');
    await first.done;
    const abort = await spawnCli(['rollout', 'abort', '--spec', 'spec.yml'], stack.dir).done;
    expect(abort.code, abort.stdout + abort.stderr).toBe(0);
    expect(abort.stdout + abort.stderr).toMatch(/all traffic is on v1 \(read back: v1 100 %\)/);
    const r = await rollout('abortme');
    expect(r.status?.abort).toBe(true);
    expect(recorded(r)).toMatchObject({ status: 'aborted' });
  });

  it('a container the Rollout does not have is exit 2 naming the ones it has', async () => {
    stack = await startStack({ mode: 'healthy' });
    await createRollout('nocontainer');
    writeSpec('nocontainer', '', '5s', 'sidecar');
    const result = await run();
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr + result.stdout).toMatch(/has no container "sidecar" \(it has: model\)/);
  });

  it('blue-green: previewAnalysis at Argo’s pause, the switch, postPromotionAnalysis once Healthy: promoted (exit 0)', async () => {
    stack = await startStack({ mode: 'healthy' });
    await createRollout('bg-good', true);
    controller = await startController('bg-good', 1);
    writeSpec('bg-good', '', '20s', 'model', BLUE_GREEN, 'blue-green');
    const result = await run();
    const out = result.stdout + result.stderr;
    expect(result.code, out).toBe(0);
    const r = await rollout('bg-good');
    expect(r.spec.template.spec.containers[0]!.image).toBe('registry.test/model:v2');
    expect(r.status?.phase).toBe('Healthy');
    expect(r.status?.abort).toBeUndefined();
    expect(recorded(r)).toMatchObject({ status: 'promoted', canary: 'v2' });
    expect(out).toMatch(
      /\[preview\][\s\S]*\[post-promotion\][\s\S]*post-promotion analysis: Successful/,
    );
    expect(readReport(stack.dir).verdict).toBe('pass');
  });

  it('blue-green: a green failing postPromotionAnalysis gets the previous image back (undo), the way back promoted, Healthy on v1 (exit 1)', async () => {
    // 30 % errors: the preview's success rate (≥ 50 %) passes, the post-promotion error rate fails.
    stack = await startStack({ mode: 'errors', errorRate: 30 } as ModelMode);
    await createRollout('bg-bad', true);
    controller = await startController('bg-bad', 1);
    writeSpec('bg-bad', '', '20s', 'model', BLUE_GREEN, 'blue-green');
    const result = await run();
    const out = result.stdout + result.stderr;
    expect(result.code, out).toBe(1);
    const r = await rollout('bg-bad');
    // Read back from the API server: the old image, Healthy, not aborted.
    expect(r.spec.template.spec.containers[0]!.image).toBe('registry.test/model:v1');
    expect(r.status?.phase).toBe('Healthy');
    expect(r.status?.abort).not.toBe(true);
    expect(r.metadata!.generation).toBeGreaterThanOrEqual(3);
    expect(recorded(r)).toMatchObject({ status: 'rolled-back' });
    expect(out).toMatch(
      /putting registry\.test\/model:v1 back on argo rollout argo\/bg-bad \(as kubectl argo rollouts undo\)/,
    );
    expect(out).toMatch(/promoting the way back/);
    expect(readReport(stack.dir).verdict).toBe('fail');
  });

  it('canary: a background analysis alone, Argo’s timed pauses left to the controller: promoted (exit 0)', async () => {
    stack = await startStack({ mode: 'healthy' });
    await createRollout('bgan-good');
    controller = await startController('bgan-good', 2, 1500);
    writeSpec('bgan-good', '', '20s', 'model', BACKGROUND);
    const result = await run();
    const out = result.stdout + result.stderr;
    expect(result.code, out).toBe(0);
    const r = await rollout('bgan-good');
    expect(r.status?.phase).toBe('Healthy');
    expect(r.spec.template.spec.containers[0]!.image).toBe('registry.test/model:v2');
    // sluice promoted no pause: the controller resumed its timed pauses itself.
    expect(out).not.toMatch(/the pause is promoted/);
    expect(out).toMatch(/background analysis: Successful/);
  });

  it('canary: a failing background analysis aborts the Rollout mid-pause → Degraded (exit 1)', async () => {
    stack = await startStack({ mode: 'errors', errorRate: 50 } as ModelMode);
    await createRollout('bgan-bad');
    // Long pauses: only the background analysis can end this.
    controller = await startController('bgan-bad', 2, 60_000);
    writeSpec('bgan-bad', '', '20s', 'model', BACKGROUND);
    const result = await run();
    const out = result.stdout + result.stderr;
    expect(result.code, out).toBe(1);
    const r = await rollout('bgan-bad');
    expect(r.status?.abort).toBe(true);
    expect(r.status?.phase).toBe('Degraded');
    expect(recorded(r)).toMatchObject({ status: 'rolled-back' });
    expect(out).toMatch(/background analysis failed/);
  });
});

const BLUE_GREEN =
  'previewAnalysis: { templates: [answers] }\npostPromotionAnalysis: { templates: [health] }\nscaleDownDelay: 10s\n';
const BACKGROUND =
  'analysis:\n  metrics:\n    - { name: error_rate, provider: probe, query: error_rate, interval: 1s, failureCondition: { max: 0.02 } }\n';
