import { createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InfraError, UsageError } from '../../../src/core/errors.js';
import type { RolloutEnv } from '../../../src/core/rollout/engine.js';
import { runRollout } from '../../../src/core/rollout/run.js';
import { parseRolloutSpec } from '../../../src/core/rollout/spec.js';
import { BuiltinTrafficRouter } from '../../../src/clients/routers/builtin/client.js';
import { connectionFor } from '../../../src/clients/routers/kubernetes/api.js';
import { tempDir } from '../support/temp-dirs.js';
import { VirtualTime } from '../support/virtual-time.js';
import {
  FakeProvider,
  FakeRouter,
  MemoryState,
  providerFactory,
  recordingLogger,
} from './fakes.js';

/** What the router clients say when they fail: the cause, and what to do, in the user's terms. */

const servers: Server[] = [];
const sockets: Socket[] = [];
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
});

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

async function infraError(run: () => Promise<unknown>): Promise<InfraError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(InfraError);
    return error as InfraError;
  }
  throw new Error('no error');
}

describe('router clients: errors', () => {
  it('the built-in router client names the cause of a refused connection and how to start the router', async () => {
    const port = await closedPort();
    const router = new BuiltinTrafficRouter(
      { type: 'builtin', admin: `http://127.0.0.1:${port}` },
      { logger: recordingLogger() },
    );
    const e = await infraError(() => router.readBack());
    expect(e.message).toMatch(
      `GET /state failed: connection refused: nothing listens on 127.0.0.1:${port}`,
    );
    expect(e.message).not.toMatch(/fetch failed/);
    expect(e.hint).toMatch(/sluice router serve/);
    expect(e.hint).not.toMatch(/startBuiltinRouter/);
    // The engine says "the <name> router": never "router … router".
    expect(`the ${router.name} router`).not.toMatch(/router\b.*\brouter\b/);
  });

  it('the built-in router client says when the admin API does not answer in time', async () => {
    const silent = createServer((socket) => void sockets.push(socket));
    servers.push(silent);
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    const { port } = silent.address() as { port: number };
    const router = new BuiltinTrafficRouter(
      { type: 'builtin', admin: `http://127.0.0.1:${port}`, timeoutMs: 200 },
      { logger: recordingLogger() },
    );
    const e = await infraError(() => router.readBack());
    expect(e.message).toMatch(`127.0.0.1:${port} sent no answer within 0.2 s`);
  });

  it('a missing kubeconfig says to set KUBECONFIG or give server: and tokenFile:', async () => {
    const home = tempDir('kube-home');
    try {
      await connectionFor({}, { kubeconfigFiles: [], home }, 'gateway-api httproute ml/m');
      throw new Error('no error');
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      const e = error as UsageError;
      expect(e.message).toBe(
        `gateway-api httproute ml/m: cannot read the kubeconfig ${path.join(home, '.kube', 'config')}: it does not exist (ENOENT)`,
      );
      expect(e.hint).toMatch(/set KUBECONFIG/);
      expect(e.hint).toMatch(/server: and tokenFile:/);
    }
  });

  it('a configuration error found before anything started is the error alone, no aborted report', async () => {
    class Misconfigured extends FakeRouter {
      override async readBack(): Promise<never> {
        this.calls.push('readBack');
        throw new UsageError('cannot read the kubeconfig /root/.kube/config: it does not exist');
      }
    }
    const time = new VirtualTime();
    const router = new Misconfigured();
    const env: RolloutEnv = {
      router,
      providers: providerFactory(new FakeProvider(() => ({ noData: 'none' }))),
      clock: time,
      sleep: time,
      logger: recordingLogger(),
      state: new MemoryState(),
      signal: new AbortController().signal,
    };
    const spec = parseRolloutSpec(
      'stable: v1\ncanary: v2\nrouter: { type: builtin, admin: "http://127.0.0.1:9901" }\n',
      'rollout.yml',
    );
    await expect(runRollout(spec, env)).rejects.toThrow(UsageError);
    expect(router.calls).toEqual(['readBack']);
  });
});
