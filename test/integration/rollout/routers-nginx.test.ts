import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExecaExec } from '../../../src/clients/exec/execa-exec.js';
import type { NginxRouterConfig } from '../../../src/clients/routers/config.js';
import { createTrafficRouter } from '../../../src/clients/routers/index.js';
import { renderMirrorFile, renderUpstreamFile } from '../../../src/clients/routers/nginx.js';
import { InfraError } from '../../../src/core/errors.js';
import type { TrafficRouter } from '../../../src/core/ports.js';
import { freePort, requireBinary, waitFor } from '../services/binaries.js';
import { runLoad } from '../services/load.js';
import type { ModelServer } from '../services/model-server.js';
import { startChurnServer } from './churn-model.js';
import { quietLogger, servedBy } from './support.js';

let blue: ModelServer;
let green: ModelServer;
let nginx: ChildProcess;
let dir: string;
let frontend: string;
let config: NginxRouterConfig;
let router: TrafficRouter;
let mainConf: string;
const deps = () => ({ exec: createExecaExec(), logger: quietLogger });

beforeAll(async () => {
  const binary = requireBinary('nginx', 'scripts/install/routers.sh');
  [blue, green] = await Promise.all([startChurnServer('blue'), startChurnServer('green')]);
  dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-nginx-'));
  mkdirSync(path.join(dir, 'logs'));
  mkdirSync(path.join(dir, 'tmp'));
  const port = await freePort();
  frontend = `http://127.0.0.1:${port}`;
  mainConf = path.join(dir, 'nginx.conf');
  config = {
    type: 'nginx',
    upstreamFile: path.join(dir, 'upstream.conf'),
    mirrorFile: path.join(dir, 'mirror.conf'),
    upstream: 'model',
    servers: { blue: `127.0.0.1:${blue.port}`, green: `127.0.0.1:${green.port}` },
    prefix: dir,
    conf: mainConf,
    reload: [binary, '-p', dir, '-c', mainConf, '-s', 'reload'],
    test: [binary, '-p', dir, '-c', mainConf, '-t', '-q'],
  };
  writeFileSync(
    config.upstreamFile,
    renderUpstreamFile(config, { blue: 100, green: 0 }, undefined, 1),
  );
  writeFileSync(config.mirrorFile!, renderMirrorFile('model', undefined));
  writeFileSync(
    mainConf,
    `daemon off;
worker_processes 1;
pid ${dir}/logs/nginx.pid;
error_log ${dir}/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  include ${config.upstreamFile};
  server {
    listen 127.0.0.1:${port};
    include ${config.mirrorFile};
    location / {
      proxy_pass http://model;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`,
  );
  nginx = spawn(binary, ['-p', dir, '-c', mainConf, '-e', path.join(dir, 'logs/error.log')], {
    stdio: 'ignore',
  });
  await waitFor(async () => (await fetch(`${frontend}/healthz`)).ok, 'nginx');
  router = createTrafficRouter(config, deps());
});
afterAll(async () => {
  if (nginx && nginx.exitCode === null) {
    const exited = new Promise((resolve) => nginx.once('exit', resolve));
    nginx.kill('SIGQUIT');
    await exited;
  }
  await Promise.all([blue?.stop(), green?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('nginx router on a real nginx', () => {
  it('says what it supports', () => {
    expect(router.capabilities).toEqual({ weights: true, mirror: true, headerRouting: false });
  });

  it('splits 90/10 over 2,000 requests and reads back what nginx loaded', async () => {
    await router.setWeights({ blue: 90, green: 10 });
    expect(await router.readBack()).toEqual({ weights: { blue: 90, green: 10 } });
    expect(readFileSync(config.upstreamFile, 'utf8')).toMatch(/weight=90;.*\n.*weight=10;/);
    const load = await runLoad({ url: frontend, total: 2000, concurrency: 16 });
    expect(load.failures).toEqual([]);
    expect(Math.abs(load.byVersion.green! - 200)).toBeLessThanOrEqual(40);
    console.log(`nginx 90/10 over 2000: ${JSON.stringify(load.byVersion)}`);
  });

  it('writes a version without traffic as `down` (nginx refuses weight=0)', async () => {
    await router.setRoute('blue');
    expect(readFileSync(config.upstreamFile, 'utf8')).toMatch(/down; # version green/);
    expect((await runLoad({ url: frontend, total: 50 })).byVersion).toEqual({ blue: 50 });
  });

  it('switches all traffic with a graceful reload under ~300 rps with no failed request', async () => {
    await router.setRoute('blue');
    const loading = runLoad({ url: frontend, durationMs: 3000, rate: 300, concurrency: 32 });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await router.setRoute('green');
    const load = await loading;
    expect(load.failures).toEqual([]);
    expect(load.retriedStale).toBeLessThanOrEqual(5);
    expect(load.sent).toBeGreaterThan(700);
    expect(new Set(load.sequence.slice(-200))).toEqual(new Set(['green']));
    expect(await router.readBack()).toEqual({ weights: { blue: 0, green: 100 } });
    console.log(
      `nginx switch: sent ${load.sent}, failed ${load.failures.length}, retried after a reset ${load.retriedStale}, ${JSON.stringify(load.byVersion)}`,
    );
  });

  it('a configuration that fails `nginx -t` leaves the file and the traffic where they were, and throws', async () => {
    await router.setRoute('blue');
    const before = readFileSync(config.upstreamFile, 'utf8');
    const good = readFileSync(mainConf, 'utf8');
    writeFileSync(
      mainConf,
      good.replace('access_log off;', 'access_log off;\n  sluice_broken_directive on;'),
    );
    try {
      const error = await router.setWeights({ blue: 50, green: 50 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InfraError);
      expect((error as Error).message).toMatch(
        /configuration test .*failed.*sluice_broken_directive/s,
      );
      expect((error as Error).message).toMatch(/previous upstream file is back/);
    } finally {
      writeFileSync(mainConf, good);
    }
    expect(readFileSync(config.upstreamFile, 'utf8')).toBe(before);
    expect(await router.readBack()).toEqual({ weights: { blue: 100, green: 0 } });
    expect((await runLoad({ url: frontend, total: 50 })).byVersion).toEqual({ blue: 50 });
  });

  it('a reload that nginx does not act on (no new workers) is caught, restored and thrown', async () => {
    const silent = createTrafficRouter(
      { ...config, reload: ['true'], reloadTimeoutMs: 1500 },
      deps(),
    );
    const before = readFileSync(config.upstreamFile, 'utf8');
    await expect(silent.setRoute('green')).rejects.toThrow(/started no new workers within 1500 ms/);
    expect(readFileSync(config.upstreamFile, 'utf8')).toBe(before);
    expect((await runLoad({ url: frontend, total: 20 })).byVersion).toEqual({ blue: 20 });
  });

  it('a failing reload command restores the file and names the command', async () => {
    const failing = createTrafficRouter({ ...config, reload: ['false'] }, deps());
    const before = readFileSync(config.upstreamFile, 'utf8');
    await expect(failing.setRoute('green')).rejects.toThrow(
      /the reload \(`false`\) failed with exit 1/,
    );
    expect(readFileSync(config.upstreamFile, 'utf8')).toBe(before);
  });

  it('mirrors to a version with the `mirror` directive; users get the routed version', async () => {
    await router.setRoute('blue');
    await router.setMirror!('green');
    expect(await router.readBack()).toEqual({ weights: { blue: 100, green: 0 }, mirror: 'green' });
    const before = await servedBy(green.url);
    const load = await runLoad({ url: frontend, total: 200, concurrency: 8 });
    expect(load.byVersion).toEqual({ blue: 200 });
    await expect
      .poll(async () => (await servedBy(green.url)) - before, { timeout: 5000 })
      .toBe(200);
    await router.setMirror!(undefined);
    expect((await router.readBack()).mirror).toBeUndefined();
  });

  it('read-back refuses a file changed after nginx last loaded it, or one sluice did not write', async () => {
    await router.setRoute('blue');
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const text = readFileSync(config.upstreamFile, 'utf8');
    writeFileSync(config.upstreamFile, text);
    await expect(router.readBack()).rejects.toThrow(/changed after nginx's newest worker started/);
    writeFileSync(config.upstreamFile, `${text}\nserver_tokens off;\n`);
    await expect(router.readBack()).rejects.toThrow(/something besides upstream blocks/);
    await router.setRoute('blue');
    expect(await router.readBack()).toEqual({ weights: { blue: 100, green: 0 } });
  });
});
