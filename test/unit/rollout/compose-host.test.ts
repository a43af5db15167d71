import { describe, expect, it } from 'vitest';
import { InfraError, UsageError } from '../../../src/core/errors.js';
import type { DeployHost, HostContainer } from '../../../src/core/ports.js';
import type { RolloutEnv } from '../../../src/core/rollout/engine.js';
import { runRolloutOnHost, UnhealthyServiceError } from '../../../src/core/rollout/host.js';
import { parseRolloutSpec } from '../../../src/core/rollout/spec.js';
import { VirtualTime } from '../support/virtual-time.js';
import {
  FakeProvider,
  FakeRouter,
  MemoryState,
  providerFactory,
  recordingLogger,
} from './fakes.js';

const DEPLOY = `deploy:
  type: compose
  files: [deploy/compose.yml]
  project: models
  service: model
  image: "acme/model:{{version}}"`;

const spec = (extra = '', deploy = DEPLOY) =>
  parseRolloutSpec(
    `stable: v1
canary: v2
router: { type: builtin, admin: "http://127.0.0.1:9901" }
steps:
  - setWeight: 50
${deploy}
${extra}`,
    'rollout.yml',
  );

/** A compose host in memory; its calls go into the router's log, so their order shows. */
class FakeHost implements DeployHost {
  readonly name = 'compose project models';
  readonly stableService = 'model';
  readonly canaryService = 'model-canary';
  readonly canaryImage = 'acme/model:v2';
  list: HostContainer[] = [
    { service: 'model', name: 'models-model-1', image: 'acme/model:v1', state: 'running' },
  ];
  failStart: Error | undefined;
  failUpdate: Error | undefined;
  constructor(private readonly log: string[]) {}
  async containers() {
    return this.list.map((c) => ({ ...c }));
  }
  async startCanary() {
    this.log.push('host startCanary');
    if (!this.list.some((c) => c.service === this.canaryService))
      this.list.push({
        service: this.canaryService,
        name: 'models-model-canary-1',
        image: this.canaryImage,
        state: this.failStart ? 'exited' : 'running',
      });
    if (this.failStart) throw this.failStart;
  }
  async removeCanary() {
    this.log.push('host removeCanary');
    this.list = this.list.filter((c) => c.service !== this.canaryService);
  }
  async updateStable() {
    this.log.push('host updateStable');
    if (this.failUpdate) throw this.failUpdate;
    for (const c of this.list) if (c.service === this.stableService) c.image = this.canaryImage;
  }
}

function setup(router = new FakeRouter()) {
  const time = new VirtualTime();
  const state = new MemoryState();
  const env: RolloutEnv = {
    router,
    providers: providerFactory(new FakeProvider(() => ({ noData: 'none' }))),
    clock: time,
    sleep: time,
    logger: recordingLogger(),
    state,
    signal: new AbortController().signal,
  };
  const host = new FakeHost(router.calls);
  return { env, host, router, state, time };
}

async function drive<T>(time: VirtualTime, run: Promise<T>): Promise<T> {
  let settled = false;
  const result = run.finally(() => {
    settled = true;
  });
  for (let t = 0; !settled && t < 3_600_000; t += 1000) await time.advance(1000);
  return result;
}

const writes = (calls: string[]) => calls.filter((c) => c !== 'readBack');

describe('the deploy: spec', () => {
  it('reads a compose host with its defaults: the canary service, the image for the canary, the override beside the first file', () => {
    expect(spec().deploy).toEqual({
      type: 'compose',
      files: ['deploy/compose.yml'],
      project: 'models',
      service: 'model',
      canaryService: 'model-canary',
      image: 'acme/model:v2',
      healthTimeoutMs: 120_000,
      override: 'deploy/compose.sluice.yml',
    });
  });

  it('reads the canary service, its ports, environment and health', () => {
    const deploy = spec(
      '',
      `deploy:
  type: compose
  files: compose.yml
  project: models
  service: model
  image: acme/model:fixed
  canary: { service: model-next, ports: ["127.0.0.1:8082:8080"], environment: { PORT: "8082" } }
  health: { canary: "http://127.0.0.1:8082/healthz", stable: "http://127.0.0.1:8081/healthz", timeout: 30s }
  override: /srv/models/sluice.yml`,
    ).deploy!;
    expect(deploy).toMatchObject({
      files: ['compose.yml'],
      canaryService: 'model-next',
      image: 'acme/model:fixed',
      canaryPorts: ['127.0.0.1:8082:8080'],
      canaryEnvironment: { PORT: '8082' },
      canaryHealthUrl: 'http://127.0.0.1:8082/healthz',
      stableHealthUrl: 'http://127.0.0.1:8081/healthz',
      healthTimeoutMs: 30_000,
      override: '/srv/models/sluice.yml',
    });
  });

  it('takes the canary image from the canary-image input', () => {
    const parsed = parseRolloutSpec(
      `stable: v1\ncanary: v2\nrouter: { type: builtin, admin: "http://127.0.0.1:9901" }\n${DEPLOY}\n`,
      'rollout.yml',
      { canaryImage: 'registry.example/model@sha256:abc' },
    );
    expect(parsed.deploy!.image).toBe('registry.example/model@sha256:abc');
  });

  it.each([
    ['project: "-p evil"', /deploy.project must be a compose project name/],
    ['service: "a b"', /deploy.service must be a compose service name/],
    ['image: "--privileged"', /is not an image reference/],
    ['canary: { ports: ["8082:8080; rm"] }', /not a published port/],
    ['canary: { service: model }', /must differ from deploy.service/],
    ['health: { timeout: 0s }', /must be above 0/],
    ['helth: {}', /helth/],
  ])('refuses %s with the key and a fix (exit 2)', (line, message) => {
    const key = line.split(':')[0]!;
    const deploy = DEPLOY.split('\n')
      .filter((l) => !l.trim().startsWith(`${key}:`))
      .concat(`  ${line}`)
      .join('\n');
    expect(() => spec('', deploy)).toThrow(UsageError);
    expect(() => spec('', deploy)).toThrow(message);
  });

  it('needs the image, and canary-image needs a compose host', () => {
    expect(() => spec('', DEPLOY.replace(/\n {2}image: .*/, ''))).toThrow(/deploy has no image/);
    expect(() =>
      parseRolloutSpec(
        'stable: v1\ncanary: v2\nrouter: { type: builtin, admin: "http://127.0.0.1:9901" }\n',
        'rollout.yml',
        { canaryImage: 'acme/model:v2' },
      ),
    ).toThrow(/canary-image is for a spec with a compose host/);
  });
});

describe('a rollout on a compose host', () => {
  it('starts the canary before any traffic moves, then promotes: stable updated, traffic back on it, canary removed', async () => {
    const { env, host, router } = setup();
    const result = await runRolloutOnHost(spec(), env, host);
    expect(result.outcome).toBe('promoted');
    expect(result.error).toBeUndefined();
    expect(writes(router.calls)).toEqual([
      'host startCanary',
      'setWeights {"v1":50,"v2":50}',
      'setRoute v2',
      'host updateStable',
      'setRoute v1',
      'host removeCanary',
    ]);
    expect(router.weights).toEqual({ v1: 100 });
    expect(host.list).toEqual([
      expect.objectContaining({ service: 'model', image: 'acme/model:v2' }),
    ]);
    expect(result.notes.at(-1)).toMatch(
      /containers now: models-model-1 \(service model, acme\/model:v2, running\)/,
    );
    expect(result.timeline.map((e) => e.event)).toContain(
      'removed the canary service model-canary',
    );
  });

  it('a failure mid-rollout: traffic on stable first, then the canary service removed', async () => {
    const { env, host, router } = setup();
    router.failSetWeights = true;
    const result = await runRolloutOnHost(spec(), env, host);
    expect(result.outcome).toBe('aborted');
    expect(result.error).toBeInstanceOf(InfraError);
    const calls = writes(router.calls);
    expect(calls.indexOf('host removeCanary')).toBeGreaterThan(calls.lastIndexOf('setRoute v1'));
    expect(host.list.map((c) => c.service)).toEqual(['model']);
  });

  it('keeps the canary service when the router cannot be put back on stable, and says what exists', async () => {
    const { env, host, router, time } = setup();
    // Splitting works; putting everything on one version (the rollback) fails.
    router.failSetRoute = true;
    const failingSpec = parseRolloutSpec(
      `stable: v1
canary: v2
router: { type: builtin, admin: "http://127.0.0.1:9901" }
providers: { p: { type: prometheus, url: "http://127.0.0.1:9090" } }
steps:
  - setWeight: 50
  - analysis: { metrics: [{ name: e, provider: p, query: up, successCondition: { max: 0 } }] }
${DEPLOY}
`,
      'rollout.yml',
    );
    const result = await drive(time, runRolloutOnHost(failingSpec, env, host));
    expect(result.error).toBeInstanceOf(InfraError);
    expect(router.weights).toEqual({ v1: 50, v2: 50 });
    expect(router.calls).not.toContain('host removeCanary');
    expect(result.notes.join('\n')).toMatch(/model-canary is left running/);
    expect(result.notes.at(-1)).toMatch(
      /models-model-canary-1 \(service model-canary, acme\/model:v2, running\)/,
    );
  });

  it('a canary that never becomes healthy is rolled back (exit 1) and removed; no weight ever moved', async () => {
    const { env, host, router } = setup();
    host.failStart = new UnhealthyServiceError('its container models-model-canary-1 exited');
    const result = await runRolloutOnHost(spec(), env, host);
    expect(result.outcome).toBe('rolled-back');
    expect(result.error).toBeUndefined();
    expect(result.reason).toMatch(
      /never became healthy: its container models-model-canary-1 exited/,
    );
    expect(writes(router.calls)).toEqual(['host startCanary', 'setRoute v1', 'host removeCanary']);
    expect(host.list.map((c) => c.service)).toEqual(['model']);
  });

  it('a canary compose cannot start is exit 3; no health signal at all is exit 2', async () => {
    const a = setup();
    a.host.failStart = new InfraError('compose up model-canary failed: port is already allocated');
    const infra = await runRolloutOnHost(spec(), a.env, a.host);
    expect(infra.error).toBeInstanceOf(InfraError);
    expect(infra.error!.message).toMatch(/all traffic is on v1.*model-canary is removed/);
    const b = setup();
    b.host.failStart = new UsageError('nothing tells sluice when the canary service is ready');
    expect((await runRolloutOnHost(spec(), b.env, b.host)).error).toBeInstanceOf(UsageError);
  });

  it('a re-run after a killed job: traffic back on stable, the leftover canary removed, then started again (onResume: rollback)', async () => {
    const { env, host, router } = setup(new FakeRouter({ v1: 50, v2: 50 }));
    host.list.push({
      service: 'model-canary',
      name: 'models-model-canary-1',
      image: 'acme/model:v2',
      state: 'running',
    });
    const result = await runRolloutOnHost(spec(), env, host);
    expect(result.outcome).toBe('promoted');
    expect(writes(router.calls).slice(0, 3)).toEqual([
      'setRoute v1',
      'host removeCanary',
      'host startCanary',
    ]);
    expect(result.notes.join('\n')).toMatch(
      /left by an earlier run.*removing it before starting again/,
    );
  });

  it('onResume: finish reuses a leftover canary running the same image', async () => {
    const { env, host, router } = setup(new FakeRouter({ v1: 50, v2: 50 }));
    host.list.push({
      service: 'model-canary',
      name: 'models-model-canary-1',
      image: 'acme/model:v2',
      state: 'running',
    });
    const result = await runRolloutOnHost(spec('onResume: finish'), env, host);
    expect(result.outcome).toBe('promoted');
    expect(writes(router.calls)[0]).toBe('host startCanary');
    expect(writes(router.calls).filter((c) => c === 'host removeCanary')).toHaveLength(1);
    expect(result.notes.join('\n')).toMatch(/reusing it \(onResume: finish\)/);
  });

  it('a failed stable update leaves traffic on the promoted canary (exit 3); a re-run finishes the promotion', async () => {
    const { env, host, router, state } = setup();
    host.failUpdate = new UnhealthyServiceError('not healthy within 120 s');
    const first = await runRolloutOnHost(spec(), env, host);
    expect(first.outcome).toBe('promoted');
    expect(first.error).toBeInstanceOf(InfraError);
    expect(first.error!.message).toMatch(
      /updating the stable service model to acme\/model:v2 failed.*the router sends v2 100 %/,
    );
    expect(router.weights).toEqual({ v2: 100 });
    expect(host.list.map((c) => c.service)).toContain('model-canary');

    host.failUpdate = undefined;
    router.calls.length = 0;
    const again = await runRolloutOnHost(spec(), { ...env, state }, host);
    expect(again.outcome).toBe('promoted');
    expect(again.error).toBeUndefined();
    expect(writes(router.calls)).toEqual(['host updateStable', 'setRoute v1', 'host removeCanary']);
    expect(router.weights).toEqual({ v1: 100 });
  });

  it('a re-run after promotion does nothing', async () => {
    const { env, host, router } = setup();
    host.list[0]!.image = 'acme/model:v2';
    const result = await runRolloutOnHost(spec(), env, host);
    expect(result.outcome).toBe('promoted');
    expect(writes(router.calls)).toEqual([]);
    expect(result.timeline[0]!.event).toMatch(/already runs acme\/model:v2.*nothing to do/);
  });
});
