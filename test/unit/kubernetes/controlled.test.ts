/**
 * The rollout through a controller that drives the steps (Argo Rollouts), with a scripted fake
 * controller: what sluice asks of it, and the outcome (exit code) for each way it can end.
 */
import { describe, expect, it } from 'vitest';
import { InfraError } from '../../../src/core/errors.js';
import type {
  ControllerPhase,
  ControllerStatus,
  RolloutController,
  TrafficState,
} from '../../../src/core/ports.js';
import type { RolloutEnv } from '../../../src/core/rollout/engine.js';
import { runRollout } from '../../../src/core/rollout/run.js';
import { parseRolloutSpec } from '../../../src/core/rollout/spec.js';
import { VirtualTime } from '../support/virtual-time.js';
import {
  FakeProvider,
  MemoryState,
  providerFactory,
  recordingLogger,
  values,
  type Answer,
} from '../rollout/fakes.js';

/** Answers the phases in `script` one wait after another; records what sluice asks. */
class FakeController implements RolloutController {
  readonly name = 'argo rollout models/model';
  calls: string[] = [];
  failAbort = false;
  constructor(
    private script: ControllerPhase[],
    private before: ControllerStatus = {
      phase: 'Healthy',
      message: '',
      current: true,
      aborted: false,
      image: 'm:v1',
    },
  ) {}
  async setImage(version: string) {
    this.calls.push(`setImage ${version}`);
    return `m:${version}`;
  }
  async status() {
    return this.before;
  }
  async waitFor(phases: readonly ControllerPhase[]) {
    const phase = this.script.shift() ?? 'Progressing';
    this.calls.push(`waitFor ${phases.join('|')} → ${phase}`);
    if (!phases.includes(phase))
      throw new InfraError(`${this.name} did not reach ${phases.join(' or ')}: it is ${phase}`);
    return { phase, message: '', current: true, aborted: false };
  }
  async promote() {
    this.calls.push('promote');
  }
  async abort() {
    this.calls.push('abort');
    if (this.failAbort) throw new InfraError('the API server at https://127.0.0.1:1 is gone');
  }
  async retry() {
    this.calls.push('retry');
  }
}

const router = (controller: RolloutController) => ({
  name: controller.name,
  capabilities: { weights: false, mirror: false, headerRouting: false },
  controller,
  setWeights: () => Promise.reject(new Error('not used')),
  setRoute: () => Promise.reject(new Error('not used')),
  readBack: (): Promise<TrafficState> => Promise.reject(new Error('not used')),
});

const spec = (extra = '', strategy = 'canary') =>
  parseRolloutSpec(
    `strategy: ${strategy}
stable: v1
canary: v2
router: { type: argo-rollouts, namespace: models, rollout: model, container: model, image: "m:{{version}}" }
providers:
  prom: { type: prometheus, url: "http://127.0.0.1:9090" }
templates:
  errors:
    metrics:
      - name: error_rate
        provider: prom
        query: errors
        failureCondition: { max: 0.05 }
${strategy === 'canary' ? 'steps:\n  - analysis: errors\n' : 'previewAnalysis: errors\n'}${extra}`,
    'rollout.yml',
  );

async function run(
  controller: FakeController,
  answer: () => Answer = () => values(0),
  s = spec(),
  cancelAfterMs?: number,
) {
  const time = new VirtualTime();
  const abort = new AbortController();
  const env: RolloutEnv = {
    router: router(controller),
    providers: providerFactory(new FakeProvider(answer)),
    clock: time,
    sleep: time,
    logger: recordingLogger(),
    state: new MemoryState(),
    signal: abort.signal,
  };
  let settled = false;
  const result = runRollout(s, env).finally(() => (settled = true));
  for (let t = 0; !settled && t < 600_000; t += 1000) {
    if (cancelAfterMs !== undefined && t >= cancelAfterMs) abort.abort(new Error('SIGTERM'));
    await time.advance(1000);
  }
  return result;
}

describe('a rollout driven by Argo’s controller', () => {
  it('judges at each pause (the last analysis again), promotes each, ends Healthy: promoted', async () => {
    const c = new FakeController(['Paused', 'Paused', 'Healthy']);
    const result = await run(c);
    expect(result.outcome).toBe('promoted');
    expect(result.error).toBeUndefined();
    expect(c.calls.filter((x) => !x.startsWith('waitFor'))).toEqual([
      'setImage v2',
      'promote',
      'promote',
    ]);
    expect(result.analyses.map((a) => a.label)).toEqual([
      'analysis at pause 1',
      'analysis at pause 2',
    ]);
  });

  it('blue-green: previewAnalysis at the pause', async () => {
    const c = new FakeController(['Paused', 'Healthy']);
    const result = await run(c, undefined, spec('', 'blue-green'));
    expect(result.outcome).toBe('promoted');
    expect(result.analyses.map((a) => a.label)).toEqual(['analysis at preview']);
  });

  it('a failed analysis aborts and waits for Degraded: rolled back (exit 1)', async () => {
    const c = new FakeController(['Paused', 'Degraded']);
    const result = await run(c, () => values(0.5));
    expect(result.outcome).toBe('rolled-back');
    expect(result.error).toBeUndefined();
    expect(c.calls).toContain('abort');
    expect(c.calls).not.toContain('promote');
  });

  it('Degraded by the controller itself: rolled back, no abort asked', async () => {
    const c = new FakeController(['Degraded']);
    const result = await run(c);
    expect(result.outcome).toBe('rolled-back');
    expect(c.calls).not.toContain('abort');
  });

  it('an analysis that cannot measure aborts: exit 3', async () => {
    const c = new FakeController(['Paused', 'Degraded']);
    const result = await run(c, () => new Error('connection refused'), spec());
    expect(result.outcome).toBe('aborted');
    expect(result.error?.exitCode).toBe(3);
    expect(c.calls).toContain('abort');
  });

  it('the deadline (the controller never pauses) aborts: exit 3 naming the phase', async () => {
    const c = new FakeController(['Progressing', 'Degraded']);
    const result = await run(c);
    expect(result.outcome).toBe('aborted');
    expect(result.error?.exitCode).toBe(3);
    expect(result.error?.message).toMatch(/it is Progressing/);
    expect(c.calls).toContain('abort');
  });

  it('an abort that fails too: exit 3 saying so, with what to do', async () => {
    const c = new FakeController(['Paused']);
    c.failAbort = true;
    const result = await run(c, () => values(0.5));
    expect(result.outcome).toBe('aborted');
    expect(result.error?.exitCode).toBe(3);
    expect(result.error?.message).toMatch(/the abort did not finish: the API server/);
    expect(result.error?.hint).toMatch(/abort it by hand/);
  });

  it('SIGTERM during the analysis aborts the Rollout', async () => {
    const c = new FakeController(['Paused', 'Degraded']);
    const long = spec();
    const step = long.steps[0]!;
    if ('analysis' in step) {
      step.analysis.metrics[0]!.intervalMs = 60_000;
      step.analysis.metrics[0]!.count = 10;
    }
    const result = await run(c, () => values(0), long, 5000);
    expect(result.outcome).toBe('aborted');
    expect(c.calls).toContain('abort');
  });

  it('a re-run finding the same image paused: rollback (default) aborts and retries first', async () => {
    const paused: ControllerStatus = {
      phase: 'Paused',
      message: '',
      current: true,
      aborted: false,
      image: 'm:v2',
    };
    const c = new FakeController(['Degraded', 'Progressing', 'Paused', 'Healthy'], paused);
    const result = await run(c);
    expect(result.outcome).toBe('promoted');
    expect(c.calls.filter((x) => !x.startsWith('waitFor'))).toEqual([
      'setImage v2',
      'abort',
      'retry',
      'promote',
    ]);
    expect(result.notes.join('\n')).toMatch(/left unfinished.*starting it again/);
  });

  it('a re-run with onResume: finish judges at the pause the controller is at', async () => {
    const paused: ControllerStatus = {
      phase: 'Paused',
      message: '',
      current: true,
      aborted: false,
      image: 'm:v2',
    };
    const c = new FakeController(['Paused', 'Healthy'], paused);
    const result = await run(c, undefined, spec('onResume: finish\n'));
    expect(result.outcome).toBe('promoted');
    expect(c.calls).not.toContain('abort');
    expect(result.notes.join('\n')).toMatch(/finishing it from where the controller is/);
  });
});
