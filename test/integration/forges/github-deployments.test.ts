import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGitHubDeployments } from '../../../src/clients/github/deployments.js';
import { rolloutCommand } from '../../../src/core/commands/rollout.js';
import type { CommandDeps } from '../../../src/core/commands/types.js';
import { UsageError } from '../../../src/core/errors.js';
import { parseInputs } from '../../../src/inputs/parse.js';
import { rollout } from '../../../src/inputs/rollout.js';
import { assertGitHubRequest, recordRequests } from '../../unit/clients/openapi.js';
import {
  FakeProvider,
  FakeRouter,
  MemoryState,
  MirrorRouter,
  recordingLogger,
  values,
} from '../../unit/rollout/fakes.js';
import { VirtualTime } from '../../unit/support/virtual-time.js';
import { tempDir } from '../../unit/support/temp-dirs.js';

const origin = 'https://ghe.test';
const base = '/api/v3';
const token = 'ghs_SECRETdeployToken1234567890';
const sha = 'a'.repeat(40);
const runUrl = 'https://ghe.test/acme/models/actions/runs/42';
const deploymentsPath = `${base}/repos/acme/models/deployments`;
const statusesPath = `${deploymentsPath}/17/statuses`;

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

function deps(router: FakeRouter, errorRate: number, time: VirtualTime) {
  const dir = tempDir('deployments-');
  writeFileSync(path.join(dir, 'rollout.yml'), SPEC);
  const logger = recordingLogger();
  const d: CommandDeps = {
    logger,
    clock: time,
    sleep: time,
    run: { platform: 'github', cwd: dir, commit: { sha }, runUrl },
    state: new MemoryState(),
    routers: async () => router,
    metrics: async () => new FakeProvider((q) => values(q.version === 'v2' ? errorRate : 0.001)),
    deployments: async (request: { token: string | undefined }) => ({
      deployments: await createGitHubDeployments({
        token: request.token ?? '',
        owner: 'acme',
        repo: 'models',
        runUrl,
        baseUrl: `${origin}${base}`,
        retryDelayUnitMs: 0,
        throttle: false,
        retries: 0,
      }),
    }),
  } as unknown as CommandDeps;
  return { deps: d, logger };
}

const inputs = (raw: Record<string, string>) => parseInputs(rollout, (name) => raw[name], 'action');

/** Moves virtual time while the rollout runs, letting real I/O (the mocked API) happen between steps. */
async function drive<T>(time: VirtualTime, p: Promise<T>): Promise<T> {
  let done = false;
  void p.finally(() => (done = true)).catch(() => undefined);
  for (let i = 0; i < 5000 && !done; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    await time.advance(10_000);
  }
  return p;
}

/** The mocked API: one deployment (id 17) and its statuses; every request checked against GitHub's OpenAPI description. */
function github(deploymentStatus = 201) {
  const scope = nock(origin)
    .post(deploymentsPath)
    .reply(
      deploymentStatus,
      deploymentStatus === 201
        ? { id: 17, sha, environment: 'production' }
        : { message: 'Resource not accessible by integration' },
    )
    .post(statusesPath)
    .times(2)
    .reply(201, { id: 1 });
  const seen = recordRequests(scope);
  return { scope, seen };
}

const given = {
  spec: 'rollout.yml',
  environment: 'production',
  'environment-url': 'https://models.example.com',
  token,
};

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('GitHub Deployments of a rollout', () => {
  it('a promoted rollout: a deployment of the commit, in_progress then success, with the URLs', async () => {
    const { scope, seen } = github();
    const time = new VirtualTime();
    const router = new FakeRouter();
    const { deps: d } = deps(router, 0.001, time);
    const result = await drive(time, rolloutCommand(inputs(given), d));
    expect(result.error).toBeUndefined();
    expect(result.report?.verdict).toBe('pass');
    expect(router.weights).toEqual({ v2: 100 });
    expect(scope.isDone()).toBe(true);

    for (const request of seen) assertGitHubRequest(request, base);
    expect(seen.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST ${deploymentsPath}`,
      `POST ${statusesPath}`,
      `POST ${statusesPath}`,
    ]);
    expect(seen[0]!.body).toEqual({
      ref: sha,
      environment: 'production',
      description: 'canary of v2 against v1',
      auto_merge: false,
      required_contexts: [],
      transient_environment: false,
    });
    expect(seen.slice(1).map((r) => r.body)).toEqual([
      {
        state: 'in_progress',
        description: 'canary of v2 against v1: rolling out',
        environment_url: 'https://models.example.com',
        log_url: runUrl,
      },
      {
        state: 'success',
        description: 'v2 promoted: all traffic on it',
        environment_url: 'https://models.example.com',
        log_url: runUrl,
      },
    ]);
    expect(JSON.stringify(seen)).not.toContain(token);
  });

  it('a rolled-back rollout: in_progress then failure with the reason; exit as the analysis says', async () => {
    const { scope, seen } = github();
    const time = new VirtualTime();
    const router = new FakeRouter();
    const { deps: d } = deps(router, 0.2, time);
    const result = await drive(time, rolloutCommand(inputs(given), d));
    expect(result.report?.verdict).toBe('fail');
    expect(result.error).toBeUndefined();
    expect(router.weights).toEqual({ v1: 100 });
    expect(scope.isDone()).toBe(true);
    for (const request of seen) assertGitHubRequest(request, base);
    const states = seen.slice(1).map((r) => r.body as { state: string; description: string });
    expect(states.map((s) => s.state)).toEqual(['in_progress', 'failure']);
    expect(states[1]!.description).toMatch(/^rolled back: .*error_rate/);
    expect(states[1]!.description.length).toBeLessThanOrEqual(140);
    // Only this deployment's statuses: the earlier deployment to the environment is not touched.
    expect(
      seen.filter((r) => r.path.includes('/statuses')).every((r) => r.path === statusesPath),
    ).toBe(true);
  });

  it('a shadow rollout that passed: in_progress then inactive (nothing of it is live), exit 0', async () => {
    const { scope, seen } = github();
    const time = new VirtualTime();
    const router = new MirrorRouter();
    const { deps: d } = deps(router, 0.001, time);
    const dir = (d.run as { cwd: string }).cwd;
    writeFileSync(
      path.join(dir, 'rollout.yml'),
      `strategy: shadow
stable: v1
canary: v2
router: { type: builtin, admin: "http://127.0.0.1:9901" }
shadow:
  analysis:
    metrics:
      - { name: error_rate, provider: { type: prometheus, url: "http://127.0.0.1:9090" }, interval: 30s, count: 2, failureCondition: { max: 0.05 } }
`,
    );
    try {
      const result = await drive(time, rolloutCommand(inputs(given), d));
      expect(result.error).toBeUndefined();
      expect(result.report?.verdict).toBe('pass');
      expect(result.report?.outputs).toMatchObject({ outcome: 'passed', promoted: 'false' });
      expect(router.weights).toEqual({ v1: 100 });
      expect(router.mirror).toBeUndefined();
      expect(scope.isDone()).toBe(true);
      for (const request of seen) assertGitHubRequest(request, base);
      const states = seen.slice(1).map((r) => r.body as { state: string; description: string });
      expect(states.map((s) => s.state)).toEqual(['in_progress', 'inactive']);
      expect(states[0]!.description).toBe('shadow of v2 against v1: rolling out');
      expect(states[1]!.description).toMatch(/^v2 passed the shadow analysis, not promoted/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a token without deployments: write is a warning naming the permission; the rollout runs and exits as the analysis says', async () => {
    for (const [errorRate, verdict, weights] of [
      [0.001, 'pass', { v2: 100 }],
      [0.2, 'fail', { v1: 100 }],
    ] as const) {
      const scope = nock(origin)
        .post(deploymentsPath)
        .reply(403, { message: 'Resource not accessible by integration' });
      const time = new VirtualTime();
      const router = new FakeRouter();
      const { deps: d, logger } = deps(router, errorRate, time);
      const result = await drive(time, rolloutCommand(inputs(given), d));
      expect(scope.isDone()).toBe(true);
      expect(result.error).toBeUndefined();
      expect(result.report?.verdict).toBe(verdict);
      expect(router.weights).toEqual(weights);
      const warnings = logger.lines.filter((l) => l.startsWith('warn '));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('deployments: write');
      expect(result.report?.notes).toContainEqual(
        expect.objectContaining({
          level: 'warning',
          text: expect.stringContaining('deployments: write') as string,
        }),
      );
      expect(logger.lines.join('\n')).not.toContain(token);
      nock.cleanAll();
    }
  });

  it('a status GitHub refuses at the end is a warning too: the rollout’s verdict stands', async () => {
    const scope = nock(origin)
      .post(deploymentsPath)
      .reply(201, { id: 17 })
      .post(statusesPath)
      .reply(201, { id: 1 })
      .post(statusesPath)
      .reply(502, { message: 'bad gateway' });
    const time = new VirtualTime();
    const { deps: d, logger } = deps(new FakeRouter(), 0.001, time);
    const result = await drive(time, rolloutCommand(inputs(given), d));
    expect(scope.isDone()).toBe(true);
    expect(result.report?.verdict).toBe('pass');
    expect(result.error).toBeUndefined();
    expect(logger.lines.filter((l) => l.startsWith('warn '))).toEqual([
      expect.stringMatching(/could not be marked success: .*502/),
    ]);
  });

  it('without `environment` no deployment is asked for; a malformed URL is exit 2 before traffic moves', async () => {
    const time = new VirtualTime();
    const router = new FakeRouter();
    const { deps: d } = deps(router, 0.001, time);
    // disableNetConnect: any request would fail the rollout's deployment with a warning.
    const plain = await drive(time, rolloutCommand(inputs({ spec: 'rollout.yml', token }), d));
    expect(plain.report?.notes.filter((n) => n.level === 'warning')).toEqual([]);

    const bad = new FakeRouter();
    const error = await rolloutCommand(
      inputs({ ...given, 'environment-url': 'javascript:alert(1)' }),
      deps(bad, 0.001, new VirtualTime()).deps,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain('environment-url');
    expect(bad.calls).toEqual([]);
  });

  it('an environment name GitLab would refuse is exit 2 on every platform', () => {
    expect(() => inputs({ ...given, environment: '/production' })).toThrow(UsageError);
    expect(() => inputs({ ...given, environment: 'prod;rm' })).toThrow(UsageError);
    expect(inputs({ ...given, environment: 'review/feature-1' }).environment).toBe(
      'review/feature-1',
    );
  });
});
