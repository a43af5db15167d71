import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildImage, type BuildOptions } from '../../../src/core/image/build.js';
import { LayerCache } from '../../../src/core/image/layer-cache.js';
import { OciLayoutSink, OciLayoutSource } from '../../../src/core/image/oci-layout.js';
import { silentLogger } from './helpers.js';
import { tempDir } from '../support/temp-dirs.js';

function modelDir(): string {
  const dir = tempDir('sluice-model-');
  mkdirSync(join(dir, 'tokenizer'));
  writeFileSync(join(dir, 'weights.bin'), Buffer.alloc(3000, 7));
  writeFileSync(join(dir, 'config.json'), '{"layers": 2}');
  writeFileSync(join(dir, 'tokenizer', 'vocab.txt'), 'a\nb\n');
  return dir;
}

function options(model: string, overrides: Partial<BuildOptions> = {}): BuildOptions {
  return {
    base: undefined,
    platform: { os: 'linux', architecture: 'amd64' },
    modelDir: model,
    modelTarget: '/opt/model',
    codeTarget: '/opt/app',
    runtime: {
      labels: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
      cmd: ['serve'],
    },
    created: '2024-01-01T00:00:00Z',
    compressionLevel: 1,
    largeFileBytes: 1000,
    cache: new LayerCache(undefined),
    targets: [],
    parallel: 2,
    logger: silentLogger,
    ...overrides,
  };
}

describe('buildImage', () => {
  it('gives the same digest for the same inputs, whatever the files’ mtimes or the machine', async () => {
    const model = modelDir();
    const first = await buildImage(options(model));
    utimesSync(join(model, 'weights.bin'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    const copy = modelDir();
    const second = await buildImage(options(copy));
    expect(second.digest).toBe(first.digest);
    expect(first.layers.map((layer) => layer.title)).toEqual([
      'model: weights.bin',
      'model: 2 smaller files',
    ]);
    expect(first.layers[0]!.mediaType).toBe('application/vnd.oci.image.layer.v1.tar');
    expect(first.layers[1]!.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip');
  });

  it('keeps the weights layer digest when only a small file changes', async () => {
    const model = modelDir();
    const before = await buildImage(options(model));
    writeFileSync(join(model, 'config.json'), '{"layers": 3}');
    const after = await buildImage(options(model));
    expect(after.layers[0]!.digest).toBe(before.layers[0]!.digest);
    expect(after.layers[1]!.digest).not.toBe(before.layers[1]!.digest);
    expect(after.digest).not.toBe(before.digest);
  });

  it('changes the digest with the created time', async () => {
    const model = modelDir();
    const a = await buildImage(options(model));
    const b = await buildImage(options(model, { created: '2025-01-01T00:00:00Z' }));
    expect(b.digest).not.toBe(a.digest);
  });

  it('writes an OCI layout that reads back as a base image, and reuses cached layer digests', async () => {
    const model = modelDir();
    const cacheDir = tempDir('sluice-cache-');
    const layout = tempDir('sluice-layout-');
    const built = await buildImage(
      options(model, {
        cache: new LayerCache(cacheDir),
        targets: [{ sink: new OciLayoutSink(layout), tags: ['v1'] }],
      }),
    );
    const again = await buildImage(
      options(model, {
        cache: new LayerCache(cacheDir),
        targets: [{ sink: new OciLayoutSink(layout), tags: ['v1'] }],
      }),
    );
    expect(again.digest).toBe(built.digest);
    expect(again.uploaded[`oci:${layout}`]).toBe(0);

    const code = tempDir('sluice-code-');
    writeFileSync(join(code, 'serve.py'), 'print(1)');
    const derived = await buildImage(
      options(model, {
        base: new OciLayoutSource(layout, 'v1'),
        codeDir: code,
        targets: [{ sink: new OciLayoutSink(layout), tags: ['v2'] }],
      }),
    );
    expect(derived.layers.slice(0, 2).map((layer) => layer.title)).toEqual(['base', 'base']);
    expect(derived.layers.at(-1)!.title).toBe('code: 1 file');
  });
});
