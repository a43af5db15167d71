/**
 * The rollout on real nginx (healthy canary promotes) and HAProxy (a bad canary rolls back): the
 * CLI spawned with a spec naming the router, model servers, the load generator through the router.
 * The router setups are the routers' integration tests' (routers-nginx/haproxy.test.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createExecaExec } from '../../../src/clients/exec/execa-exec.js';
import { createTrafficRouter } from '../../../src/clients/routers/index.js';
import { renderUpstreamFile } from '../../../src/clients/routers/nginx.js';
import type { RouterConfig } from '../../../src/core/rollout/model.js';
import { freePort, requireBinary, waitFor } from '../services/binaries.js';
import {
  probeProvider,
  readReport,
  rolloutUnderLoad,
  startStack,
  type Stack,
} from './scenario-support.js';
import { quietLogger } from './support.js';

let stack: Stack | undefined;
let proc: ChildProcess | undefined;
afterEach(async () => {
  if (proc && proc.exitCode === null) {
    const exited = new Promise((resolve) => proc!.once('exit', resolve));
    proc.kill(proc.spawnfile.endsWith('nginx') ? 'SIGQUIT' : 'SIGTERM');
    await exited;
  }
  proc = undefined;
  await stack?.stop();
  stack = undefined;
});

const readBack = (config: RouterConfig) => async () =>
  (await createTrafficRouter(config, { exec: createExecaExec(), logger: quietLogger }).readBack())
    .weights;

function spec(s: Stack, router: string): string {
  return `strategy: canary
stable: { name: v1, url: ${s.stable.url} }
canary: { name: v2, url: ${s.canary.url} }
router: ${router}
providers:
  ${probeProvider(s)}
templates:
  health:
    metrics:
      - name: error_rate
        provider: probe
        query: error_rate
        interval: 1s
        count: 2
        failureCondition: { max: 0.02 }
steps:
  - setWeight: 20
  - analysis: { templates: [health] }
  - setWeight: 50
  - analysis: { templates: [health] }
`;
}

describe('rollout scenarios on nginx and HAProxy', () => {
  it('nginx: a healthy canary promotes through reloads, no failed user request', async () => {
    const binary = requireBinary('nginx', 'scripts/install/routers.sh');
    stack = await startStack();
    const dir = stack.dir;
    mkdirSync(path.join(dir, 'logs'));
    mkdirSync(path.join(dir, 'tmp'));
    const port = await freePort();
    const mainConf = path.join(dir, 'nginx.conf');
    const config = {
      type: 'nginx' as const,
      upstreamFile: path.join(dir, 'upstream.conf'),
      upstream: 'model',
      servers: { v1: `127.0.0.1:${stack.stable.port}`, v2: `127.0.0.1:${stack.canary.port}` },
      prefix: dir,
      conf: mainConf,
      reload: [binary, '-p', dir, '-c', mainConf, '-s', 'reload'],
      test: [binary, '-p', dir, '-c', mainConf, '-t', '-q'],
    };
    writeFileSync(
      config.upstreamFile,
      renderUpstreamFile(config, { v1: 100, v2: 0 }, undefined, 1),
    );
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
    location / {
      proxy_pass http://model;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`,
    );
    proc = spawn(binary, ['-p', dir, '-c', mainConf, '-e', path.join(dir, 'logs/error.log')], {
      stdio: 'ignore',
    });
    const frontend = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${frontend}/healthz`)).ok, 'nginx');
    const list = (argv: string[]) => `[${argv.map((a) => JSON.stringify(a)).join(', ')}]`;
    const router = `{ type: nginx, upstreamFile: ${config.upstreamFile}, upstream: model, servers: { v1: "${config.servers.v1}", v2: "${config.servers.v2}" }, prefix: ${dir}, conf: ${mainConf}, reload: ${list(config.reload)}, test: ${list(config.test)} }`;
    const { run, load, weights } = await rolloutUnderLoad(stack, spec(stack, router), {
      target: frontend,
      readWeights: readBack(config),
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(weights).toEqual({ v1: 0, v2: 100 });
    expect(load.failures).toEqual([]);
    expect(load.byVersion.v1).toBeGreaterThan(0);
    expect(load.byVersion.v2).toBeGreaterThan(0);
    expect(load.sequence.at(-1)).toBe('v2');
    expect(readReport(dir).verdict).toBe('pass');
  });

  it('HAProxy: a canary failing 5 % of requests rolls back over the runtime API', async () => {
    const binary = requireBinary('haproxy', 'scripts/install/routers.sh');
    stack = await startStack({ mode: 'errors', errorRate: 5 });
    const dir = stack.dir;
    const socket = path.join(dir, 'admin.sock');
    const port = await freePort();
    writeFileSync(
      path.join(dir, 'haproxy.cfg'),
      `global
  stats socket ${socket} level admin
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
  server v1 127.0.0.1:${stack.stable.port} weight 100 check inter 500
  server v2 127.0.0.1:${stack.canary.port} weight 0 check inter 500
`,
    );
    proc = spawn(binary, ['-db', '-f', path.join(dir, 'haproxy.cfg')], { stdio: 'ignore' });
    const config = {
      type: 'haproxy' as const,
      socket,
      backend: 'model',
      servers: { v1: 'v1', v2: 'v2' },
    };
    const frontend = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${frontend}/healthz`)).ok, 'haproxy');
    const { run, load, weights, ms } = await rolloutUnderLoad(
      stack,
      spec(
        stack,
        `{ type: haproxy, socket: ${socket}, backend: model, servers: { v1: v1, v2: v2 } }`,
      ),
      { target: frontend, readWeights: readBack(config) },
    );
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(weights).toEqual({ v1: 100, v2: 0 });
    expect(load.failures.every((f) => f === '500')).toBe(true);
    expect(load.failures.length).toBeLessThanOrEqual(Math.ceil(0.05 * 0.2 * 100 * (ms / 1000)) + 5);
    expect(load.sequence.at(-1)).toBe('v1');
    expect(readReport(dir).verdict).toBe('fail');
  });
});
