/**
 * The compose host for real: a Docker engine of the test's own, Compose v2 as the CLI plugin,
 * model servers as containers (busybox httpd answering POST /cgi-bin/predict through a CGI
 * script, images built here from the static busybox: nothing pulled), the built-in router in
 * front, and the load generator through it for the whole rollout. A bad canary (500s) is rolled
 * back and its service removed; a healthy one is started beside stable and promoted: the stable
 * service runs its image, the canary service is gone, and users saw no failed request. The same
 * again with a real nginx (weighted upstream, reloads) as the router in front of the services.
 * The model servers here are busybox CGI scripts, not the example's Python server: the images
 * are built from the static busybox alone (nothing is pulled), and there is no Python in them.
 */
import { execFile } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startBuiltinRouter,
  type RunningBuiltinRouter,
} from '../../../src/clients/routers/builtin/serve.js';
import { freePort, requireBinary } from '../services/binaries.js';
import { startDockerd, type RunningDockerd } from '../services/dockerd.js';
import { runLoad } from '../services/load.js';
import { requireTool } from '../services/registry.js';
import { tempDir } from '../../unit/support/temp-dirs.js';
import { startNginx, type RunningNginx } from './nginx-support.js';
import {
  ERROR_RATE_STEPS,
  PROBE_BODY,
  rolloutUnderLoad,
  routerWeights,
  spawnCli,
} from './scenario-support.js';

const run = promisify(execFile);
const PROJECT = 'sluicecompose';
let dockerd: RunningDockerd;
let router: RunningBuiltinRouter;
let nginx: RunningNginx | undefined;
let work: string;
let dockerConfig: string;
let stablePort: number;
let canaryPort: number;
const saved = { host: process.env.DOCKER_HOST, config: process.env.DOCKER_CONFIG };

function docker(...args: string[]) {
  return run('docker', args, {
    env: { ...process.env, DOCKER_HOST: dockerd.host, DOCKER_CONFIG: dockerConfig },
  });
}

/** An image answering POST /cgi-bin/predict with `status` and its version, built from busybox. */
async function buildImage(tag: string, version: string, status: 200 | 500): Promise<void> {
  const ctx = path.join(work, `ctx-${tag.replace(/[^a-z0-9]/g, '-')}`);
  mkdirSync(path.join(ctx, 'www', 'cgi-bin'), { recursive: true });
  copyFileSync(requireBinary('busybox'), path.join(ctx, 'busybox'));
  copyFileSync(requireBinary('busybox'), path.join(ctx, 'sh'));
  writeFileSync(path.join(ctx, 'www', 'index.html'), 'ok\n');
  const head = status === 200 ? 'HTTP/1.0 200 OK' : 'HTTP/1.0 500 Internal Server Error';
  const script = path.join(ctx, 'www', 'cgi-bin', 'predict');
  writeFileSync(
    script,
    `#!/bin/sh\nprintf '${head}\\r\\nContent-Type: application/json\\r\\n\\r\\n{"version":"${version}","prediction":1}'\n`,
  );
  chmodSync(script, 0o755);
  writeFileSync(
    path.join(ctx, 'Dockerfile'),
    'FROM scratch\nCOPY busybox /bin/busybox\nCOPY sh /bin/sh\nCOPY www /www\n',
  );
  await docker('build', '--quiet', '--tag', tag, ctx);
}

beforeAll(async () => {
  dockerd = await startDockerd();
  work = tempDir('sluice-compose-host-');
  dockerConfig = path.join(work, 'docker-config');
  mkdirSync(path.join(dockerConfig, 'cli-plugins'), { recursive: true });
  symlinkSync(
    requireTool('docker-compose-v2'),
    path.join(dockerConfig, 'cli-plugins', 'docker-compose'),
  );
  // The spawned CLI reaches this engine and this Compose plugin.
  process.env.DOCKER_HOST = dockerd.host;
  process.env.DOCKER_CONFIG = dockerConfig;
  await Promise.all([
    buildImage('model:v1', 'v1', 200),
    buildImage('model:v2', 'v2', 200),
    buildImage('model:v3', 'v3', 200),
    buildImage('model:bad', 'v2', 500),
  ]);
  [stablePort, canaryPort] = [await freePort(), await freePort()];
  writeFileSync(
    path.join(work, 'compose.yml'),
    `services:
  model:
    image: model:v1
    network_mode: host
    environment: { PORT: "${stablePort}" }
    command: ["/bin/sh", "-c", "exec /bin/busybox httpd -f -p 127.0.0.1:$$PORT -h /www"]
    healthcheck:
      test: ["CMD-SHELL", "/bin/busybox wget -q -O /dev/null http://127.0.0.1:$$PORT/index.html"]
      interval: 1s
      timeout: 2s
      retries: 3
`,
  );
  await docker(
    'compose',
    '-p',
    PROJECT,
    '-f',
    path.join(work, 'compose.yml'),
    'up',
    '-d',
    '--wait',
  );
  router = await startBuiltinRouter({
    versions: {
      v1: `http://127.0.0.1:${stablePort}/cgi-bin`,
      v2: `http://127.0.0.1:${canaryPort}/cgi-bin`,
    },
    closeGraceMs: 1000,
  });
}, 240_000);

afterAll(async () => {
  await nginx?.stop();
  await router?.close();
  if (dockerd) {
    await docker('rm', '--force', '--volumes', ...(await containerNames())).catch(() => undefined);
    await dockerd.stop();
  }
  process.env.DOCKER_HOST = saved.host;
  process.env.DOCKER_CONFIG = saved.config;
  if (saved.host === undefined) delete process.env.DOCKER_HOST;
  if (saved.config === undefined) delete process.env.DOCKER_CONFIG;
});

async function containerNames(): Promise<string[]> {
  const { stdout } = await docker('ps', '--all', '--format', '{{.Names}}');
  return stdout.split('\n').filter(Boolean);
}

/** service → images of its containers (compose's labels). */
async function services(): Promise<Record<string, string[]>> {
  const { stdout } = await docker(
    'ps',
    '--all',
    '--filter',
    `label=com.docker.compose.project=${PROJECT}`,
    '--format',
    '{{.Label "com.docker.compose.service"}} {{.Image}} {{.State}}',
  );
  const out: Record<string, string[]> = {};
  for (const line of stdout.split('\n').filter(Boolean)) {
    const [service, image, state] = line.split(' ');
    (out[service!] ??= []).push(`${image} ${state}`);
  }
  return out;
}

/** The spec, with the built-in router unless `routerYaml` names another. */
function spec(routerYaml = `{ type: builtin, admin: ${router.adminAddress} }`): string {
  const base = (port: number) => `http://127.0.0.1:${port}/cgi-bin`;
  return `strategy: canary
stable: { name: v1, url: ${base(stablePort)} }
canary: { name: v2, url: ${base(canaryPort)} }
router: ${routerYaml}
deploy:
  type: compose
  files: [compose.yml]
  project: ${PROJECT}
  service: model
  image: "model:{{version}}"
  canary: { environment: { PORT: "${canaryPort}" } }
  health:
    canary: http://127.0.0.1:${canaryPort}/index.html
    stable: http://127.0.0.1:${stablePort}/index.html
    timeout: 60s
providers:
  probe:
    type: http-probe
    path: /predict
    body: '${PROBE_BODY}'
    rate: 40
    timeout: 2s
${ERROR_RATE_STEPS}`;
}

describe('rollout on a docker-compose host (real dockerd, Compose v2, built-in router)', () => {
  it('a canary answering 500s is rolled back and its service removed; stable untouched', async () => {
    const { run: cli, load } = await rolloutUnderLoad({ dir: work, router }, spec(), {
      args: ['--canary-image', 'model:bad'],
    });
    expect(cli.code, cli.stdout + cli.stderr).toBe(1);
    expect(cli.stdout + cli.stderr).toMatch(/removed the canary service model-canary/);
    expect(await routerWeights(router.adminAddress)).toEqual({ v1: 100, v2: 0 });
    expect(await services()).toEqual({ model: ['model:v1 running'] });
    // Only the canary's share of the traffic failed, and only until the rollback.
    expect(load.failures.length).toBeLessThan(load.sent * 0.3);
    expect(load.byVersion.v1).toBeGreaterThan(0);
    const report = JSON.parse(readFileSync(path.join(work, 'report.json'), 'utf8')) as {
      verdict: string;
    };
    expect(report.verdict).toBe('fail');
  });

  it('a healthy canary starts beside stable and is promoted: stable runs its image, the canary service is gone, 0 failed requests', async () => {
    const { run: cli, load } = await rolloutUnderLoad({ dir: work, router }, spec());
    const output = cli.stdout + cli.stderr;
    expect(cli.code, output).toBe(0);
    expect(output).toMatch(/starting the canary service model-canary \(model:v2\)/);
    expect(output).toMatch(/the stable service model runs model:v2 and is healthy/);
    expect(load.failures, output).toEqual([]);
    expect(load.byVersion.v2).toBeGreaterThan(0);
    expect(await services()).toEqual({ model: ['model:v2 running'] });
    // Traffic is back on the stable service (its backend is still called v1), now the new image.
    expect(await routerWeights(router.adminAddress)).toEqual({ v1: 100, v2: 0 });
    const answer = await runLoad({ url: router.address, total: 20, concurrency: 4 });
    expect(answer.byVersion).toEqual({ v2: 20 });
    // The override sluice keeps pins the stable service's new image, and no canary service.
    const override = readFileSync(path.join(work, 'compose.sluice.yml'), 'utf8');
    expect(override).toMatch(/model:\n\s+image: model:v2/);
    expect(override).not.toMatch(/model-canary/);

    // A re-run of the same spec finds it promoted: nothing to do.
    const again = spawnCli(['rollout', '--spec', 'spec.yml'], work);
    const rerun = await again.done;
    expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
    expect(rerun.stdout + rerun.stderr).toMatch(/already runs model:v2/);
    expect(await services()).toEqual({ model: ['model:v2 running'] });
  });

  it('nginx in front instead: a 500ing canary is rolled back and removed, then a healthy v3 is promoted through reloads with 0 failed requests', async () => {
    const nginxDir = path.join(work, 'nginx');
    mkdirSync(nginxDir);
    const n = (nginx = await startNginx(
      { dir: nginxDir, stable: { port: stablePort }, canary: { port: canaryPort } },
      { pathPrefix: '/cgi-bin' },
    ));
    const through = { target: n.frontend, readWeights: async () => (await n.readBack()).weights };

    const bad = await rolloutUnderLoad({ dir: work }, spec(n.routerYaml), {
      ...through,
      args: ['--canary-image', 'model:bad'],
    });
    expect(bad.run.code, bad.run.stdout + bad.run.stderr).toBe(1);
    expect(bad.run.stdout + bad.run.stderr).toMatch(/removed the canary service model-canary/);
    expect(bad.weights).toEqual({ v1: 100, v2: 0 });
    expect(await services()).toEqual({ model: ['model:v2 running'] });
    expect(bad.load.failures.every((f) => f === '500')).toBe(true);
    expect(bad.load.failures.length).toBeLessThan(bad.load.sent * 0.3);
    expect(bad.load.sequence.at(-1)).toBe('v2');

    const good = await rolloutUnderLoad({ dir: work }, spec(n.routerYaml), {
      ...through,
      args: ['--canary-image', 'model:v3'],
    });
    const output = good.run.stdout + good.run.stderr;
    expect(good.run.code, output).toBe(0);
    expect(output).toMatch(/the stable service model runs model:v3 and is healthy/);
    expect(good.load.failures, output).toEqual([]);
    expect(good.load.byVersion.v3).toBeGreaterThan(0);
    expect(good.weights).toEqual({ v1: 100, v2: 0 });
    expect(await services()).toEqual({ model: ['model:v3 running'] });
    // nginx's workers, read back and asked: every user now gets v3 from the stable service.
    const answer = await runLoad({ url: n.frontend, total: 20, concurrency: 4 });
    expect(answer.byVersion).toEqual({ v3: 20 });
  });
});
