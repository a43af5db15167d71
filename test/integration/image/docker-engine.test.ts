import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, copyFileSync, writeFileSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeExec } from '../../../src/clients/exec/node-exec.js';
import { buildImageCommand } from '../../../src/core/commands/build-image.js';
import type { CommandDeps } from '../../../src/core/commands/types.js';
import type { Exec, GitReader } from '../../../src/core/ports.js';
import { silentLogger } from '../../unit/image/helpers.js';
import { freePort, requireBinary, waitFor } from '../services/binaries.js';
import { startDockerd, type RunningDockerd } from '../services/dockerd.js';
import { startRegistry, type RunningRegistry } from '../services/registry.js';

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

beforeAll(async () => {
  const busybox = requireBinary('busybox');
  [dockerd, registry] = await Promise.all([startDockerd(), startRegistry()]);
  work = mkdtempSync(join(tmpdir(), 'sluice-engine-'));
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
    const deps = {
      logger: silentLogger,
      clock: { now: () => new Date() },
      exec: execWithEngine,
      git: {} as GitReader,
      run: { platform: 'local', cwd: work },
    } as CommandDeps;
    const result = await buildImageCommand(
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
    const deps = {
      logger: silentLogger,
      clock: { now: () => new Date() },
      exec: execWithEngine,
      git: {} as GitReader,
      run: { platform: 'local', cwd: work },
    } as CommandDeps;
    const result = await buildImageCommand(
      {
        dockerfile: 'Dockerfile',
        context: '.',
        model: 'weights',
        tag: [`${registry.address}/engine/dockerfile:1`],
        push: true,
        'model-name': 'tiny',
        'source-date-epoch': 1_700_000_000,
        'cache-dir': 'none',
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
});
