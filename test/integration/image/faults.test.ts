import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RegistryAccess } from '../../../src/clients/oci/access.js';
import type { Fetch } from '../../../src/clients/oci/http.js';
import { InfraError, exitCodeOf } from '../../../src/core/errors.js';
import { buildImage } from '../../../src/core/image/build.js';
import { LayerCache } from '../../../src/core/image/layer-cache.js';
import { openSinks } from '../../../src/core/image/transports.js';
import type { Exec } from '../../../src/core/ports.js';
import { parseImageRef } from '../../../src/core/registry/reference.js';
import { silentLogger } from '../../unit/image/helpers.js';
import { requireBinary } from '../services/binaries.js';
import { startFaultProxy } from '../services/fault-proxy.js';
import { startRegistry, type RunningRegistry } from '../services/registry.js';
import { startTokenService, type TokenService } from '../services/token-service.js';
import { tempDir } from '../../unit/support/temp-dirs.js';

const run = promisify(execFile);
const mounted: string[] = [];
const noExec: Exec = { run: () => Promise.reject(new Error('no exec here')) };
const MiB = 1024 * 1024;
let model: string;
const started: RunningRegistry[] = [];

async function registry(
  options: Parameters<typeof startRegistry>[0] = {},
): Promise<RunningRegistry> {
  const started_ = await startRegistry(options);
  started.push(started_);
  return started_;
}

async function push(refs: string[], access: RegistryAccess) {
  const targets = await openSinks(
    refs.map((ref) => parseImageRef(ref)),
    { access, exec: noExec, tempDir: tmpdir(), chunkBytes: MiB },
    'tag',
  );
  return buildImage({
    base: undefined,
    platform: { os: 'linux', architecture: 'amd64' },
    modelDir: model,
    modelTarget: '/opt/model',
    codeTarget: '/opt/app',
    runtime: { labels: {} },
    created: '2024-05-01T00:00:00Z',
    compressionLevel: 1,
    largeFileBytes: 4 * MiB,
    cache: new LayerCache(undefined),
    targets,
    parallel: 2,
    logger: silentLogger,
  });
}

async function tagExists(address: string, repository: string, tag: string): Promise<boolean> {
  const response = await fetch(`http://${address}/v2/${repository}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  return response.status === 200;
}

/** Counts PATCH requests and runs `onPatch(n)` before the n-th one is sent. */
function patchSpy(onPatch: (count: number) => void | Promise<void>): Fetch {
  let patches = 0;
  return async (url, init) => {
    if (init?.method === 'PATCH') {
      patches += 1;
      await onPatch(patches);
    }
    return fetch(url, init);
  };
}

beforeAll(() => {
  requireBinary('skopeo');
  model = tempDir('sluice-fault-model-');
  writeFileSync(join(model, 'weights.bin'), randomBytes(12 * MiB));
  writeFileSync(join(model, 'config.json'), '{"a": 1}');
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((item) => item.stop()));
});

afterAll(async () => {
  await Promise.all(started.map((item) => item.stop()));
  for (const dir of mounted.splice(0)) {
    await run('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('registry faults', () => {
  it('retries when the registry dies mid-push, then fails with exit 3, a clear message and no tag', async () => {
    const reg = await registry();
    const sleeps: number[] = [];
    const access = new RegistryAccess({
      credentials: async () => undefined,
      fetch: patchSpy((count) => {
        if (count === 4) reg.kill();
      }),
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      baseDelayMs: 5,
    });
    const error = await push([`${reg.address}/faulty/model:v1`], access).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(InfraError);
    expect(exitCodeOf(error)).toBe(3);
    expect((error as Error).message).toMatch(new RegExp(`${reg.address}/faulty/model`));
    expect((error as Error).message).toMatch(/ECONNREFUSED|attempts/);
    expect(sleeps.length).toBeGreaterThanOrEqual(3);
    expect((error as InfraError).hint).toMatch(/registry/);
    // Restarted on the same storage: the tag was never written.
    const again = await startRegistry({ dataDir: reg.dataDir, port: reg.port });
    started.push(again);
    expect(await tagExists(again.address, 'faulty/model', 'v1')).toBe(false);
  });

  it('resumes an interrupted upload where the restarted registry left it', async () => {
    const dataDir = tempDir('sluice-resume-data-');
    let reg = await registry({ dataDir });
    let restarted = false;
    const access = new RegistryAccess({
      credentials: async () => undefined,
      fetch: patchSpy(async (count) => {
        if (count === 5 && !restarted) {
          restarted = true;
          await reg.stop();
          reg = await registry({ dataDir, port: reg.port });
        }
      }),
      sleep: async () => undefined,
      baseDelayMs: 0,
    });
    // The 5th PATCH goes to a registry that was just replaced: its connection may break, and the
    // client must ask for the upload's status and continue from there.
    const result = await push([`${reg.address}/resumed/model:v1`], access);
    const written = result.uploaded[`${reg.address}/resumed/model`] ?? 0;
    expect(written).toBeLessThan(12 * MiB * 1.5);
    const { stdout } = await run('skopeo', [
      'inspect',
      '--tls-verify=false',
      `docker://${reg.address}/resumed/model:v1`,
    ]);
    expect((JSON.parse(stdout) as { Digest: string }).Digest).toBe(result.digest);
  });

  it('retries 500s injected in front of the registry and still pushes a complete image', async () => {
    const reg = await registry();
    const proxy = await startFaultProxy(reg.port);
    try {
      proxy.failNext((method) => method === 'PATCH', 2);
      proxy.failNext((method, path) => method === 'PUT' && path.includes('/manifests/'), 1);
      proxy.failNext((method, path) => method === 'POST' && path.endsWith('/uploads/'), 1, 503);
      const access = new RegistryAccess({
        credentials: async () => undefined,
        sleep: async () => undefined,
        baseDelayMs: 0,
      });
      const result = await push([`${proxy.address}/flaky/model:v1`], access);
      const { stdout } = await run('skopeo', [
        'inspect',
        '--tls-verify=false',
        `docker://${reg.address}/flaky/model:v1`,
      ]);
      expect((JSON.parse(stdout) as { Digest: string }).Digest).toBe(result.digest);
      expect(proxy.seen.filter((line) => line.startsWith('PATCH')).length).toBeGreaterThan(12);
    } finally {
      await proxy.stop();
    }
  });

  it('gives up on a registry that keeps answering 500, without writing the tag', async () => {
    const reg = await registry();
    const proxy = await startFaultProxy(reg.port);
    try {
      proxy.failNext((method) => method === 'PATCH', 1000);
      const access = new RegistryAccess({
        credentials: async () => undefined,
        sleep: async () => undefined,
        baseDelayMs: 0,
      });
      const error = await push([`${proxy.address}/down/model:v1`], access).catch(
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(InfraError);
      expect((error as Error).message).toMatch(/HTTP 500/);
      expect(proxy.seen.some((line) => line.includes('/manifests/'))).toBe(false);
      expect(await tagExists(reg.address, 'down/model', 'v1')).toBe(false);
    } finally {
      await proxy.stop();
    }
  });

  it('fetches a new bearer token when the registry refuses the cached one (401 after expiry), once', async () => {
    const user = { username: 'ci', password: 'secret-pw' };
    const tokens: TokenService = await startTokenService(user);
    try {
      const reg = await registry({
        token: {
          realm: tokens.realm,
          service: tokens.service,
          issuer: tokens.issuer,
          certificateFile: tokens.certificateFile,
        },
      });
      const proxy = await startFaultProxy(reg.port);
      try {
        const access = new RegistryAccess({ credentials: async () => user, baseDelayMs: 0 });
        await push([`${proxy.address}/expiring/model:v1`], access);
        const before = tokens.issued.length;
        // The registry now refuses the cached token, as it does once a token has expired.
        const challenge = `Bearer realm="${tokens.realm}",service="${tokens.service}",scope="repository:expiring/model:pull,push"`;
        proxy.failNext((method, path) => path.includes('/manifests/'), 1, 401, {
          'www-authenticate': challenge,
        });
        const result = await push([`${proxy.address}/expiring/model:v2`], access);
        expect(tokens.issued.length).toBe(before + 1);
        const { stdout } = await run('skopeo', [
          'inspect',
          '--tls-verify=false',
          `--creds=${user.username}:${user.password}`,
          `docker://${reg.address}/expiring/model:v2`,
        ]);
        expect((JSON.parse(stdout) as { Digest: string }).Digest).toBe(result.digest);
      } finally {
        await proxy.stop();
      }
    } finally {
      await tokens.stop();
    }
  });
});

describe('token expiry at the registry itself', () => {
  it('a token the registry finds expired (401, no proxy) is replaced once and the push completes', async () => {
    const user = { username: 'ci', password: 'secret-pw' };
    const tokens = await startTokenService(user);
    try {
      const reg = await registry({
        token: {
          realm: tokens.realm,
          service: tokens.service,
          issuer: tokens.issuer,
          certificateFile: tokens.certificateFile,
        },
      });
      // distribution accepts a token up to 60 s past its `exp`: this one is good for ~4 s more,
      // while `expires_in` tells the client it has 300 s.
      tokens.expOffsetSeconds = -56;
      const access = new RegistryAccess({ credentials: async () => user, baseDelayMs: 0 });
      await push([`${reg.address}/expiring/model:v1`], access);
      const before = tokens.issued.length;
      tokens.expOffsetSeconds = undefined;
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      const result = await push([`${reg.address}/expiring/model:v2`], access);
      expect(tokens.issued.length).toBe(before + 1);
      const { stdout } = await run('skopeo', [
        'inspect',
        '--tls-verify=false',
        `--creds=${user.username}:${user.password}`,
        `docker://${reg.address}/expiring/model:v2`,
      ]);
      expect((JSON.parse(stdout) as { Digest: string }).Digest).toBe(result.digest);
    } finally {
      await tokens.stop();
    }
  });
});

describe('OCI layout faults', () => {
  it('a full disk under the layout folder fails with exit 3, says so, and leaves no index or partial blob', async () => {
    expect(process.getuid?.(), 'mounting a tmpfs needs root').toBe(0);
    const disk = tempDir('sluice-full-disk-');
    await run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', disk]);
    mounted.push(disk);
    const layout = join(disk, 'layout');
    mkdirSync(layout);
    const targets = await openSinks(
      [parseImageRef(`oci:${layout}:v1`)],
      {
        access: new RegistryAccess({ credentials: async () => undefined }),
        exec: noExec,
        tempDir: tmpdir(),
        chunkBytes: MiB,
      },
      'output',
    );
    const error = await buildImage({
      base: undefined,
      platform: { os: 'linux', architecture: 'amd64' },
      modelDir: model,
      modelTarget: '/opt/model',
      codeTarget: '/opt/app',
      runtime: { labels: {} },
      created: '2024-05-01T00:00:00Z',
      compressionLevel: 1,
      largeFileBytes: 4 * MiB,
      cache: new LayerCache(undefined),
      targets,
      parallel: 2,
      logger: silentLogger,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InfraError);
    expect(exitCodeOf(error)).toBe(3);
    expect((error as Error).message).toBe(
      'the OCI layout (to write a blob) cannot be written: no space left on the device',
    );
    expect((error as InfraError).place?.file).toBe(layout);
    expect((error as InfraError).hint).toMatch(/free space/i);
    expect(existsSync(join(layout, 'index.json'))).toBe(false);
    const left = readdirSync(join(layout, 'blobs', 'sha256'));
    expect(left.filter((name) => name.startsWith('.upload-'))).toEqual([]);
  });
});
