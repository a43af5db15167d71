import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasBuildx } from '../../../src/clients/docker/docker-build.js';
import { nodeExec } from '../../../src/clients/exec/node-exec.js';
import { UsageError } from '../../../src/core/errors.js';
import type { Exec } from '../../../src/core/ports.js';
import { localDeps, runBuildImage, runPushImage } from '../../unit/image/helpers.js';
import { freePort, requireBinary, waitFor } from '../services/binaries.js';
import { startDockerd, type RunningDockerd } from '../services/dockerd.js';
import { requireTool, startRegistry, type RunningRegistry } from '../services/registry.js';
import { tempDir } from '../../unit/support/temp-dirs.js';

const run = promisify(execFile);
let dockerd: RunningDockerd;
let registry: RunningRegistry;
let work: string;

function docker(...args: string[]) {
  return run('docker', args, { env: { ...process.env, DOCKER_HOST: dockerd.host } });
}

/** The engine the test started, not whatever DOCKER_HOST the machine has. */
const execWithEngine: Exec = {
  run: (command, args, options = {}) =>
    nodeExec.run(command, args, { ...options, env: { ...options.env, DOCKER_HOST: dockerd.host } }),
};

/** The engine's exec with Compose v2 as a CLI plugin, or with no plugin (v1 is used). */
function composeExec(version: 'v1' | 'v2'): Exec {
  const dockerConfig = join(work, `docker-config-${version}`);
  if (!existsSync(dockerConfig)) {
    mkdirSync(join(dockerConfig, 'cli-plugins'), { recursive: true });
    if (version === 'v2')
      symlinkSync(
        requireTool('docker-compose-v2'),
        join(dockerConfig, 'cli-plugins', 'docker-compose'),
      );
  }
  return {
    run: (command, args, options = {}) =>
      execWithEngine.run(command, args, {
        ...options,
        env: { ...options.env, DOCKER_CONFIG: dockerConfig },
      }),
  };
}

beforeAll(async () => {
  const busybox = requireBinary('busybox');
  [dockerd, registry] = await Promise.all([startDockerd(), startRegistry()]);
  work = tempDir('sluice-engine-');
  mkdirSync(join(work, 'model'));
  mkdirSync(join(work, 'bin'));
  writeFileSync(join(work, 'model', 'model.bin'), randomBytes(200_000));
  writeFileSync(join(work, 'model', 'card.json'), '{"name": "tiny"}');
  // A base image built here, not pulled: a static busybox from the distribution.
  copyFileSync(busybox, join(work, 'bin', 'busybox'));
});

afterAll(async () => {
  await Promise.all([dockerd?.stop(), registry?.stop()]);
});

describe('the Docker engine', () => {
  it('loads a daemonless build with docker-daemon:, runs it, and serves the model over HTTP', async () => {
    const port = await freePort();
    const deps = localDeps(work, execWithEngine);
    const result = await runBuildImage(
      {
        base: 'scratch',
        model: 'model',
        code: 'bin',
        'code-path': '/bin',
        'model-path': '/opt/model',
        entrypoint: JSON.stringify([
          '/bin/busybox',
          'httpd',
          '-f',
          '-p',
          `127.0.0.1:${port}`,
          '-h',
          '/opt/model',
        ]),
        port: String(port),
        output: ['docker-daemon:sluice-test/model:1'],
        tag: [`${registry.address}/engine/model:1`],
        push: true,
        platform: 'linux/amd64',
        'compression-level': 1,
        parallel: 3,
        'chunk-size': 16,
        'cache-dir': 'none',
        'source-date-epoch': 1_700_000_000,
      },
      deps,
    );
    expect(result.outputs!['digest']).toMatch(/^sha256:/);
    const { stdout: id } = await docker('run', '-d', '--network', 'host', 'sluice-test/model:1');
    try {
      let body: Buffer | undefined;
      await waitFor(async () => {
        const response = await fetch(`http://127.0.0.1:${port}/model.bin`);
        body = Buffer.from(await response.arrayBuffer());
        return response.ok;
      }, 'the model server in the container');
      expect(body!.equals(readFileSync(join(work, 'model', 'model.bin')))).toBe(true);
    } finally {
      await docker('rm', '-f', id.trim());
    }
    // The same image pulled from the registry by the engine: docker agrees on the content.
    const { stdout: pulled } = await docker('pull', `${registry.address}/engine/model:1`);
    expect(pulled).toContain(result.outputs!['digest']!);
  });

  it('builds a Dockerfile through docker build with the same labels, pushes it, and names the model layer', async () => {
    // Builds on the image the first test loaded: no base image comes from a hub.
    mkdirSync(join(work, 'weights'), { recursive: true });
    writeFileSync(join(work, 'weights', 'big.bin'), randomBytes(150_000));
    writeFileSync(
      join(work, 'Dockerfile'),
      'FROM sluice-test/model:1\nCOPY weights /opt/weights\nENV MODEL=/opt/weights\n',
    );
    const deps = localDeps(work, execWithEngine);
    const result = await runBuildImage(
      {
        dockerfile: 'Dockerfile',
        context: '.',
        model: 'weights',
        tag: [`${registry.address}/engine/dockerfile:1`],
        push: true,
        'model-name': 'tiny',
        'source-date-epoch': 1_700_000_000,
        // The action's explicit defaults are accepted with a Dockerfile.
        parallel: 3,
        'chunk-size': 16,
      },
      deps,
    );
    const data = result.report!.data as {
      digest: string;
      modelLayer: { title: string; size: number };
    };
    expect(data.modelLayer.title).toContain('weights');
    expect(data.modelLayer.size).toBeGreaterThanOrEqual(140_000); // docker history rounds to kB
    const { stdout } = await run('skopeo', [
      'inspect',
      '--tls-verify=false',
      `docker://${registry.address}/engine/dockerfile:1`,
    ]);
    const inspected = JSON.parse(stdout) as { Digest: string; Labels: Record<string, string> };
    expect(inspected.Digest).toBe(data.digest);
    expect(inspected.Labels['io.sluice.model.name']).toBe('tiny');
    expect(inspected.Labels['org.opencontainers.image.created']).toBe('2023-11-14T22:13:20Z');
  });

  it('pushes a Dockerfile build to a basic-auth registry with registry-username/registry-password or the CI login, without docker login', async () => {
    const username = 'robot';
    const password = `pw-${randomBytes(12).toString('hex')}`;
    const secured = await startRegistry({ htpasswd: { username, password } });
    const logins = () =>
      readdirSync(tmpdir()).filter((name) => name.startsWith('sluice-docker-login-'));
    const before = logins();
    try {
      writeFileSync(
        join(work, 'auth.Dockerfile'),
        'FROM sluice-test/model:1\nCOPY weights /opt/weights\n',
      );
      const logged: string[] = [];
      const log = (line: string) => void logged.push(line);
      const deps = localDeps(work, execWithEngine);
      deps.logger = { ...deps.logger, info: log, warn: log, debug: log, error: log };
      const inputs = {
        dockerfile: 'auth.Dockerfile',
        model: 'weights',
        tag: [`${secured.address}/private/model:1`],
        push: true,
        'source-date-epoch': 1_700_000_000,
      };
      // No credentials: the registry refuses, and the hint says where they would come from.
      const refused = await runBuildImage(inputs, deps).then(
        () => undefined,
        (caught: unknown) => caught as Error & { hint?: string },
      );
      expect(refused?.message).toMatch(/docker push .* failed/);
      expect(refused?.hint).toContain(`Credentials sent to ${secured.address}: those`);

      const result = await runBuildImage(
        { ...inputs, 'registry-username': username, 'registry-password': password },
        deps,
      );
      const { stdout } = await run('skopeo', [
        'inspect',
        '--tls-verify=false',
        '--creds',
        `${username}:${password}`,
        `docker://${secured.address}/private/model:1`,
      ]);
      expect((JSON.parse(stdout) as { Digest: string }).Digest).toBe(result.outputs!['digest']);

      // GitLab's CI login: the FROM image is pulled from the secured registry with it, and the
      // result pushed there, with no credentials in the inputs or the Docker config.
      writeFileSync(
        join(work, 'ci.Dockerfile'),
        `FROM ${secured.address}/private/model:1\nENV STAGE=ci\n`,
      );
      await docker('rmi', `${secured.address}/private/model:1`);
      deps.ciRegistry = {
        registry: secured.address,
        username,
        password,
        source: 'CI_REGISTRY_USER/CI_REGISTRY_PASSWORD',
      };
      const viaCi = await runBuildImage(
        { ...inputs, dockerfile: 'ci.Dockerfile', tag: [`${secured.address}/private/ci:1`] },
        deps,
      );
      const { stdout: ciJson } = await run('skopeo', [
        'inspect',
        '--tls-verify=false',
        '--creds',
        `${username}:${password}`,
        `docker://${secured.address}/private/ci:1`,
      ]);
      expect((JSON.parse(ciJson) as { Digest: string }).Digest).toBe(viaCi.outputs!['digest']);
      expect(logged.join('\n')).toContain(
        `${secured.address} (CI_REGISTRY_USER/CI_REGISTRY_PASSWORD)`,
      );
      expect(JSON.stringify([logged, result.report, viaCi.report, refused?.message])).not.toContain(
        password,
      );
      expect(logins()).toEqual(before);
    } finally {
      await secured.stop();
    }
  });

  it('reads docker-daemon:<name>:<tag> as a push-image source and as a base, and removes its temporary archive', async () => {
    const deps = localDeps(work, execWithEngine);
    const saves = () => readdirSync(tmpdir()).filter((name) => name.startsWith('sluice-save-'));
    const before = saves();
    // The engine stores the image the first test loaded; promote it from there to the registry.
    const pushed = await runPushImage(
      {
        from: 'docker-daemon:sluice-test/model:1',
        to: [`${registry.address}/engine/promoted:1`],
        parallel: 3,
        'chunk-size': 16,
      },
      deps,
    );
    const { stdout: pushedJson } = await run('skopeo', [
      'inspect',
      '--tls-verify=false',
      `docker://${registry.address}/engine/promoted:1`,
    ]);
    const promoted = JSON.parse(pushedJson) as { Digest: string; Layers: string[] };
    expect(promoted.Digest).toBe(pushed.outputs!['digest']);
    // The engine's own view of the image: same layers (diff IDs of uncompressed layers).
    const { stdout: engineLayers } = await docker(
      'image',
      'inspect',
      '--format',
      '{{json .RootFS.Layers}}',
      'sluice-test/model:1',
    );
    const diffIds = JSON.parse(engineLayers) as string[];
    expect(promoted.Layers.length).toBe(diffIds.length);

    // The same image as the base of a daemonless build: its layers come first, unchanged.
    mkdirSync(join(work, 'extra'), { recursive: true });
    writeFileSync(join(work, 'extra', 'head.bin'), randomBytes(50_000));
    const built = await runBuildImage(
      {
        base: 'docker-daemon:sluice-test/model:1',
        model: 'extra',
        'model-path': '/opt/extra',
        tag: [`${registry.address}/engine/on-daemon-base:1`],
        push: true,
        platform: 'linux/amd64',
        'compression-level': 1,
        parallel: 3,
        'chunk-size': 16,
        'cache-dir': 'none',
        'source-date-epoch': 1_700_000_000,
      },
      deps,
    );
    const { stdout: builtJson } = await run('skopeo', [
      'inspect',
      '--tls-verify=false',
      `docker://${registry.address}/engine/on-daemon-base:1`,
    ]);
    const onBase = JSON.parse(builtJson) as { Digest: string; Layers: string[] };
    expect(onBase.Digest).toBe(built.outputs!['digest']);
    expect(onBase.Layers.slice(0, promoted.Layers.length)).toEqual(promoted.Layers);
    expect(onBase.Layers.length).toBe(promoted.Layers.length + 1);
    expect(saves()).toEqual(before);

    // An image the engine does not have is the user's mistake, with a hint, and leaves nothing.
    await expect(
      runPushImage(
        { from: 'docker-daemon:sluice-test/absent:1', to: [`${registry.address}/engine/x:1`] },
        deps,
      ),
    ).rejects.toThrow(UsageError);
    expect(saves()).toEqual(before);
  });

  // Compose v2 is the `docker compose` plugin (found through DOCKER_CONFIG/cli-plugins); with
  // no plugin, sluice falls back to Debian's docker-compose v1.
  for (const [version, builder] of [
    ['v2', 'docker compose (v2)'],
    ['v1', 'docker-compose (v1)'],
  ] as const) {
    it(`builds a Compose service through ${builder} with the same tags and labels`, async () => {
      const project = join(work, `project-${version}`);
      const exec = composeExec(version);
      mkdirSync(join(project, 'served-model'), { recursive: true });
      writeFileSync(join(project, 'served-model', 'weights.bin'), randomBytes(120_000));
      writeFileSync(
        join(project, 'serve.Dockerfile'),
        'FROM sluice-test/model:1\nCOPY served-model /opt/served-model\n',
      );
      // A versioned file with a short `build:`: the override must merge into both.
      writeFileSync(
        join(project, 'compose.yml'),
        [
          'version: "3.8"',
          'services:',
          '  model:',
          '    build:',
          '      context: .',
          '      dockerfile: serve.Dockerfile',
          '  cache:',
          '    image: sluice-test/model:1',
          '',
        ].join('\n'),
      );
      const deps = localDeps(project, exec);
      const base = {
        'compose-file': 'compose.yml',
        model: 'served-model',
        tag: [
          `${registry.address}/engine/compose-${version}:1`,
          `${registry.address}/engine/compose-${version}:latest`,
        ],
        push: true,
        'model-name': 'served',
        'source-date-epoch': 1_700_000_000,
        parallel: 3,
        'chunk-size': 16,
      };
      // Two services: which one to build must be said.
      await expect(runBuildImage(base, deps)).rejects.toThrow(/name the one to build/);
      const result = await runBuildImage({ ...base, service: 'model' }, deps);
      const data = result.report!.data as {
        digest: string;
        modelLayer: { title: string; size: number };
      };
      expect(result.report!.summary).toContain(`with ${builder}:`);
      expect(data.modelLayer.title).toContain('served-model');
      expect(data.modelLayer.size).toBeGreaterThanOrEqual(110_000);
      for (const tag of ['1', 'latest']) {
        const { stdout } = await run('skopeo', [
          'inspect',
          '--tls-verify=false',
          `docker://${registry.address}/engine/compose-${version}:${tag}`,
        ]);
        const inspected = JSON.parse(stdout) as { Digest: string; Labels: Record<string, string> };
        expect(inspected.Digest).toBe(data.digest);
        expect(inspected.Labels['io.sluice.model.name']).toBe('served');
        expect(inspected.Labels['org.opencontainers.image.created']).toBe('2023-11-14T22:13:20Z');
      }
      await expect(
        runBuildImage({ ...base, service: 'model', dockerfile: 'serve.Dockerfile' }, deps),
      ).rejects.toThrow(UsageError);
    });
  }

  it.each(['v2', 'v1'] as const)(
    'builds a Compose %s service for the platform asked for',
    async (version) => {
      const project = join(work, `project-platform-${version}`);
      mkdirSync(join(project, 'served-model'), { recursive: true });
      writeFileSync(join(project, 'served-model', 'weights.bin'), randomBytes(1000));
      // No RUN step: an arm64 image builds on this amd64 engine without an emulator.
      writeFileSync(
        join(project, 'Dockerfile'),
        'FROM scratch\nCOPY served-model /opt/served-model\n',
      );
      writeFileSync(join(project, 'compose.yml'), 'services:\n  model:\n    build: .\n');
      const deps = localDeps(project, composeExec(version));
      const build = runBuildImage(
        {
          'compose-file': 'compose.yml',
          model: 'served-model',
          output: [`docker-daemon:sluice-test/compose-platform-${version}:1`],
          platform: 'linux/arm64',
          'source-date-epoch': 1_700_000_000,
        },
        deps,
      );
      if (version === 'v2' && !(await hasBuildx(deps.exec))) {
        // Compose v2 without BuildKit ignores the platform: sluice must say so, not ship amd64.
        await expect(build).rejects.toThrow(/built model for linux\/amd64, not for .*linux\/arm64/);
        return;
      }
      await build;
      const { stdout } = await docker(
        'image',
        'inspect',
        '--format',
        '{{.Os}}/{{.Architecture}}',
        `sluice-test/compose-platform-${version}:1`,
      );
      expect(stdout.trim()).toBe('linux/arm64');
    },
  );
});
