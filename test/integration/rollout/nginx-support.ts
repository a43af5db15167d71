/**
 * A real nginx in front of a scenario stack's model servers, set up as the nginx router expects
 * (an upstream include sluice writes, optionally a mirror include in the server block), plus an
 * `extra.conf` include in the http block a test can make invalid to break `nginx -t`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createExecaExec } from '../../../src/clients/exec/execa-exec.js';
import { createTrafficRouter } from '../../../src/clients/routers/index.js';
import {
  renderMirrorFile,
  renderUpstreamFile,
  routeVariable,
} from '../../../src/clients/routers/nginx.js';
import type { NginxRouterConfig } from '../../../src/core/rollout/model.js';
import { freePort, requireBinary, waitFor } from '../services/binaries.js';
import type { Stack } from './scenario-support.js';
import { quietLogger } from './support.js';

export interface RunningNginx {
  config: NginxRouterConfig;
  /** http://127.0.0.1:PORT: where users' traffic goes. */
  frontend: string;
  /** The spec's `router:` value. */
  routerYaml: string;
  /** The file included in the http block (empty; a test may break it). */
  extraFile: string;
  proc: ChildProcess;
  /** What the nginx router reads back. */
  readBack(): ReturnType<ReturnType<typeof createTrafficRouter>['readBack']>;
  stop(): Promise<void>;
}

/** What nginx fronts: its folder, and the ports v1 and v2 listen on (a Stack is one). */
type Backends = Pick<Stack, 'dir'> & { stable: { port: number }; canary: { port: number } };

export async function startNginx(
  stack: Backends,
  /**
   * mirror: a mirror include in the server block; pidFile: the spec names nginx's pid file;
   * pathPrefix: users' /x goes to the backends' <pathPrefix>/x; headerRoutes: the location
   * proxies to the route map's variable, so sluice can route by header.
   */
  options: {
    mirror?: boolean;
    pidFile?: boolean;
    pathPrefix?: string;
    headerRoutes?: boolean;
  } = {},
): Promise<RunningNginx> {
  const binary = requireBinary('nginx', 'scripts/install/routers.sh');
  const dir = stack.dir;
  mkdirSync(path.join(dir, 'logs'), { recursive: true });
  mkdirSync(path.join(dir, 'tmp'), { recursive: true });
  const port = await freePort();
  const mainConf = path.join(dir, 'nginx.conf');
  const extraFile = path.join(dir, 'extra.conf');
  const config: NginxRouterConfig = {
    type: 'nginx',
    upstreamFile: path.join(dir, 'upstream.conf'),
    upstream: 'model',
    servers: { v1: `127.0.0.1:${stack.stable.port}`, v2: `127.0.0.1:${stack.canary.port}` },
    prefix: dir,
    conf: mainConf,
    reload: [binary, '-p', dir, '-c', mainConf, '-s', 'reload'],
    test: [binary, '-p', dir, '-c', mainConf, '-t', '-q'],
    ...(options.mirror ? { mirrorFile: path.join(dir, 'mirror.conf') } : {}),
    ...(options.pidFile ? { pidFile: path.join(dir, 'logs/nginx.pid') } : {}),
    ...(options.headerRoutes ? { headerRoutes: true } : {}),
  };
  writeFileSync(config.upstreamFile, renderUpstreamFile(config, { v1: 100, v2: 0 }, undefined, 1));
  if (config.mirrorFile) writeFileSync(config.mirrorFile, renderMirrorFile('model', undefined));
  writeFileSync(extraFile, '# a test may break this file\n');
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
  include ${extraFile};
  server {
    listen 127.0.0.1:${port};
    ${config.mirrorFile ? `include ${config.mirrorFile};` : ''}
    location / {
      proxy_pass http://${options.headerRoutes ? `$${routeVariable('model')}` : 'model'}${options.pathPrefix ? `${options.pathPrefix}/` : ''};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`,
  );
  const proc = spawn(binary, ['-p', dir, '-c', mainConf, '-e', path.join(dir, 'logs/error.log')], {
    stdio: 'ignore',
  });
  const frontend = `http://127.0.0.1:${port}`;
  // Up when it answers through to stable: /healthz, or any answer of the backend under a prefix.
  await waitFor(async () => {
    const response = await fetch(`${frontend}/healthz`);
    return options.pathPrefix ? response.status < 500 : response.ok;
  }, 'nginx');
  const list = (argv: readonly string[]) => `[${argv.map((a) => JSON.stringify(a)).join(', ')}]`;
  const routerYaml = `{ type: nginx, upstreamFile: ${config.upstreamFile}, upstream: model, servers: { v1: "${config.servers.v1}", v2: "${config.servers.v2}" }, prefix: ${dir}, conf: ${mainConf}, reload: ${list(config.reload!)}, test: ${list(config.test!)}${config.mirrorFile ? `, mirrorFile: ${config.mirrorFile}` : ''}${config.pidFile ? `, pidFile: ${config.pidFile}` : ''}${config.headerRoutes ? ', headerRoutes: true' : ''} }`;
  const router = createTrafficRouter(config, { exec: createExecaExec(), logger: quietLogger });
  return {
    config,
    frontend,
    routerYaml,
    extraFile,
    proc,
    readBack: () => router.readBack(),
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGQUIT');
      await exited;
    },
  };
}
