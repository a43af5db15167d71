import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExecaExec } from '../../../src/clients/exec/execa-exec.js';
import type { HaproxyTrafficRouter } from '../../../src/clients/routers/haproxy.js';
import { runtimeCommand } from '../../../src/clients/routers/haproxy.js';
import { createTrafficRouter } from '../../../src/clients/routers/index.js';
import { InfraError, UsageError } from '../../../src/core/errors.js';
import type { TrafficRouter } from '../../../src/core/ports.js';
import { freePort, requireBinary, waitFor } from '../services/binaries.js';
import { runLoad } from '../services/load.js';
import type { ModelServer } from '../services/model-server.js';
import { startChurnServer } from './churn-model.js';
import { quietLogger } from './support.js';

let blue: ModelServer;
let green: ModelServer;
let haproxy: ChildProcess;
let dir: string;
let socket: string;
let tcpSocket: string;
let frontend: string;
let router: HaproxyTrafficRouter;

beforeAll(async () => {
  const binary = requireBinary('haproxy', 'scripts/install/routers.sh');
  [blue, green] = await Promise.all([startChurnServer('blue'), startChurnServer('green')]);
  dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-haproxy-'));
  socket = path.join(dir, 'admin.sock');
  const [port, adminPort] = [await freePort(), await freePort()];
  tcpSocket = `127.0.0.1:${adminPort}`;
  frontend = `http://127.0.0.1:${port}`;
  writeFileSync(
    path.join(dir, 'haproxy.cfg'),
    `global
  stats socket ${socket} level admin
  stats socket ipv4@${tcpSocket} level admin
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
frontend fe
  bind 127.0.0.1:${port}
  default_backend model
backend model
  balance roundrobin
  server blue 127.0.0.1:${blue.port} weight 100 check inter 500
  server green 127.0.0.1:${green.port} weight 100 check inter 500
`,
  );
  haproxy = spawn(binary, ['-db', '-f', path.join(dir, 'haproxy.cfg')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  router = createTrafficRouter(
    { type: 'haproxy', socket, backend: 'model', servers: { blue: 'blue', green: 'green' } },
    { exec: createExecaExec(), logger: quietLogger },
  ) as HaproxyTrafficRouter;
  // HAProxy marks servers down until their first check passes: wait for both UP.
  await waitFor(
    async () => (await router.servers()).every((server) => server.opState === 2),
    'HAProxy servers UP',
  );
});
afterAll(async () => {
  if (haproxy && haproxy.exitCode === null) {
    const exited = new Promise((resolve) => haproxy.once('exit', resolve));
    haproxy.kill('SIGTERM');
    await exited;
  }
  await Promise.all([blue?.stop(), green?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('HAProxy router over the runtime API', () => {
  it('says what it supports', () => {
    expect(router.capabilities).toEqual({ weights: true, mirror: false, headerRouting: false });
  });

  it('splits 90/10 over 2,000 requests within 2 points and reads it back', async () => {
    await router.setWeights({ blue: 90, green: 10 });
    expect(await router.readBack()).toEqual({ weights: { blue: 90, green: 10 } });
    const load = await runLoad({ url: frontend, total: 2000, concurrency: 16 });
    expect(load.failures).toEqual([]);
    expect(Math.abs(load.byVersion.green! - 200)).toBeLessThanOrEqual(40);
    console.log(`haproxy 90/10 over 2000: ${JSON.stringify(load.byVersion)}`);
  });

  it('switches all traffic at once under ~300 rps with no failed request', async () => {
    await router.setRoute('blue');
    const loading = runLoad({ url: frontend, durationMs: 3000, rate: 300, concurrency: 32 });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await router.setRoute('green');
    const load = await loading;
    expect(load.failures).toEqual([]);
    expect(load.retriedStale).toBeLessThanOrEqual(0);
    expect(load.sent).toBeGreaterThan(700);
    expect(new Set(load.sequence.slice(-200))).toEqual(new Set(['green']));
    expect(await router.readBack()).toEqual({ weights: { blue: 0, green: 100 } });
    console.log(
      `haproxy switch: sent ${load.sent}, failed ${load.failures.length}, retried after a reset ${load.retriedStale}, ${JSON.stringify(load.byVersion)}`,
    );
  });

  it('weight 0 sends nothing; a server an operator put in maintenance reads back as 0 and setWeights brings it back', async () => {
    await router.setWeights({ blue: 100, green: 0 });
    expect((await runLoad({ url: frontend, total: 100 })).byVersion).toEqual({ blue: 100 });
    await router.setWeights({ blue: 50, green: 50 });
    expect(await runtimeCommand(socket, 'set server model/green state maint', 2000)).toBe('\n');
    expect(await router.readBack()).toEqual({ weights: { blue: 100, green: 0 } });
    expect((await runLoad({ url: frontend, total: 50 })).byVersion).toEqual({ blue: 50 });
    await router.setWeights({ blue: 50, green: 50 });
    expect(await router.readBack()).toEqual({ weights: { blue: 50, green: 50 } });
  });

  it('reads back over a TCP runtime API too', async () => {
    const tcp = createTrafficRouter(
      {
        type: 'haproxy',
        socket: tcpSocket,
        backend: 'model',
        servers: { blue: 'blue', green: 'green' },
      },
      { exec: createExecaExec(), logger: quietLogger },
    );
    await tcp.setWeights({ blue: 30, green: 70 });
    expect(await router.readBack()).toEqual({ weights: { blue: 30, green: 70 } });
  });

  it('an unknown backend or server is an InfraError quoting HAProxy; names that could inject commands are refused', async () => {
    const wrong: TrafficRouter = createTrafficRouter(
      { type: 'haproxy', socket, backend: 'nope', servers: { blue: 'blue' } },
      { exec: createExecaExec(), logger: quietLogger },
    );
    await expect(wrong.readBack()).rejects.toThrow(InfraError);
    await expect(wrong.readBack()).rejects.toThrow(/show servers state nope/);
    const missing = createTrafficRouter(
      { type: 'haproxy', socket, backend: 'model', servers: { blue: 'blue', red: 'red' } },
      { exec: createExecaExec(), logger: quietLogger },
    );
    await expect(missing.setRoute('red')).rejects.toThrow(
      /set weight model\/red 100` was refused: No such server/,
    );
    expect(() =>
      createTrafficRouter(
        {
          type: 'haproxy',
          socket,
          backend: 'model',
          servers: { blue: 'blue; disable frontend fe' },
        },
        { exec: createExecaExec(), logger: quietLogger },
      ),
    ).toThrow(UsageError);
    await expect(router.setWeights({ blue: 33.5, green: 66.5 })).rejects.toThrow(/whole numbers/);
  });

  it('a socket nobody listens on is an InfraError naming it', async () => {
    const gone = createTrafficRouter(
      {
        type: 'haproxy',
        socket: path.join(dir, 'nothing.sock'),
        backend: 'model',
        servers: { blue: 'blue' },
      },
      { exec: createExecaExec(), logger: quietLogger },
    );
    await expect(gone.readBack()).rejects.toThrow(/nothing\.sock/);
  });
});
