import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { buildImage, layerCountLine, type BuildOptions } from '../../../src/core/image/build.js';
import { LayerCache } from '../../../src/core/image/layer-cache.js';
import { planLayers } from '../../../src/core/image/layers.js';
import { collect } from '../../../src/core/image/streams.js';
import { tarStream } from '../../../src/core/image/tar.js';
import { walk } from '../../../src/core/image/walk.js';
import { silentLogger, usageError } from './helpers.js';
import { tempDir } from '../support/temp-dirs.js';

const tmp = (prefix: string) => tempDir(prefix);

function options(model: string, cacheDir: string): BuildOptions {
  return {
    base: undefined,
    platform: { os: 'linux', architecture: 'amd64' },
    modelDir: model,
    modelTarget: '/opt/model',
    codeTarget: '/opt/app',
    runtime: { labels: {} },
    created: '2024-01-01T00:00:00Z',
    compressionLevel: 1,
    largeFileBytes: 1000,
    cache: new LayerCache(cacheDir),
    targets: [],
    parallel: 2,
    logger: silentLogger,
  };
}

describe('layer cache', () => {
  it('reads a file rewritten in place with the same size and its old mtime put back (touch -r)', async () => {
    const model = tmp('sluice-model-');
    const cache = tmp('sluice-cache-');
    const weights = join(model, 'weights.bin');
    writeFileSync(weights, Buffer.alloc(4000, 1));
    utimesSync(weights, 1_600_000_000, 1_600_000_000);
    const before = statSync(weights);
    const first = await buildImage(options(model, cache));
    // ctime has the kernel's clock-tick resolution: let it move on before the rewrite.
    await sleep(30);
    writeFileSync(weights, Buffer.alloc(4000, 2));
    utimesSync(weights, 1_600_000_000, 1_600_000_000);
    const after = statSync(weights);
    expect([after.size, after.mtimeMs, after.ino]).toEqual([
      before.size,
      before.mtimeMs,
      before.ino,
    ]);
    const second = await buildImage(options(model, cache));
    expect(second.layers[0]!.title).toBe('model: weights.bin');
    expect(second.layers[0]!.digest).not.toBe(first.layers[0]!.digest);
    const uncached = await buildImage(options(model, tmp('sluice-cache-')));
    expect(second.layers[0]!.digest).toBe(uncached.layers[0]!.digest);
  });

  it('still reuses the cache for files left alone', async () => {
    const model = tmp('sluice-model-');
    const cache = tmp('sluice-cache-');
    writeFileSync(join(model, 'weights.bin'), Buffer.alloc(4000, 1));
    await buildImage(options(model, cache));
    const logged: string[] = [];
    await buildImage({
      ...options(model, cache),
      logger: { ...silentLogger, info: (line: string) => logged.push(line) },
    });
    expect(logged.join('\n')).toContain('1 layer of model and code: 0 packed, 1 reused');
  });

  it('tells what a build packed and what it reused from the cache, as counted', async () => {
    const model = tmp('sluice-model-');
    const cache = tmp('sluice-cache-');
    writeFileSync(join(model, 'weights.bin'), Buffer.alloc(4000, 1));
    writeFileSync(join(model, 'config.json'), '{}');
    const line = async () => {
      const logged: string[] = [];
      await buildImage({
        ...options(model, cache),
        logger: { ...silentLogger, info: (text: string) => logged.push(text) },
      });
      return logged.find((text) => text.includes('of model and code'));
    };
    expect(await line()).toBe(
      '2 layers of model and code: 2 packed, 0 reused from the layer cache; on scratch',
    );
    expect(await line()).toBe(
      '2 layers of model and code: 0 packed, 2 reused from the layer cache; on scratch',
    );
    await sleep(30);
    writeFileSync(join(model, 'config.json'), '{"changed": true}');
    expect(await line()).toBe(
      '2 layers of model and code: 1 packed, 1 reused from the layer cache; on scratch',
    );
  });

  it('names the base image and its layers, copied as they are', () => {
    expect(layerCountLine([{ digest: 'sha256:a' }], 'python:3.12-slim', 4)).toBe(
      '1 layer of model and code: 0 packed, 1 reused from the layer cache; on base python:3.12-slim (4 layers copied as is)',
    );
  });

  it('titles a layer of one file in the singular', async () => {
    const model = tmp('sluice-model-');
    writeFileSync(join(model, 'config.json'), '{}');
    const built = await buildImage(options(model, tmp('sluice-cache-')));
    expect(built.layers.map((layer) => layer.title)).toEqual(['model: 1 file']);
  });
});

describe('folder modes', () => {
  it('writes a sticky folder (a /tmp) 1777 and every other folder 755, whatever their mode on disk', async () => {
    const root = tmp('sluice-rootfs-');
    mkdirSync(join(root, 'tmp'));
    chmodSync(join(root, 'tmp'), 0o1777);
    mkdirSync(join(root, 'open'));
    chmodSync(join(root, 'open'), 0o777);
    mkdirSync(join(root, 'etc'));
    chmodSync(join(root, 'etc'), 0o700);
    writeFileSync(join(root, 'etc', 'passwd'), 'sluice:x:65532:65532::/tmp:/sbin/nologin\n');
    const [plan] = planLayers({
      files: await walk(root, 'model'),
      target: '/',
      label: 'model',
      compressionLevel: 1,
      splitLarge: false,
    });
    const modes = Object.fromEntries(plan!.entries.map((entry) => [entry.path, entry.mode]));
    expect(modes).toEqual({ etc: 0o755, 'etc/passwd': 0o644, open: 0o755, tmp: 0o1777 });
    const archive = join(root, '..', `${basename(root)}.tar`);
    writeFileSync(archive, await collect(tarStream(plan!.entries)));
    try {
      const listing = execFileSync('tar', ['--numeric-owner', '-tvf', archive], {
        encoding: 'utf8',
      });
      expect(listing).toMatch(/^drwxrwxrwt 0\/0 .* tmp\/$/m);
      expect(listing).toMatch(/^drwxr-xr-x 0\/0 .* open\/$/m);
    } finally {
      rmSync(archive);
    }
  });
});

describe('model walk', () => {
  it('refuses a dangling symlink, naming the link and its target', async () => {
    const model = tmp('sluice-model-');
    writeFileSync(join(model, 'config.json'), '{}');
    symlinkSync('../blobs/0123abcd', join(model, 'weights.bin'));
    const error = await usageError(walk(model, 'model'));
    expect(error.message).toContain(join(model, 'weights.bin'));
    expect(error.message).toContain('../blobs/0123abcd');
    expect(error.place?.key).toBe('model');
  });

  it('refuses a directory symlink cycle instead of packing the folder again and again', async () => {
    const model = tmp('sluice-model-');
    mkdirSync(join(model, 'loop', 'a'), { recursive: true });
    writeFileSync(join(model, 'loop', 'a', 'w.bin'), 'w');
    symlinkSync('..', join(model, 'loop', 'a', 'up'));
    const error = await usageError(walk(model, 'model'));
    expect(error.message).toContain(join(model, 'loop', 'a', 'up'));
    expect(error.place?.key).toBe('model');
  });

  it('follows links to files and to folders outside the path walked (snapshots of blobs) when told to', async () => {
    const store = tmp('sluice-store-');
    mkdirSync(join(store, 'tokenizer'));
    writeFileSync(join(store, 'blob'), 'weights');
    writeFileSync(join(store, 'tokenizer', 'vocab.txt'), 'a');
    const model = tmp('sluice-model-');
    symlinkSync(join(store, 'blob'), join(model, 'weights.bin'));
    symlinkSync(join(store, 'tokenizer'), join(model, 'tokenizer'));
    symlinkSync(join(store, 'tokenizer'), join(model, 'tokenizer-again'));
    await usageError(walk(model, 'model'));
    const files = await walk(model, 'model', { followOutside: true });
    expect(files.map((file) => [file.rel, file.type])).toEqual([
      ['tokenizer', 'dir'],
      ['tokenizer-again', 'dir'],
      ['tokenizer-again/vocab.txt', 'file'],
      ['tokenizer/vocab.txt', 'file'],
      ['weights.bin', 'file'],
    ]);
  });
});
