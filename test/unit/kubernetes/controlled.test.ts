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
  image: string;
  constructor(
    private script: ControllerPhase[],
    private before: ControllerStatus = {
      phase: 'Healthy',
      message: '',
      current: true,
      aborted: false,
      image: 'm:v1',
    },
  ) {
    this.image = before.image ?? 'm:v1';
  }
  async setImage(version: string) {
    this.calls.push(`setImage ${version}`);
    this.image = `m:${version}`;
    return this.image;
  }
  async restoreImage(image: string) {
    this.calls.push(`restoreImage ${image}`);
    this.image = image;
  }
  async status() {
    return this.before;
  }
  /** How long each wait takes (virtual time), interrupted by its signal. */
  waitMs = 0;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  async waitFor(phases: readonly ControllerPhase[], signal?: AbortSignal) {
    if (this.waitMs && this.sleep) await this.sleep(this.waitMs, signal);
    const phase = this.script.shift() ?? 'Progressing';
    this.calls.push(`waitFor ${phases.join('|')} → ${phase}`);
    if (!phases.includes(phase))
      throw new InfraError(`${this.name} did not reach ${phases.join(' or ')}: it is ${phase}`);
    return { phase, message: '', current: true, aborted: false, image: this.image };
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
  controller.sleep = (ms, signal) => time.sleep(ms, signal);
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

  it('blue-green: postPromotionAnalysis once Healthy, passed: promoted, nothing undone', async () => {
    const c = new FakeController(['Paused', 'Healthy']);
    const result = await run(c, undefined, spec('postPromotionAnalysis: errors\n', 'blue-green'));
    expect(result.outcome).toBe('promoted');
    expect(result.analyses.map((a) => a.label)).toEqual([
      'analysis at preview',
      'post-promotion analysis',
    ]);
    expect(c.calls.filter((x) => !x.startsWith('waitFor'))).toEqual(['setImage v2', 'promote']);
  });

  it('blue-green: a failed postPromotionAnalysis puts the previous image back (undo), promotes the way back, waits for Healthy: rolled back', async () => {
    const c = new FakeController(['Paused', 'Healthy', 'Paused', 'Healthy']);
    let n = 0;
    // The preview passes; the post-promotion analysis sees errors.
    const result = await run(
      c,
      () => values(n++ === 0 ? 0 : 0.5),
      spec('postPromotionAnalysis: errors\n', 'blue-green'),
    );
    expect(result.outcome).toBe('rolled-back');
    expect(result.error).toBeUndefined();
    expect(c.calls.filter((x) => !x.startsWith('waitFor'))).toEqual([
      'setImage v2',
      'promote',
      'restoreImage m:v1',
      'promote',
    ]);
    expect(c.calls).not.toContain('abort');
    expect(result.finalState).toEqual({ weights: { v1: 100 } });
    expect(result.timeline.map((e) => e.event).join('\n')).toMatch(
      /putting m:v1 back on argo rollout models\/model \(as kubectl argo rollouts undo\)/,
    );
  });

  it('blue-green: a rollback that does not end Healthy on the old image is exit 3 saying what to do', async () => {
    const c = new FakeController(['Healthy', 'Degraded']);
    const result = await run(c, () => values(0.5), postOnly());
    expect(result.outcome).toBe('aborted');
    expect(result.error?.exitCode).toBe(3);
    expect(result.error?.message).toMatch(
      /putting the previous image back did not finish: .* is Degraded on m:v1, not Healthy on m:v1/,
    );
    expect(result.error?.hint).toMatch(/kubectl argo rollouts undo/);
  });

  it('blue-green with postPromotionAnalysis alone: the pause is left to the controller, judged after the switch', async () => {
    const c = new FakeController(['Healthy']);
    const result = await run(c, undefined, postOnly());
    expect(result.outcome).toBe('promoted');
    expect(c.calls).toEqual(['setImage v2', 'waitFor Healthy|Degraded → Healthy']);
    expect(result.analyses.map((a) => a.label)).toEqual(['post-promotion analysis']);
  });

  it('canary: a background analysis runs from the image change; its failure aborts the wait: rolled back', async () => {
    const c = new FakeController(['Healthy', 'Degraded']);
    c.waitMs = 120_000;
    const result = await run(c, () => values(0.5), backgroundOnly());
    expect(result.outcome).toBe('rolled-back');
    expect(c.calls.filter((x) => !x.startsWith('waitFor'))).toEqual(['setImage v2', 'abort']);
    expect(result.analyses.map((a) => a.label)).toEqual(['background analysis']);
    expect(result.reason).toMatch(/background analysis failed/);
  });

  it('canary: a background analysis that holds to the end: promoted, pauses left to the controller', async () => {
    const c = new FakeController(['Healthy']);
    c.waitMs = 30_000;
    const result = await run(c, () => values(0), backgroundOnly());
    expect(result.outcome).toBe('promoted');
    expect(c.calls).toEqual(['setImage v2', 'waitFor Healthy|Degraded → Healthy']);
    const background = result.analyses.find((a) => a.label === 'background analysis');
    expect(background?.result.phase).toBe('Successful');
    expect(background?.result.metrics[0]?.successful).toBeGreaterThanOrEqual(2);
  });

  it('canary: steps and a background analysis together: the background failing stops the pause’s analysis', async () => {
    const c = new FakeController(['Paused', 'Degraded']);
    const s = spec('analysis: errors\n');
    const step = s.steps[0]!;
    if ('analysis' in step) {
      step.analysis.metrics[0]!.intervalMs = 60_000;
      step.analysis.metrics[0]!.count = 10;
    }
    const result = await run(c, () => values(0.5), s);
    expect(result.outcome).toBe('rolled-back');
    expect(result.reason).toMatch(/background analysis failed|analysis at pause 1 failed/);
    expect(c.calls).toContain('abort');
    expect(c.calls).not.toContain('promote');
  });
});

function postOnly() {
  return parseRolloutSpec(
    `strategy: blue-green
stable: v1
canary: v2
router: { type: argo-rollouts, namespace: models, rollout: model, container: model, image: "m:{{version}}" }
providers:
  prom: { type: prometheus, url: "http://127.0.0.1:9090" }
postPromotionAnalysis:
  metrics:
    - { name: error_rate, provider: prom, query: errors, failureCondition: { max: 0.05 } }
`,
    'rollout.yml',
  );
}

function backgroundOnly() {
  return parseRolloutSpec(
    `strategy: canary
stable: v1
canary: v2
router: { type: argo-rollouts, namespace: models, rollout: model, container: model, image: "m:{{version}}" }
providers:
  prom: { type: prometheus, url: "http://127.0.0.1:9090" }
analysis:
  metrics:
    - { name: error_rate, provider: prom, query: errors, interval: 10s, failureCondition: { max: 0.05 } }
`,
    'rollout.yml',
  );
}
