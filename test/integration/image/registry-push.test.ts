import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryAccess } from '../../../src/clients/oci/access.js';
import type { Credentials } from '../../../src/clients/oci/auth.js';
import { UsageError } from '../../../src/core/errors.js';
import { buildImage, type BuildOptions } from '../../../src/core/image/build.js';
import { copyImage } from '../../../src/core/image/copy.js';
import { LayerCache } from '../../../src/core/image/layer-cache.js';
import { openSinks, openSource, type TransportDeps } from '../../../src/core/image/transports.js';
import type { Exec } from '../../../src/core/ports.js';
import { parseImageRef } from '../../../src/core/registry/reference.js';
import { requireBinary } from '../services/binaries.js';
import { startRegistry, type RunningRegistry } from '../services/registry.js';
import { startTokenService, type TokenService } from '../services/token-service.js';
import { silentLogger } from '../../unit/image/helpers.js';
import { tempDir } from '../../unit/support/temp-dirs.js';

const run = promisify(execFile);
const USER = { username: 'ci', password: 'pa55-word' };
const noExec: Exec = { run: () => Promise.reject(new Error('no exec in this test')) };

let plain: RunningRegistry;
let basic: RunningRegistry;
let tokens: TokenService;
let bearer: RunningRegistry;
let model: string;

/** Asynchronous: the token service answering skopeo runs in this very process. */
async function skopeo(...args: string[]): Promise<string> {
  return (await run('skopeo', args)).stdout;
}

function deps(credentials?: Credentials, chunkBytes = 1024 * 1024): TransportDeps {
  return {
    access: new RegistryAccess({ credentials: async () => credentials, baseDelayMs: 10 }),
    exec: noExec,
    tempDir: tmpdir(),
    chunkBytes,
  };
}

async function build(
  to: string[],
  transport: TransportDeps,
  overrides: Partial<BuildOptions> = {},
) {
  const targets = await openSinks(
    to.map((ref) => parseImageRef(ref)),
    transport,
    'tag',
  );
  return buildImage({
    base: undefined,
    platform: { os: 'linux', architecture: 'amd64' },
    modelDir: model,
    modelTarget: '/opt/model',
    codeTarget: '/opt/app',
    runtime: { labels: { 'io.sluice.test': 'yes' }, cmd: ['/opt/app/serve'] },
    created: '2024-05-01T00:00:00Z',
    compressionLevel: 1,
    largeFileBytes: 2 * 1024 * 1024,
    cache: new LayerCache(undefined),
    targets,
    parallel: 3,
    logger: silentLogger,
    ...overrides,
  });
}

beforeAll(async () => {
  requireBinary('skopeo');
  requireBinary('umoci');
  model = tempDir('sluice-push-model-');
  mkdirSync(join(model, 'tokenizer'));
  // 5 MiB of pseudo-random bytes: its own layer, uploaded in 1 MiB PATCH chunks.
  writeFileSync(join(model, 'weights.bin'), randomBytes(5 * 1024 * 1024 + 123));
  writeFileSync(join(model, 'config.json'), '{"hidden": 8}');
  writeFileSync(join(model, 'tokenizer', 'vocab.txt'), 'hello\nworld\n');
  tokens = await startTokenService(USER);
  [plain, basic, bearer] = await Promise.all([
    startRegistry(),
    startRegistry({ htpasswd: USER }),
    startRegistry({
      token: {
        realm: tokens.realm,
        service: tokens.service,
        issuer: tokens.issuer,
        certificateFile: tokens.certificateFile,
      },
    }),
  ]);
});

afterAll(async () => {
  await Promise.all([plain?.stop(), basic?.stop(), bearer?.stop(), tokens?.stop()]);
});

describe('pushing to a real registry', () => {
  it('pushes a built image under several tags; skopeo sees the same digest and copies it whole', async () => {
    const result = await build(
      [`${plain.address}/team/model:v1`, `${plain.address}/team/model:latest`],
      deps(),
    );
    expect(result.layers).toHaveLength(2);
    expect(result.uploaded[`${plain.address}/team/model`]).toBeGreaterThan(5 * 1024 * 1024);
    for (const tag of ['v1', 'latest']) {
      const inspected = JSON.parse(
        await skopeo(
          'inspect',
          '--tls-verify=false',
          `docker://${plain.address}/team/model:${tag}`,
        ),
      ) as {
        Digest: string;
        Layers: string[];
        Labels: Record<string, string>;
      };
      expect(inspected.Digest).toBe(result.digest);
      expect(inspected.Layers).toEqual(result.layers.map((layer) => layer.digest));
      expect(inspected.Labels['io.sluice.test']).toBe('yes');
    }
    const out = tempDir('sluice-skopeo-');
    await skopeo(
      'copy',
      '--src-tls-verify=false',
      `docker://${plain.address}/team/model:v1`,
      `oci:${out}:v1`,
    );
    const unpacked = join(out, 'bundle');
    execFileSync('umoci', ['unpack', '--rootless', '--image', `${out}:v1`, unpacked], {
      stdio: 'ignore',
    });
    const listing = execFileSync('find', [join(unpacked, 'rootfs'), '-type', 'f'], {
      encoding: 'utf8',
    });
    expect(listing).toContain('opt/model/weights.bin');
    expect(listing).toContain('opt/model/tokenizer/vocab.txt');
  });

  it('pushes the same image again without sending a blob byte', async () => {
    const cacheDir = tempDir('sluice-cache-');
    const first = await build([`${plain.address}/team/again:v1`], deps(), {
      cache: new LayerCache(cacheDir),
    });
    const second = await build([`${plain.address}/team/again:v2`], deps(), {
      cache: new LayerCache(cacheDir),
    });
    expect(second.digest).toBe(first.digest);
    expect(second.uploaded[`${plain.address}/team/again`]).toBe(0);
  });

  it('builds on a base image from the registry, mounting its layers into the new repository', async () => {
    const base = await build([`${plain.address}/base/runtime:1`], deps());
    const code = tempDir('sluice-code-');
    writeFileSync(join(code, 'serve'), '#!/bin/sh\necho serving\n');
    const transport = deps();
    const source = await openSource(
      parseImageRef(`${plain.address}/base/runtime:1`),
      transport,
      'base',
    );
    const smallModel = tempDir('sluice-small-model-');
    writeFileSync(join(smallModel, 'head.json'), '{"classes": 3}');
    const derived = await build([`${plain.address}/apps/derived:1`], transport, {
      base: source,
      codeDir: code,
      modelDir: smallModel,
    });
    expect(derived.layers.slice(0, 2).map((layer) => layer.digest)).toEqual(
      base.layers.map((layer) => layer.digest),
    );
    // The 5 MiB base layer is mounted from base/runtime, not sent again: only the small new layers travel.
    expect(derived.uploaded[`${plain.address}/apps/derived`]).toBeLessThan(100_000);
    const inspected = JSON.parse(
      await skopeo('inspect', '--tls-verify=false', `docker://${plain.address}/apps/derived:1`),
    ) as { Layers: string[] };
    expect(inspected.Layers).toHaveLength(4);
  });

  it('authenticates with basic auth (htpasswd, bcrypt) and refuses without credentials', async () => {
    const result = await build([`${basic.address}/secure/model:v1`], deps(USER));
    const inspected = JSON.parse(
      await skopeo(
        'inspect',
        '--tls-verify=false',
        `--creds=${USER.username}:${USER.password}`,
        `docker://${basic.address}/secure/model:v1`,
      ),
    ) as { Digest: string };
    expect(inspected.Digest).toBe(result.digest);
    const anonymous = build([`${basic.address}/secure/model:v2`], deps());
    await expect(anonymous).rejects.toThrow(UsageError);
    await expect(
      build([`${basic.address}/secure/model:v2`], deps({ username: 'ci', password: 'wrong' })),
    ).rejects.toThrow(/refused/);
  });

  it('gets bearer tokens from the token service the registry names in its challenge', async () => {
    tokens.issued.length = 0;
    const result = await build([`${bearer.address}/tok/model:v1`], deps(USER));
    expect(
      tokens.issued.some((token) => token.scopes.includes('repository:tok/model:pull,push')),
    ).toBe(true);
    const inspected = JSON.parse(
      await skopeo(
        'inspect',
        '--tls-verify=false',
        `--creds=${USER.username}:${USER.password}`,
        `docker://${bearer.address}/tok/model:v1`,
      ),
    ) as { Digest: string };
    expect(inspected.Digest).toBe(result.digest);
    const error = await build(
      [`${bearer.address}/tok/model:v2`],
      deps({ username: 'ci', password: 'nope' }),
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageError);
    expect(String((error as Error).message)).not.toContain('nope');
  });

  it('promotes an image by digest from one registry to two others, streaming', async () => {
    const built = await build([`${plain.address}/staging/model:rc1`], deps());
    const transport = deps(USER);
    const source = await openSource(
      parseImageRef(`${plain.address}/staging/model@${built.digest}`),
      transport,
      'from',
    );
    const targets = await openSinks(
      [
        parseImageRef(`${basic.address}/prod/model:1.0`),
        parseImageRef(`${bearer.address}/prod/model:1.0`),
        parseImageRef(`${bearer.address}/prod/model:stable`),
      ],
      transport,
      'to',
    );
    const copied = await copyImage(source!, targets, 3);
    expect(copied.digest).toBe(built.digest);
    for (const ref of [`${basic.address}/prod/model:1.0`, `${bearer.address}/prod/model:stable`]) {
      const inspected = JSON.parse(
        await skopeo(
          'inspect',
          '--tls-verify=false',
          `--creds=${USER.username}:${USER.password}`,
          `docker://${ref}`,
        ),
      ) as { Digest: string };
      expect(inspected.Digest).toBe(built.digest);
    }
  });
});
