import { describe, expect, it } from 'vitest';
import { InfraError, UsageError } from '../../../src/core/errors.js';
import type { MetricsQuery } from '../../../src/core/ports.js';
import type { RolloutEnv } from '../../../src/core/rollout/engine.js';
import type { RouterConfig } from '../../../src/core/rollout/model.js';
import { buildRolloutReport } from '../../../src/core/rollout/report.js';
import { abortRollout, runRollout } from '../../../src/core/rollout/run.js';
import { parseRolloutSpec, specFromInputs } from '../../../src/core/rollout/spec.js';
import { mirrorSupport } from '../../../src/core/rollout/spec-routers.js';
import { createTrafficRouter } from '../../../src/clients/routers/index.js';
import { VirtualTime } from '../support/virtual-time.js';
import {
  FakeProvider,
  MemoryState,
  MirrorRouter,
  providerFactory,
  recordingLogger,
  values,
  type Answer,
} from './fakes.js';

const HEADER = `
strategy: shadow
stable: v1
canary: v2
router: { type: builtin, admin: "http://127.0.0.1:9901" }
providers:
  prom: { type: prometheus, url: "http://127.0.0.1:9090" }
templates:
  errors:
    metrics:
      - { name: error_rate, provider: prom, interval: 30s, count: 3, successCondition: { max: 0.01 } }
`;

const shadowSpec = (shadow = 'shadow: { analysis: errors }', extra = '') =>
  parseRolloutSpec(`${HEADER}${shadow}\n${extra}`, 'rollout.yml');

function setup(answer: (q: MetricsQuery, t: VirtualTime) => Answer, router = new MirrorRouter()) {
  const time = new VirtualTime();
  const provider = new FakeProvider((q) => answer(q, time));
  const state = new MemoryState();
  const controller = new AbortController();
  const env: RolloutEnv = {
    router,
    providers: providerFactory(provider),
    clock: time,
    sleep: time,
    logger: recordingLogger(),
    state,
    signal: controller.signal,
    pollMs: 1000,
  };
  return { time, provider, state, controller, env, router };
}

async function drive<T>(time: VirtualTime, run: Promise<T>, stepMs = 1000): Promise<T> {
  let settled = false;
  const result = run.finally(() => {
    settled = true;
  });
  for (let t = 0; !settled && t < 24 * 3600_000; t += stepMs) await time.advance(stepMs);
  return result;
}

const changes = (router: MirrorRouter) => router.calls.filter((c) => c !== 'readBack');

function usageError(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('no error thrown');
}

describe('shadow spec', () => {
  it('reads shadow: with its defaults (1 minute, promote false, no steps)', () => {
    const spec = shadowSpec();
    expect(spec.strategy).toBe('shadow');
    expect(spec.shadow).toMatchObject({ durationMs: 60_000, promote: false });
    expect(spec.shadow?.analysis.metrics.map((m) => m.name)).toEqual(['error_rate']);
    expect(spec.steps).toEqual([]);
    const long = shadowSpec('shadow: { analysis: errors, duration: 5m, promote: true }');
    expect(long.shadow).toMatchObject({ durationMs: 300_000, promote: true });
  });

  it('a router that cannot mirror is exit 2 naming the router and the strategy', () => {
    const haproxy = HEADER.replace(
      /router: .*/,
      'router: { type: haproxy, socket: /run/h.sock, backend: model, servers: { v1: s1, v2: s2 } }',
    );
    const e = usageError(() =>
      parseRolloutSpec(`${haproxy}shadow: { analysis: errors }\n`, 'rollout.yml'),
    );
    expect(e.message).toMatch(/strategy shadow needs a router that can mirror: the haproxy router/);
    expect(e.place).toMatchObject({ file: 'rollout.yml', key: 'router', line: 5 });

    const nginx = (extra: string) =>
      HEADER.replace(
        /router: .*/,
        `router: { type: nginx, upstreamFile: /etc/nginx/up.conf, upstream: model, servers: { v1: "127.0.0.1:1", v2: "127.0.0.1:2" }${extra} }`,
      ) + 'shadow: { analysis: errors }\n';
    expect(usageError(() => parseRolloutSpec(nginx(''), 'r.yml')).message).toMatch(
      /nginx router mirrors only with mirrorFile/,
    );
    expect(parseRolloutSpec(nginx(', mirrorFile: /etc/nginx/mirror.conf'), 'r.yml').strategy).toBe(
      'shadow',
    );
    // The strategy input over a spec whose router cannot mirror.
    const canaryOnHaproxy = haproxy.replace('strategy: shadow', 'strategy: canary');
    expect(
      usageError(() =>
        parseRolloutSpec(`${canaryOnHaproxy}shadow: { analysis: errors }\n`, 'r.yml', {
          strategy: 'shadow',
        }),
      ).message,
    ).toMatch(/haproxy router cannot mirror/);
  });

  it('mirrorSupport agrees with what each router client says it can do', () => {
    const deps = { exec: (async () => ({})) as never, logger: recordingLogger() };
    const configs: RouterConfig[] = [
      { type: 'builtin', admin: 'http://127.0.0.1:9901' },
      {
        type: 'nginx',
        upstreamFile: '/tmp/u.conf',
        upstream: 'model',
        servers: { v1: '127.0.0.1:1', v2: '127.0.0.1:2' },
      },
      {
        type: 'nginx',
        upstreamFile: '/tmp/u.conf',
        upstream: 'model',
        servers: { v1: '127.0.0.1:1', v2: '127.0.0.1:2' },
        mirrorFile: '/tmp/m.conf',
      },
      { type: 'haproxy', socket: '/tmp/h.sock', backend: 'model', servers: { v1: 's1', v2: 's2' } },
      {
        type: 'gateway-api',
        server: 'https://127.0.0.1:6443',
        namespace: 'ml',
        route: 'model',
        backends: { v1: 'm1', v2: 'm2' },
      },
      {
        type: 'service-switch',
        server: 'https://127.0.0.1:6443',
        namespace: 'ml',
        service: 'model',
        selectorKey: 'version',
        deployments: { v1: 'm1', v2: 'm2' },
      },
      {
        type: 'kserve',
        server: 'https://127.0.0.1:6443',
        namespace: 'ml',
        inferenceService: 'model',
        stable: 'v1',
        canary: 'v2',
      },
    ];
    for (const config of configs) {
      const router = createTrafficRouter(config, deps);
      expect(mirrorSupport(config) === undefined, config.type).toBe(router.capabilities.mirror);
      expect(router.setMirror !== undefined || !router.capabilities.mirror).toBe(true);
    }
  });

  it('every misplaced or missing shadow key is exit 2 naming it', () => {
    const cases: [string, RegExp][] = [
      ['', /strategy shadow needs a shadow: block/],
      ['shadow: { duration: 1m }', /shadow has no analysis/],
      ['shadow: { analysis: errors, promote: yes please }', /shadow.promote must be true or false/],
      ['shadow: { analysis: errors, mirrorWeight: 50 }', /mirrorWeight/],
      [
        'shadow: { analysis: errors }\nsteps: [{ setWeight: 10 }]',
        /only with shadow.promote: true/,
      ],
      ['shadow: { analysis: errors }\nanalysis: errors', /background analysis of canary steps/],
      [
        'shadow: { analysis: errors, promote: true }\nanalysis: errors',
        /background analysis of canary steps/,
      ],
      [
        'shadow: { analysis: errors }\npreviewAnalysis: errors',
        /previewAnalysis is for the blue-green/,
      ],
    ];
    for (const [text, message] of cases) {
      expect(usageError(() => shadowSpec(text)).message, text).toMatch(message);
    }
    expect(
      usageError(() =>
        parseRolloutSpec(
          `${HEADER.replace('strategy: shadow', 'strategy: canary')}shadow: { analysis: errors }\n`,
          'r.yml',
        ),
      ).message,
    ).toMatch(/shadow: is for strategy: shadow/);
    expect(
      usageError(() =>
        specFromInputs({
          strategy: 'shadow',
          router: { type: 'builtin', admin: 'http://127.0.0.1:9901' },
          stable: 'v1',
          canary: 'v2',
        }),
      ).message,
    ).toMatch(/strategy shadow needs a spec file/);
  });
});

describe('shadow rollout', () => {
  it('mirrors to the canary with weights on stable throughout, passes, mirror off (read back)', async () => {
    const { time, env, router, state } = setup(() => values(0.001));
    const result = await drive(time, runRollout(shadowSpec(), env));
    expect(result.outcome).toBe('passed');
    expect(result.error).toBeUndefined();
    // Never a weight change: only the mirror on, then off, each read back.
    expect(changes(router)).toEqual(['setMirror v2', 'setMirror off']);
    router.calls.forEach((c, i) => {
      if (c !== 'readBack') expect(router.calls[i + 1]).toBe('readBack');
    });
    expect(router.weights).toEqual({ v1: 100 });
    expect(router.mirror).toBeUndefined();
    expect(result.finalState).toEqual({ weights: { v1: 100 } });
    expect(JSON.parse(state.map.get('rollout')!)).toMatchObject({ status: 'passed' });
    // The timeline shows the shadow phase: mirror on, measurements, mirror off.
    const shadowEntries = result.timeline.filter((e) => e.step === 'shadow');
    expect(shadowEntries[0]?.event).toMatch(
      /mirroring a copy of every request to v2.*users get v1/,
    );
    expect(shadowEntries.filter((e) => e.measurement).length).toBe(3);
    expect(shadowEntries.filter((e) => e.measurement).every((e) => e.mirror === 'v2')).toBe(true);
    expect(shadowEntries.every((e) => e.weight === 0)).toBe(true);
    expect(result.timeline.at(-1)?.mirror).toBeUndefined();
    const report = buildRolloutReport(result, 'r');
    expect(report.verdict).toBe('pass');
    expect(report.outputs).toMatchObject({ outcome: 'passed', promoted: 'false' });
    expect(report.summary).toMatch(/v2 passed the shadow analysis.*Users got v1's answers/);
  });

  it('a canary failing the shadow analysis: exit 1, mirror off, traffic never moved', async () => {
    const { time, env, router } = setup((q) => (q.version === 'v2' ? values(0.2) : values(0)));
    const result = await drive(time, runRollout(shadowSpec(), env));
    expect(result.outcome).toBe('rolled-back');
    expect(result.error).toBeUndefined();
    expect(result.reason).toMatch(/shadow analysis failed: error_rate/);
    expect(changes(router)).toEqual([
      'setMirror v2',
      'setMirror off',
      'setRoute v1',
      'setMirror off',
    ]);
    expect(router.mirror).toBeUndefined();
    expect(router.weights).toEqual({ v1: 100 });
    expect(buildRolloutReport(result, 'r').verdict).toBe('fail');
  });

  it('metrics without a count end at shadow.duration', async () => {
    const { time, env } = setup(() => values(0));
    const spec = shadowSpec(
      'shadow:\n  duration: 5m\n  analysis: { metrics: [{ name: error_rate, provider: prom, interval: 1m, successCondition: { max: 0.01 } }] }',
    );
    const result = await drive(time, runRollout(spec, env));
    expect(result.outcome).toBe('passed');
    expect(result.timeline.filter((e) => e.measurement).length).toBe(5);
    expect(time.now().getTime() - Date.parse('2026-01-01T00:00:00Z')).toBeLessThan(6 * 60_000);
  });

  it('promote: true without steps switches all traffic at once after the shadow phase', async () => {
    const { time, env, router } = setup(() => values(0));
    const result = await drive(
      time,
      runRollout(shadowSpec('shadow: { analysis: errors, promote: true }'), env),
    );
    expect(result.outcome).toBe('promoted');
    expect(changes(router)).toEqual(['setMirror v2', 'setMirror off', 'setRoute v2']);
  });

  it('promote: true with steps goes on to the canary steps (and their background analysis)', async () => {
    const { time, env, router } = setup(() => values(0));
    const result = await drive(
      time,
      runRollout(
        shadowSpec(
          'shadow: { analysis: errors, promote: true }',
          'analysis: errors\nsteps: [{ setWeight: 20 }, { pause: 2m }]',
        ),
        env,
      ),
    );
    expect(result.outcome).toBe('promoted');
    expect(changes(router)).toEqual([
      'setMirror v2',
      'setMirror off',
      'setWeights {"v1":80,"v2":20}',
      'setRoute v2',
    ]);
    expect(result.analyses.map((a) => a.label)).toEqual(['shadow analysis', 'background analysis']);
  });

  it('SIGTERM mid-shadow: mirror off, traffic on stable, aborted', async () => {
    const { time, env, router, controller } = setup(() => values(0));
    const run = runRollout(shadowSpec(), env);
    await time.advance(40_000);
    expect(router.mirror).toBe('v2');
    controller.abort(new Error('SIGTERM'));
    const result = await drive(time, run);
    expect(result.outcome).toBe('aborted');
    expect(result.reason).toMatch(/cancelled \(SIGTERM\)/);
    expect(router.mirror).toBeUndefined();
    expect(router.weights).toEqual({ v1: 100 });
  });

  it('a mirror that cannot be switched off is exit 3 saying the router still mirrors', async () => {
    const router = new MirrorRouter();
    router.failMirrorOff = true;
    const { time, env } = setup(() => values(0), router);
    const result = await drive(time, runRollout(shadowSpec(), env));
    expect(result.error).toBeInstanceOf(InfraError);
    expect(result.error?.message).toMatch(
      /could not put traffic back on stable v1 with mirroring off.*the fake router sends v1 100 %, mirroring to v2/,
    );
  });

  it('weights moved by someone else during the shadow phase: exit 3, restored', async () => {
    const { time, env, router } = setup((q) => {
      // Another process splits traffic while sluice mirrors.
      if (q.version === 'v2') router.weights = { v1: 50, v2: 50 };
      return values(0);
    });
    const result = await drive(time, runRollout(shadowSpec(), env));
    expect(result.outcome).toBe('aborted');
    expect(result.error).toBeInstanceOf(InfraError);
    expect(result.error?.message).toMatch(
      /end of the shadow phase the fake router reads back v1 50 %, v2 50 %, mirroring to v2.*users may have got answers from v2/,
    );
    expect(router.weights).toEqual({ v1: 100 });
    expect(router.mirror).toBeUndefined();
  });

  it('a re-run finding a mirror left on switches it off, then starts over', async () => {
    const router = new MirrorRouter();
    router.mirror = 'v2';
    const { time, env } = setup(() => values(0), router);
    const result = await drive(time, runRollout(shadowSpec(), env));
    expect(result.notes.join()).toMatch(/left unfinished \(.*mirroring to v2\): rolling it back/);
    expect(changes(router).slice(0, 2)).toEqual(['setRoute v1', 'setMirror off']);
    expect(result.outcome).toBe('passed');
  });

  it('the post: step (abort) of a killed shadow job switches the mirror off', async () => {
    const { time, env, router, controller } = setup(() => values(0));
    const run = runRollout(shadowSpec(), env);
    await time.advance(1000);
    expect(router.mirror).toBe('v2');
    const post = await abortRollout({ ...env, signal: new AbortController().signal });
    expect(post.outcome).toBe('aborted');
    expect(post.message).toMatch(/all traffic is on v1 \(read back: v1 100 %\)/);
    expect(router.mirror).toBeUndefined();
    controller.abort(new Error('SIGKILL'));
    await drive(time, run);
  });
});
