import { describe, expect, it } from 'vitest';
import { InfraError } from '../../../src/core/errors.js';
import { parseRolloutSpec } from '../../../src/core/rollout/spec.js';
import { runRollout, abortRollout } from '../../../src/core/rollout/run.js';
import type { RolloutEnv } from '../../../src/core/rollout/engine.js';
import { VirtualTime } from '../support/virtual-time.js';
import {
  FakeProvider,
  FakeRouter,
  MemoryState,
  providerFactory,
  recordingLogger,
  values,
  type Answer,
} from './fakes.js';
import type { MetricsQuery } from '../../../src/core/ports.js';

const HEADER = `
stable: v1
canary: v2
router: { type: builtin, admin: "http://127.0.0.1:9901" }
providers:
  prom: { type: prometheus, url: "http://127.0.0.1:9090" }
`;

const canarySpec = (extra = '', metric = 'successCondition: { max: 0.01 }') =>
  parseRolloutSpec(
    `${HEADER}
templates:
  errors:
    metrics:
      - name: error_rate
        provider: prom
        interval: 30s
        count: 2
        ${metric}
steps:
  - setWeight: 10
  - analysis: errors
  - setWeight: 25
  - analysis: errors
  - setWeight: 50
  - analysis: errors
${extra}`,
    'rollout.yml',
  );

function setup(answer: (q: MetricsQuery, t: VirtualTime) => Answer, router = new FakeRouter()) {
  const time = new VirtualTime();
  const provider = new FakeProvider((q) => answer(q, time));
  const state = new MemoryState();
  const logger = recordingLogger();
  const controller = new AbortController();
  const env: RolloutEnv = {
    router,
    providers: providerFactory(provider),
    clock: time,
    sleep: time,
    logger,
    state,
    signal: controller.signal,
    pollMs: 1000,
  };
  return { time, provider, state, logger, controller, env, router };
}

/** Runs the rollout while moving virtual time on, until it settles. */
async function drive<T>(
  time: VirtualTime,
  run: Promise<T>,
  stepMs = 1000,
  maxMs = 24 * 3600_000,
): Promise<T> {
  let settled = false;
  const result = run.finally(() => {
    settled = true;
  });
  for (let t = 0; !settled && t < maxMs; t += stepMs) await time.advance(stepMs);
  return result;
}

const weightsSet = (router: FakeRouter) => router.calls.filter((c) => !c.startsWith('readBack'));

describe('canary', () => {
  it('promotes a healthy canary through every step, reading each change back', async () => {
    const { time, env, router, state } = setup(() => values(0.001, 0.002));
    const result = await drive(time, runRollout(canarySpec(), env));
    expect(result.outcome).toBe('promoted');
    expect(result.error).toBeUndefined();
    expect(weightsSet(router)).toEqual([
      'setWeights {"v1":90,"v2":10}',
      'setWeights {"v1":75,"v2":25}',
      'setWeights {"v1":50,"v2":50}',
      'setRoute v2',
    ]);
    expect(router.weights).toEqual({ v2: 100 });
    // Every change is followed by a read-back.
    const calls = router.calls;
    calls.forEach((c, i) => {
      if (!c.startsWith('readBack')) expect(calls[i + 1]).toBe('readBack');
    });
    expect(JSON.parse(state.map.get('rollout')!).status).toBe('promoted');
    expect(result.timeline.filter((e) => e.measurement).length).toBe(6);
  });

  it('rolls back at the step where the metric fails, with traffic on stable', async () => {
    // Errors appear once the canary takes 25 %.
    const { time, env, router } = setup((q) =>
      q.version === 'v2' && router.weights.v2 === 25 ? values(0.2) : values(0.001),
    );
    const result = await drive(time, runRollout(canarySpec(), env));
    expect(result.outcome).toBe('rolled-back');
    expect(result.reason).toMatch(/analysis of step 4 failed: error_rate/);
    expect(weightsSet(router)).toEqual([
      'setWeights {"v1":90,"v2":10}',
      'setWeights {"v1":75,"v2":25}',
      'setRoute v1',
    ]);
    expect(router.weights).toEqual({ v1: 100 });
    expect(router.calls.at(-1)).toBe('readBack');
    expect(result.finalState?.weights).toEqual({ v1: 100 });
  });

  it('treats no data as inconclusive, never a pass, and rolls back by default', async () => {
    const { time, env, router } = setup(() => ({ noData: 'empty result for the query' }));
    const result = await drive(time, runRollout(canarySpec(), env));
    expect(result.outcome).toBe('rolled-back');
    expect(result.reason).toMatch(/inconclusive/);
    expect(result.timeline.find((e) => e.measurement)?.measurement?.phase).toBe('Inconclusive');
    expect(router.weights).toEqual({ v1: 100 });
  });

  it('with onInconclusive: wait, waits for a person and goes on when promoted', async () => {
    let noData = true;
    const { time, env, router, state } = setup(() =>
      noData ? { noData: 'no traffic yet' } : values(0.001),
    );
    const run = runRollout(canarySpec('onInconclusive: wait\nwaitTimeout: 1h'), env);
    await time.advance(60_000);
    const paused = JSON.parse(state.map.get('rollout')!);
    expect(paused.status).toBe('paused');
    expect(router.weights).toEqual({ v1: 90, v2: 10 });
    noData = false;
    const { promoteRollout } = await import('../../../src/core/rollout/run.js');
    expect((await promoteRollout(env)).outcome).toBe('promote-requested');
    const result = await drive(time, run);
    expect(result.outcome).toBe('promoted');
    expect(router.weights).toEqual({ v2: 100 });
  });

  it('with onInconclusive: wait, rolls back when nobody decides within waitTimeout', async () => {
    const { time, env, router } = setup(() => ({ noData: 'no traffic' }));
    const result = await drive(
      time,
      runRollout(canarySpec('onInconclusive: wait\nwaitTimeout: 10m'), env),
    );
    expect(result.outcome).toBe('rolled-back');
    expect(result.reason).toMatch(/nobody promoted within 10m/);
    expect(router.weights).toEqual({ v1: 100 });
  });

  it('aborts after consecutiveErrorLimit provider errors (exit 3), traffic on stable', async () => {
    const { time, env, router, provider } = setup(
      () => new Error('Prometheus at 127.0.0.1:9090: connection refused'),
    );
    const result = await drive(time, runRollout(canarySpec(), env));
    expect(result.outcome).toBe('aborted');
    expect(result.error).toBeInstanceOf(InfraError);
    expect(result.error?.message).toMatch(
      /5 consecutive errors, more than consecutiveErrorLimit 4/,
    );
    expect(result.error?.message).toMatch(/back on v1/);
    // 5 measurements (4 allowed errors + the one past the limit), retried every interval (30 s).
    expect(provider.queries.length).toBe(5);
    expect(router.weights).toEqual({ v1: 100 });
  });

  it('a router that throws on setWeights is rolled back and reported as infrastructure (exit 3)', async () => {
    const router = new FakeRouter();
    router.failSetWeights = true;
    const { time, env } = setup(() => values(0), router);
    const result = await drive(time, runRollout(canarySpec(), env));
    expect(result.error).toBeInstanceOf(InfraError);
    expect(result.error?.message).toMatch(/connection refused by the router.*back on v1/s);
    expect(router.weights).toEqual({ v1: 100 });
  });

  it('when even the restore fails, exit 3 names the state the router is in', async () => {
    const router = new FakeRouter();
    const { time, env } = setup(() => values(0.5), router);
    // Splitting works; putting everything on one version (the rollback) fails.
    router.failSetRoute = true;
    const result = await drive(time, runRollout(canarySpec(), env));
    expect(result.error).toBeInstanceOf(InfraError);
    expect(result.error?.message).toMatch(
      /could not put traffic back on stable v1 \(router reload failed\): the fake router sends v1 90 %, v2 10 %/,
    );
  });

  it('a router that lies on read-back is caught (the change is not trusted)', async () => {
    const router = new FakeRouter();
    router.lie = { weights: { v1: 100 } };
    const { time, env } = setup(() => values(0), router);
    const result = await drive(time, runRollout(canarySpec(), env));
    expect(result.error?.message).toMatch(/reads back v1 100 % after sluice set v1 90 %, v2 10 %/);
  });

  it('an abort signal mid-pause puts traffic back on stable', async () => {
    const spec = parseRolloutSpec(
      `${HEADER}\nsteps:\n  - setWeight: 20\n  - pause: { duration: 10m }\n  - setWeight: 60\n`,
      'r.yml',
    );
    const { time, env, router, controller } = setup(() => values(0));
    const run = runRollout(spec, env);
    await time.advance(60_000);
    expect(router.weights).toEqual({ v1: 80, v2: 20 });
    controller.abort(new Error('SIGTERM'));
    const result = await drive(time, run);
    expect(result.outcome).toBe('aborted');
    expect(result.reason).toMatch(/cancelled \(SIGTERM\)/);
    expect(router.weights).toEqual({ v1: 100 });
    expect(result.error).toBeUndefined();
  });

  it('a re-run rolls back a rollout left half-done (onResume: rollback), then starts over', async () => {
    const router = new FakeRouter({ v1: 75, v2: 25 });
    const { time, env } = setup(() => values(0.001), router);
    const result = await drive(time, runRollout(canarySpec(), env));
    expect(result.notes.join()).toMatch(
      /left unfinished \(the fake router reads back v1 75 %, v2 25 %\): rolling it back/,
    );
    expect(weightsSet(router)[0]).toBe('setRoute v1');
    expect(result.outcome).toBe('promoted');
  });

  it('a re-run with onResume: finish goes on from the weight the router reads back', async () => {
    const router = new FakeRouter({ v1: 75, v2: 25 });
    const { time, env } = setup(() => values(0.001), router);
    const result = await drive(time, runRollout(canarySpec('onResume: finish'), env));
    expect(weightsSet(router)).toEqual(['setWeights {"v1":50,"v2":50}', 'setRoute v2']);
    expect(result.outcome).toBe('promoted');
  });

  it('the post: step (abort) rolls back an unfinished rollout and leaves a promoted one alone', async () => {
    const spec = parseRolloutSpec(
      `${HEADER}\nsteps:\n  - setWeight: 20\n  - pause: { duration: 10m }\n`,
      'r.yml',
    );
    const { time, env, router, controller } = setup(() => values(0));
    const run = runRollout(spec, env);
    await time.advance(1000);
    // The job is killed: the run never finishes its own cleanup.
    expect(router.weights).toEqual({ v1: 80, v2: 20 });
    const post = await abortRollout({ ...env, signal: new AbortController().signal });
    expect(post.outcome).toBe('aborted');
    expect(router.weights).toEqual({ v1: 100 });
    controller.abort(new Error('SIGKILL'));
    await drive(time, run);

    const promoted = setup(() => values(0));
    await drive(promoted.time, runRollout(spec, promoted.env));
    expect((await abortRollout(promoted.env)).outcome).toBe('nothing');
    expect(promoted.router.weights).toEqual({ v2: 100 });
  });

  it('a failing background analysis stops a pause and rolls back', async () => {
    const spec = parseRolloutSpec(
      `${HEADER}\nanalysis:\n  metrics:\n    - { name: error_rate, provider: prom, interval: 1m, failureCondition: { max: 0.05 } }\nsteps:\n  - setWeight: 10\n  - pause: { duration: 1h }\n`,
      'r.yml',
    );
    const { time, env, router } = setup((q, t) =>
      q.version === 'v2' && t.now().getTime() > Date.parse('2026-01-01T00:05:00Z')
        ? values(0.3)
        : values(0.01),
    );
    const result = await drive(time, runRollout(spec, env));
    expect(result.outcome).toBe('rolled-back');
    expect(result.reason).toMatch(/background analysis failed/);
    expect(time.now().getTime() - Date.parse('2026-01-01T00:00:00Z')).toBeLessThan(10 * 60_000);
    expect(router.weights).toEqual({ v1: 100 });
  });
});

describe('blue-green', () => {
  const bg = (post = 'successCondition: { max: 0.01 }') =>
    parseRolloutSpec(
      `${HEADER}\nstrategy: blue-green\nscaleDownDelay: 5m\npreviewAnalysis:\n  metrics:\n    - { name: error_rate, provider: prom, successCondition: { max: 0.01 } }\npostPromotionAnalysis:\n  metrics:\n    - { name: error_rate, provider: prom, interval: 1m, count: 3, ${post} }\n`,
      'bg.yml',
    );

  it('previews, switches all at once, keeps stable for the delay, promotes', async () => {
    const { time, env, router } = setup(() => values(0.001));
    const result = await drive(time, runRollout(bg(), env));
    expect(result.outcome).toBe('promoted');
    expect(weightsSet(router)).toEqual(['setRoute v2']);
    expect(time.now().getTime() - Date.parse('2026-01-01T00:00:00Z')).toBeGreaterThanOrEqual(
      5 * 60_000,
    );
  });

  it('a failing preview never switches', async () => {
    const { time, env, router } = setup((q) => (q.version === 'v2' ? values(0.5) : values(0)));
    const result = await drive(time, runRollout(bg(), env));
    expect(result.outcome).toBe('rolled-back');
    expect(weightsSet(router)).toEqual(['setRoute v1']);
    expect(router.weights).toEqual({ v1: 100 });
  });

  it('a failing post-promotion analysis switches back to stable', async () => {
    const { time, env, router } = setup((q) =>
      q.version === 'v2' && router.weights.v2 === 100 ? values(0.5) : values(0),
    );
    const result = await drive(time, runRollout(bg(), env));
    expect(result.outcome).toBe('rolled-back');
    expect(result.reason).toMatch(/post-promotion analysis failed/);
    expect(weightsSet(router)).toEqual(['setRoute v2', 'setRoute v1']);
    expect(router.weights).toEqual({ v1: 100 });
  });
});
