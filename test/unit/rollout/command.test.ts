import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rolloutCommand, rolloutPostCommand } from '../../../src/core/commands/rollout.js';
import type { CommandDeps } from '../../../src/core/commands/types.js';
import { InfraError } from '../../../src/core/errors.js';
import { renderReport } from '../../../src/core/report/render/index.js';
import { parseInputs } from '../../../src/inputs/parse.js';
import { rollout } from '../../../src/inputs/rollout.js';
import { runOnVirtualTime, VirtualTime } from '../support/virtual-time.js';
import { FakeProvider, FakeRouter, MemoryState, recordingLogger, values } from './fakes.js';
import { tempDir } from '../support/temp-dirs.js';

const SPEC = `stable: v1
canary: v2
router: { type: builtin, admin: "http://127.0.0.1:9901" }
analysis:
  metrics:
    - { name: error_rate, provider: { type: prometheus, url: "http://127.0.0.1:9090" }, interval: 30s, failureCondition: { max: 0.05 } }
steps:
  - setWeight: 10
  - pause: 1m
  - setWeight: 50
  - pause: 1m
`;

function deps(router: FakeRouter, errorRate: number, time: VirtualTime, state = new MemoryState()) {
  const dir = tempDir('rollout-');
  writeFileSync(path.join(dir, 'rollout.yml'), SPEC);
  const d = {
    logger: recordingLogger(),
    clock: time,
    sleep: time,
    run: { platform: 'local', cwd: dir },
    state,
    routers: async () => router,
    metrics: async () => new FakeProvider((q) => values(q.version === 'v2' ? errorRate : 0.001)),
  } as unknown as CommandDeps;
  return d;
}

const inputs = (raw: Record<string, string>) => parseInputs(rollout, (name) => raw[name], 'cli');

const drive = <T>(time: VirtualTime, p: Promise<T>): Promise<T> =>
  runOnVirtualTime(time, p, 10_000);

describe('sluice rollout', () => {
  it('a healthy canary: verdict pass, a timeline and a chart of weight and the metric', async () => {
    const time = new VirtualTime();
    const router = new FakeRouter();
    const d = deps(router, 0.001, time);
    const result = await drive(time, rolloutCommand(inputs({ spec: 'rollout.yml' }), d));
    expect(result.error).toBeUndefined();
    expect(result.report?.verdict).toBe('pass');
    expect(result.report?.outputs.outcome).toBe('promoted');
    const markdown = renderReport(result.report!, 'markdown', {});
    expect(markdown).toContain('xychart-beta');
    expect(markdown).toMatch(/error_rate/);
    expect(
      (d.logger as ReturnType<typeof recordingLogger>).lines.some((l) =>
        /rollout v2 \[step 1\] 10 %/.test(l),
      ),
    ).toBe(true);
  });

  it('a failing canary: verdict fail (exit 1), traffic on stable', async () => {
    const time = new VirtualTime();
    const router = new FakeRouter();
    const result = await drive(
      time,
      rolloutCommand(inputs({ spec: 'rollout.yml' }), deps(router, 0.2, time)),
    );
    expect(result.report?.verdict).toBe('fail');
    expect(result.error).toBeUndefined();
    expect(router.weights).toEqual({ v1: 100 });
  });

  it('inputs override the spec (steps), and a broken router is exit 3 after restoring', async () => {
    const time = new VirtualTime();
    const router = new FakeRouter();
    router.failSetWeights = true;
    const result = await drive(
      time,
      rolloutCommand(inputs({ spec: 'rollout.yml', steps: '30:1m' }), deps(router, 0, time)),
    );
    expect(result.error).toBeInstanceOf(InfraError);
    expect(router.calls[1]).toBe('setWeights {"v1":70,"v2":30}');
    expect(router.weights).toEqual({ v1: 100 });
  });

  it('the post step rolls back what its job left unfinished, and does nothing when nothing started', async () => {
    const time = new VirtualTime();
    const state = new MemoryState();
    const router = new FakeRouter({ v1: 90, v2: 10 });
    state.map.set(
      'rollout',
      JSON.stringify({
        id: 'x',
        strategy: 'canary',
        stable: 'v1',
        canary: 'v2',
        router: { type: 'builtin', admin: 'http://h' },
        step: 0,
        weights: { v1: 90, v2: 10 },
        status: 'running',
        updatedAt: '',
      }),
    );
    const post = await rolloutPostCommand(inputs({}), deps(router, 0, time, state));
    expect(post.report?.outputs.outcome).toBe('aborted');
    expect(router.weights).toEqual({ v1: 100 });
    const untouched = new FakeRouter({ v1: 50, v2: 50 });
    expect(await rolloutPostCommand(inputs({}), deps(untouched, 0, time))).toEqual({});
    expect(untouched.calls).toEqual([]);
  });

  it('the post step of a rollout that ended leaves its report, outputs and comment alone', async () => {
    const time = new VirtualTime();
    const state = new MemoryState();
    const progress = {
      id: 'x',
      strategy: 'canary',
      stable: 'v1',
      canary: 'v2',
      router: { type: 'builtin', admin: 'http://h' },
      step: 1,
      weights: { v1: 100 },
      updatedAt: '',
    };
    for (const status of ['rolled-back', 'promoted']) {
      state.map.set('rollout', JSON.stringify({ ...progress, status }));
      const router = new FakeRouter(status === 'promoted' ? { v2: 100 } : { v1: 100 });
      expect(await rolloutPostCommand(inputs({}), deps(router, 0, time, state))).toEqual({});
    }
  });
});

describe('provider endpoints', () => {
  it('a probe or replay without endpoints reaches the versions at the urls the spec gives them', async () => {
    const { withVersionEndpoints } = await import('../../../src/core/commands/rollout.js');
    const urls = { v1: 'http://127.0.0.1:8081', v2: 'http://127.0.0.1:8082' };
    const probe = { type: 'http-probe' as const, rate: 10, timeoutMs: 1000, endpoints: {} };
    expect(withVersionEndpoints(probe, urls)).toMatchObject({ endpoints: urls });
    // An explicit endpoint wins over the version's url.
    expect(
      withVersionEndpoints({ ...probe, endpoints: { v2: 'http://127.0.0.1:9999' } }, urls),
    ).toMatchObject({ endpoints: { v1: urls.v1, v2: 'http://127.0.0.1:9999' } });
    const prom = { type: 'prometheus' as const, url: 'http://127.0.0.1:9090' };
    expect(withVersionEndpoints(prom, urls)).toBe(prom);
  });

  it('the command hands the providers the versions and their urls', async () => {
    const time = new VirtualTime();
    const router = new FakeRouter();
    const d = deps(router, 0.001, time);
    writeFileSync(
      path.join(d.run.cwd, 'rollout.yml'),
      SPEC.replace('stable: v1', 'stable: { name: v1, url: "http://127.0.0.1:8081" }')
        .replace('canary: v2', 'canary: { name: v2, url: "http://127.0.0.1:8082" }')
        .replace(
          '{ type: prometheus, url: "http://127.0.0.1:9090" }',
          '{ type: http-probe, rate: 5 }',
        ),
    );
    const seen: unknown[] = [];
    const metrics = d.metrics!;
    d.metrics = async (config) => {
      seen.push(config);
      return metrics(config);
    };
    await drive(time, rolloutCommand(inputs({ spec: 'rollout.yml' }), d));
    expect(seen[0]).toMatchObject({
      type: 'http-probe',
      endpoints: { v1: 'http://127.0.0.1:8081', v2: 'http://127.0.0.1:8082' },
      versions: { stable: 'v1', canary: 'v2' },
    });
  });
});
