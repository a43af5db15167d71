/**
 * The rollout's progress recorded on the router itself (the Kubernetes routers' annotation):
 * written at each step, read back by a re-run that has no state store, never a reason for traffic
 * to move when the write fails.
 */
import { describe, expect, it } from 'vitest';
import type { RecordedProgress, TrafficState } from '../../../src/core/ports.js';
import type { RolloutEnv } from '../../../src/core/rollout/engine.js';
import { runRollout } from '../../../src/core/rollout/run.js';
import { parseRolloutSpec } from '../../../src/core/rollout/spec.js';
import { VirtualTime } from '../support/virtual-time.js';
import {
  FakeProvider,
  FakeRouter,
  providerFactory,
  recordingLogger,
  values,
} from '../rollout/fakes.js';

class RecordingRouter extends FakeRouter {
  records: RecordedProgress[] = [];
  recorded: RecordedProgress | undefined;
  failRecord = false;
  async record(progress: RecordedProgress): Promise<void> {
    if (this.failRecord) throw new Error('HTTP 503 from the API server');
    this.records.push(progress);
    this.recorded = progress;
  }
  override async readBack(): Promise<TrafficState> {
    const state = await super.readBack();
    return this.recorded ? { ...state, recorded: this.recorded } : state;
  }
}

const spec = (extra = '') =>
  parseRolloutSpec(
    `stable: v1
canary: v2
router: { type: builtin, admin: "http://127.0.0.1:9901" }
providers:
  prom: { type: prometheus, url: "http://127.0.0.1:9090" }
templates:
  a: { metrics: [{ name: a, provider: prom, query: a, failureCondition: { max: 0.05 } }] }
  b: { metrics: [{ name: b, provider: prom, query: b, failureCondition: { max: 0.05 } }] }
steps:
  - setWeight: 50
  - analysis: a
  - analysis: b
${extra}`,
    'rollout.yml',
  );

async function run(router: RecordingRouter, extra = '') {
  const time = new VirtualTime();
  const provider = new FakeProvider(() => values(0));
  const logger = recordingLogger();
  const env: RolloutEnv = {
    router,
    providers: providerFactory(provider),
    clock: time,
    sleep: time,
    logger,
    // No state store: a re-run on another machine.
    signal: new AbortController().signal,
  };
  let settled = false;
  const result = runRollout(spec(extra), env).finally(() => (settled = true));
  for (let t = 0; !settled && t < 600_000; t += 1000) await time.advance(1000);
  return { result: await result, provider, logger };
}

const killedAtStep3: RecordedProgress = {
  id: 'v1→v2@2026-12-07T10:00:00.000Z',
  stable: 'v1',
  canary: 'v2',
  step: 2,
  status: 'running',
  updatedAt: '2026-12-07T10:00:05.000Z',
};

describe('the rollout recorded on the router', () => {
  it('is written at each step, ending promoted', async () => {
    const router = new RecordingRouter();
    const { result } = await run(router);
    expect(result.outcome).toBe('promoted');
    expect(router.records.map((r) => `${r.status}@${r.step}`)).toEqual([
      'running@0',
      'running@0',
      'running@1',
      'running@2',
      'running@3',
      'promoted@3',
    ]);
  });

  it('a failing record is a warning: the rollout goes on', async () => {
    const router = new RecordingRouter();
    router.failRecord = true;
    const { result, logger } = await run(router);
    expect(result.outcome).toBe('promoted');
    expect(logger.lines.join('\n')).toMatch(
      /could not record the rollout's progress on the fake router .*HTTP 503/,
    );
  });

  it('a re-run with no state store: onResume finish goes on from the recorded step', async () => {
    const router = new RecordingRouter({ v1: 50, v2: 50 });
    router.recorded = killedAtStep3;
    const { result, provider } = await run(router, 'onResume: finish\n');
    expect(result.outcome).toBe('promoted');
    expect(result.notes.join('\n')).toMatch(
      /the last run stopped at step 3 \(running\)\): finishing it from step 3/,
    );
    // Analysis a (step 2) is not run again; b (step 3) is.
    expect(provider.queries.map((q) => q.metric)).not.toContain('a');
    expect(provider.queries.map((q) => q.metric)).toContain('b');
  });

  it('a re-run with no state store and the traffic on stable still rolls back what the record says', async () => {
    const router = new RecordingRouter();
    router.recorded = killedAtStep3;
    const { result } = await run(router);
    expect(result.outcome).toBe('promoted');
    expect(result.notes.join('\n')).toMatch(
      /the last run stopped at step 3 \(running\)\): rolling it back before starting again/,
    );
  });

  it('a record of another canary is not resumed from', async () => {
    const router = new RecordingRouter({ v1: 50, v2: 50 });
    router.recorded = { ...killedAtStep3, canary: 'v0' };
    const { result } = await run(router, 'onResume: finish\n');
    expect(result.outcome).toBe('promoted');
    expect(result.notes.join('\n')).toMatch(/finishing it from step 2/);
  });
});
