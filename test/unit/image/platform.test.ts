import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildImage, type BuildOptions } from '../../../src/core/image/build.js';
import { LayerCache } from '../../../src/core/image/layer-cache.js';
import { OciLayoutSink, OciLayoutSource } from '../../../src/core/image/oci-layout.js';
import { resolveImage, type Platform } from '../../../src/core/image/platform.js';
import { UsageError } from '../../../src/core/errors.js';
import { silentLogger } from './helpers.js';
import { tempDir } from '../support/temp-dirs.js';

const tmp = (prefix: string) => tempDir(prefix);

function options(platform: Platform, overrides: Partial<BuildOptions> = {}): BuildOptions {
  const model = tmp('sluice-model-');
  writeFileSync(join(model, 'config.json'), '{}');
  return {
    base: undefined,
    platform,
    modelDir: model,
    modelTarget: '/opt/model',
    codeTarget: '/opt/app',
    runtime: { labels: {} },
    created: '2024-01-01T00:00:00Z',
    compressionLevel: 1,
    cache: new LayerCache(undefined),
    targets: [],
    parallel: 2,
    logger: silentLogger,
    ...overrides,
  };
}

/** A single-platform base image in an OCI layout, tagged `base`. */
async function baseLayout(platform: Platform): Promise<string> {
  const layout = tmp('sluice-layout-');
  await buildImage(
    options(platform, { targets: [{ sink: new OciLayoutSink(layout), tags: ['base'] }] }),
  );
  return layout;
}

describe('platform of a single-platform base', () => {
  it('refuses to build linux/arm64 on a linux/amd64 base, naming both', async () => {
    const layout = await baseLayout({ os: 'linux', architecture: 'amd64' });
    const arm64: Platform = { os: 'linux', architecture: 'arm64' };
    const error = await buildImage(
      options(arm64, { base: new OciLayoutSource(layout, 'base') }),
    ).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toMatch(
      /linux\/amd64 image, but platform is linux\/arm64/,
    );
    expect((error as UsageError).place?.key).toBe('platform');
  });

  it('builds on a base of the platform asked for, keeping it', async () => {
    const layout = await baseLayout({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    const out = tmp('sluice-layout-');
    await buildImage(
      options(
        { os: 'linux', architecture: 'arm64' },
        {
          base: new OciLayoutSource(layout, 'base'),
          targets: [{ sink: new OciLayoutSink(out), tags: ['new'] }],
        },
      ),
    );
    const { config } = await resolveImage(new OciLayoutSource(out, 'new'), {
      os: 'linux',
      architecture: 'arm64',
    });
    expect([config.os, config.architecture, config.variant]).toEqual(['linux', 'arm64', 'v8']);
  });

  it('writes the platform asked for on a base whose config names none', async () => {
    const layout = await baseLayout({ os: '', architecture: '' });
    const out = tmp('sluice-layout-');
    await buildImage(
      options(
        { os: 'linux', architecture: 'arm64' },
        {
          base: new OciLayoutSource(layout, 'base'),
          targets: [{ sink: new OciLayoutSink(out), tags: ['new'] }],
        },
      ),
    );
    const { config } = await resolveImage(new OciLayoutSource(out, 'new'), {
      os: 'linux',
      architecture: 'arm64',
    });
    expect([config.os, config.architecture]).toEqual(['linux', 'arm64']);
  });
});
