/**
 * `docker-archive:` as a base image and as a push-image source. The archives are written by
 * skopeo (an independent writer of `docker save`'s format), the results checked with skopeo.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildImageInputs } from '../../../src/core/commands/build-image.js';
import type { CommandDeps } from '../../../src/core/commands/types.js';
import { UsageError } from '../../../src/core/errors.js';
import { localDeps, runBuildImage, runPushImage } from '../../unit/image/helpers.js';
import { requireBinary } from '../services/binaries.js';
import { startRegistry, type RunningRegistry } from '../services/registry.js';
import { tempDir } from '../../unit/support/temp-dirs.js';

const run = promisify(execFile);
let work: string;
let archive: string;
let registry: RunningRegistry;

function deps(): CommandDeps {
  return localDeps(work);
}

function inputs(extra: Partial<BuildImageInputs>): Partial<BuildImageInputs> {
  return {
    base: 'scratch',
    push: false,
    platform: 'linux/amd64',
    'model-path': '/opt/model',
    'code-path': '/opt/app',
    'compression-level': 1,
    parallel: 3,
    'chunk-size': 16,
    'cache-dir': 'none',
    'docker-config': work,
    'source-date-epoch': 1_700_000_000,
    format: 'json',
    ...extra,
  };
}

async function inspect(ref: string) {
  const { stdout } = await run('skopeo', ['inspect', '--tls-verify=false', ref]);
  return JSON.parse(stdout) as { Digest: string; Layers: string[]; Labels: Record<string, string> };
}

async function rawConfig(ref: string) {
  const { stdout } = await run('skopeo', ['inspect', '--config', '--tls-verify=false', ref]);
  return JSON.parse(stdout) as { rootfs: { diff_ids: string[] }; config?: { Env?: string[] } };
}

beforeAll(async () => {
  requireBinary('skopeo');
  work = tempDir('sluice-archive-base-');
  for (const name of ['runtime', 'model']) mkdirSync(join(work, name));
  writeFileSync(join(work, 'runtime', 'server.bin'), randomBytes(150_000));
  writeFileSync(join(work, 'model', 'weights.bin'), randomBytes(120_000));
  // A "runtime" base image, converted by skopeo into a two-image docker archive.
  const layout = join(work, 'layout');
  await runBuildImage(
    inputs({
      model: 'runtime',
      'model-path': '/srv',
      env: ['RUNTIME=1'],
      output: [`oci:${layout}:base`],
    }),
    deps(),
  );
  archive = join(work, 'images.tar');
  await run('skopeo', [
    'copy',
    '--additional-tag',
    'team/other:2',
    `oci:${layout}:base`,
    `docker-archive:${archive}:team/runtime:1`,
  ]);
  registry = await startRegistry();
});

afterAll(async () => {
  await registry?.stop();
});

describe('docker-archive as a source', () => {
  it('builds on a base read from the archive: its layers first, its config kept, pushed complete', async () => {
    const built = await runBuildImage(
      inputs({
        base: `docker-archive:${archive}:team/runtime:1`,
        model: 'model',
        tag: [`${registry.address}/team/served:1`],
        push: true,
      }),
      deps(),
    );
    const ref = `docker://${registry.address}/team/served:1`;
    const image = await inspect(ref);
    expect(image.Digest).toBe(built.outputs!['digest']);
    const base = await rawConfig(`docker-archive:${archive}:team/runtime:1`);
    const config = await rawConfig(ref);
    expect(config.rootfs.diff_ids.slice(0, base.rootfs.diff_ids.length)).toEqual(
      base.rootfs.diff_ids,
    );
    expect(config.rootfs.diff_ids).toHaveLength(base.rootfs.diff_ids.length + 1);
    expect(config.config?.Env).toContain('RUNTIME=1');
    // The archive's layers are uncompressed: pushed as they are, digest = diff_id.
    expect(image.Layers[0]).toBe(base.rootfs.diff_ids[0]);
    // skopeo can pull every blob back (nothing missing behind the tag).
    const copy = join(work, 'pulled');
    await run('skopeo', ['copy', '--src-tls-verify=false', ref, `oci:${copy}:x`]);
  });

  it('push-image promotes an image from the archive to a registry', async () => {
    const result = await runPushImage(
      {
        from: `docker-archive:${archive}:team/runtime:1`,
        to: [`${registry.address}/team/runtime:1`],
        parallel: 3,
        'chunk-size': 16,
        'docker-config': work,
      },
      deps(),
    );
    const pushed = await inspect(`docker://${registry.address}/team/runtime:1`);
    expect(pushed.Digest).toBe(result.outputs!['digest']);
    const base = await rawConfig(`docker-archive:${archive}:team/runtime:1`);
    expect(pushed.Layers).toEqual(base.rootfs.diff_ids);
  });

  it('names the tags the archive holds when the asked one is not there', async () => {
    const error = await runBuildImage(
      inputs({ base: `docker-archive:${archive}:team/missing:9`, model: 'model' }),
      deps(),
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain('tagged team/missing:9');
    expect((error as UsageError).hint).toMatch(
      /team\/runtime:1.*team\/other:2|team\/other:2.*team\/runtime:1/,
    );
  });
});
