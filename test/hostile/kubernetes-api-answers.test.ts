/**
 * A hostile or broken "API server" on loopback: the Kubernetes routers bound what they read and
 * how long they wait, and every odd answer is exit 3 naming the server, never a hang or a crash.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfraError } from '../../src/core/errors.js';
import type { RouterDeps } from '../../src/clients/routers/config.js';
import { createTrafficRouter } from '../../src/clients/routers/index.js';

type Handler = (res: ServerResponse) => void;
let handler: Handler = (res) => res.end('{}');
let server: Server;
let url = '';
const deps: RouterDeps = {
  exec: { run: () => Promise.reject(new Error('no commands')) },
  logger: { debug() {}, info() {}, warn() {}, error() {}, group: (_t, run) => run() },
};

beforeAll(async () => {
  server = createServer((_req, res) => handler(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const router = () =>
  createTrafficRouter(
    {
      type: 'gateway-api',
      namespace: 'models',
      route: 'model',
      backends: { v1: 'model-v1', v2: 'model-v2' },
      server: url,
      timeoutMs: 1000,
    },
    deps,
  );

const route = (backendRefs: unknown) =>
  JSON.stringify({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'model', namespace: 'models', resourceVersion: '1' },
    spec: { rules: [{ backendRefs }] },
  });

async function infra(promise: Promise<unknown>): Promise<InfraError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InfraError);
  expect((error as InfraError).message.length).toBeLessThan(800);
  expect((error as InfraError).message).not.toMatch(/\n/);
  return error as InfraError;
}

describe('the Kubernetes routers against hostile API answers', () => {
  it('an answer that never comes: exit 3 after the timeout, naming the server', async () => {
    handler = () => {};
    const started = Date.now();
    const e = await infra(router().readBack());
    expect(e.message).toContain(url);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('an endless body is cut off', async () => {
    handler = (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      const pump = () => {
        while (res.write(chunk));
        res.once('drain', pump);
      };
      pump();
    };
    await infra(router().readBack());
  });

  it.each([
    ['HTML', '<html>\n<body>proxy login</body>'],
    ['a JSON array', '[1,2,3]'],
    ['weights that are strings', route([{ name: 'model-v1', weight: '90' }])],
    ['a negative weight', route([{ name: 'model-v1', weight: -1 }])],
    ['traffic to a backend sluice does not know', route([{ name: 'evil\n\u001b[31m', weight: 5 }])],
    ['no weight above 0', route([{ name: 'model-v1', weight: 0 }])],
  ])('%s: exit 3, bounded, one line', async (_what, body) => {
    handler = (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    };
    await infra(router().readBack());
  });

  it('a 500 with a huge multi-line message is quoted bounded, on one line', async () => {
    handler = (res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', message: `boom\n${'x'.repeat(100_000)}` }));
    };
    const e = await infra(router().setWeights({ v1: 90, v2: 10 }));
    expect(e.message).toContain('HTTP 500');
  });

  it('409 forever: gives up after the retries with exit 3', async () => {
    let patches = 0;
    server.removeAllListeners('request');
    server.on('request', (req, res) => {
      res.writeHead(req.method === 'PATCH' ? 409 : 200, { 'content-type': 'application/json' });
      if (req.method === 'PATCH') patches++;
      res.end(
        req.method === 'PATCH'
          ? JSON.stringify({ kind: 'Status', message: 'the object has been modified' })
          : route([
              { name: 'model-v1', weight: 100 },
              { name: 'model-v2', weight: 0 },
            ]),
      );
    });
    const e = await infra(router().setWeights({ v1: 90, v2: 10 }));
    expect(e.message).toMatch(/6 writes in a row answered 409/);
    expect(patches).toBe(6);
  });
});

describe('the argo-rollouts router against hostile Rollout objects', () => {
  const argo = () =>
    createTrafficRouter(
      {
        type: 'argo-rollouts',
        namespace: 'models',
        rollout: 'model',
        container: 'model',
        image: 'registry.test/model:{{version}}',
        deadlineMs: 1000,
        pollMs: 100,
        stable: 'v1',
        canary: 'v2',
        server: url,
        timeoutMs: 1000,
      },
      deps,
    );
  const answer = (rollout: unknown) => {
    server.removeAllListeners('request');
    server.on('request', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(rollout));
    });
  };
  const rollout = (status: unknown, spec: unknown = {}) => ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'model', namespace: 'models', generation: 2, resourceVersion: '1' },
    spec,
    status,
  });

  it.each([
    ['a phase that is an object', { phase: { $gt: 1 }, observedGeneration: '2' }],
    ['a phase no controller writes', { phase: 'Pwned\n\u001b[31m', observedGeneration: '2' }],
    ['a huge multi-line message', { phase: 'Progressing', message: `x\n${'y'.repeat(100_000)}` }],
    ['pause conditions that are a string', { phase: 'Paused', pauseConditions: 'yes' }],
    ['an observedGeneration that is an object', { phase: 'Healthy', observedGeneration: {} }],
    ['no status at all', null],
  ])('%s: waiting ends at the deadline with exit 3, bounded, one line', async (_what, status) => {
    answer(rollout(status));
    const e = await infra(argo().controller!.waitFor(['Paused', 'Healthy', 'Degraded']));
    expect(e.message).toMatch(/did not reach Paused or Healthy or Degraded within 1 s/);
  });

  it.each([
    ['a canary weight above 100', { canary: { weights: { canary: { weight: 1e9 } } } }, 20],
    ['a negative canary weight', { canary: { weights: { canary: { weight: -5 } } } }, 20],
    ['a canary weight that is a string', { canary: { weights: { canary: { weight: '50' } } } }, 20],
    ['a step index past the steps', { currentStepIndex: 1e9 }, 50],
    ['a step index that is a string', { currentStepIndex: '1' }, 0],
  ])('%s: the read-back stays a split sluice can trust', async (_what, extra, canary) => {
    const steps = [{ setWeight: 20 }, { pause: {} }, { setWeight: 'x' }, null, { setWeight: 50 }];
    answer(
      rollout(
        { phase: 'Paused', currentStepIndex: 1, ...extra },
        { strategy: { canary: { steps } } },
      ),
    );
    expect((await argo().readBack()).weights).toEqual({ v1: 100 - canary, v2: canary });
  });

  it('a pod template whose containers are not a list: exit 2 naming none', async () => {
    answer(rollout({}, { template: { spec: { containers: 'model' } } }));
    const error = await argo()
      .controller!.setImage('v2')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ exitCode: 2 });
    expect((error as Error).message).toMatch(/has no container "model" \(it has: none\)/);
  });

  it('an annotation recording a rollout in a shape sluice never writes is ignored', async () => {
    answer({
      ...rollout({ abort: true }),
      metadata: {
        name: 'model',
        annotations: { 'sluice.dev/rollout': JSON.stringify({ rollout: { step: '__proto__' } }) },
      },
    });
    const state = await argo().readBack();
    expect(state).toEqual({ weights: { v1: 100, v2: 0 } });
  });
});
