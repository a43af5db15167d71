/**
 * A real HAProxy in front of a scenario stack's model servers, set up as the HAProxy router
 * expects: one backend `model` with a server per version (named after the version, v1 on weight
 * 100, v2 on 0), the runtime API on a socket in the stack's folder, and optionally HAProxy's
 * built-in Prometheus exporter on a stats frontend of its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createExecaExec } from '../../../src/clients/exec/execa-exec.js';
import { createTrafficRouter } from '../../../src/clients/routers/index.js';
import type { HaproxyRouterConfig } from '../../../src/core/rollout/model.js';
import { freePort, requireBinary, waitFor } from '../services/binaries.js';
import type { Stack } from './scenario-support.js';
import { quietLogger } from './support.js';

export interface RunningHaproxy {
  config: HaproxyRouterConfig;
  /** http://127.0.0.1:PORT: where users' traffic goes. */
  frontend: string;
  /** The spec's `router:` value. */
  routerYaml: string;
  /** 127.0.0.1:PORT of the exporter's frontend (GET /metrics), with `exporter: true`. */
  exporter?: string;
  proc: ChildProcess;
  readBack(): ReturnType<ReturnType<typeof createTrafficRouter>['readBack']>;
  stop(): Promise<void>;
}

export async function startHaproxy(
  stack: Stack,
  /** headerMap: use-server rules on x-sluice-preview through a map sluice changes at runtime. */
  options: { exporter?: boolean; headerMap?: boolean } = {},
): Promise<RunningHaproxy> {
  const binary = requireBinary('haproxy', 'scripts/install/routers.sh');
  const dir = stack.dir;
  const socket = path.join(dir, 'admin.sock');
  const port = await freePort();
  const exporterPort = options.exporter ? await freePort() : undefined;
  const file = path.join(dir, 'haproxy.cfg');
  const map = options.headerMap ? path.join(dir, 'preview.map') : undefined;
  if (map) writeFileSync(map, '');
  const useServer = (server: string) =>
    map
      ? `  use-server ${server} if { req.hdr(x-sluice-preview),map(${map}) -m str ${server} }\n`
      : '';
  writeFileSync(
    file,
    `global
  stats socket ${socket} level admin
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
${
  exporterPort
    ? `frontend stats
  bind 127.0.0.1:${exporterPort}
  http-request use-service prometheus-exporter if { path /metrics }
  no log
`
    : ''
}frontend fe
  bind 127.0.0.1:${port}
  default_backend model
backend model
  balance roundrobin
${useServer('v1')}${useServer('v2')}  server v1 127.0.0.1:${stack.stable.port} weight 100 check inter 500
  server v2 127.0.0.1:${stack.canary.port} weight 0 check inter 500
`,
  );
  const proc = spawn(binary, ['-db', '-f', file], { stdio: 'ignore' });
  const config: HaproxyRouterConfig = {
    type: 'haproxy',
    socket,
    backend: 'model',
    servers: { v1: 'v1', v2: 'v2' },
    ...(map ? { headerMap: map } : {}),
  };
  const frontend = `http://127.0.0.1:${port}`;
  const router = createTrafficRouter(config, { exec: createExecaExec(), logger: quietLogger });
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    await exited;
  };
  try {
    // HAProxy marks a server down until its first check passes: wait for v1 to answer.
    await waitFor(async () => (await fetch(`${frontend}/healthz`)).ok, 'haproxy');
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    config,
    frontend,
    routerYaml: `{ type: haproxy, socket: ${socket}, backend: model, servers: { v1: v1, v2: v2 }${map ? `, headerMap: ${map}` : ''} }`,
    ...(exporterPort ? { exporter: `127.0.0.1:${exporterPort}` } : {}),
    proc,
    readBack: () => router.readBack(),
    stop,
  };
}
