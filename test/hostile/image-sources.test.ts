import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { exitCodeOf, type UsageError } from '../../src/core/errors.js';
import { collect } from '../../src/core/image/streams.js';
import { tarStream, type TarEntry } from '../../src/core/image/tar.js';
import {
  daemonlessBuildInputs,
  localDeps,
  runBuildImage,
  runPushImage,
  usageError,
} from '../unit/image/helpers.js';
import { tempDir } from '../unit/support/temp-dirs.js';

/**
 * The other local files build-image reads: an OCI layout or a `docker save` archive as the base,
 * the layer cache, an OCI layout it writes to, the attach files. Hostile ones are refused with
 * exit 2, never read outside their folder, never a hang, never exit 70.
 */

const SECRET = `SLUICE-SOURCE-SECRET-${process.pid}`;

function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function work(): string {
  const dir = tempDir('sluice-hostile-src-');
  mkdirSync(join(dir, 'model'));
  writeFileSync(join(dir, 'model', 'config.json'), '{"layers": 2}');
  writeFileSync(join(dir, 'secret'), SECRET);
  return dir;
}

/** A real one-layer layout at `<dir>/base`, tagged v1, to tamper with. */
async function baseLayout(dir: string): Promise<string> {
  const layout = join(dir, 'base');
  await runBuildImage(daemonlessBuildInputs({ output: [`oci:${layout}:v1`] }), localDeps(dir));
  return layout;
}

function layoutText(layout: string): string {
  const blobs = join(layout, 'blobs', 'sha256');
  if (!existsSync(blobs)) return '';
  return readdirSync(blobs)
    .map((name) => {
      const bytes = readFileSync(join(blobs, name));
      return (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString(
        'latin1',
      );
    })
    .join('\n');
}

async function refusedBuild(dir: string, base: string): Promise<UsageError> {
  const out = join(dir, 'out');
  const error = await usageError(
    runBuildImage(daemonlessBuildInputs({ base, output: [`oci:${out}:v2`] }), localDeps(dir)),
  );
  expect(exitCodeOf(error)).toBe(2);
  expect(layoutText(out)).not.toContain(SECRET);
  return error;
}

function manifestOf(layout: string): { path: string; json: Record<string, unknown> } {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as {
    manifests: { digest: string }[];
  };
  const path = join(layout, 'blobs', 'sha256', index.manifests[0]!.digest.slice(7));
  return { path, json: JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown> };
}

/** Points index.json at a new manifest (written as a proper blob) and returns nothing. */
function replaceManifest(layout: string, manifest: unknown): void {
  const bytes = Buffer.from(JSON.stringify(manifest));
  const digest = sha256(bytes);
  writeFileSync(join(layout, 'blobs', 'sha256', digest.slice(7)), bytes);
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest,
          size: bytes.length,
          annotations: { 'org.opencontainers.image.ref.name': 'v1' },
        },
      ],
    }),
  );
}

describe('an OCI layout as the base', () => {
  it('is read as it is when nothing was tampered with', async () => {
    const dir = work();
    const layout = await baseLayout(dir);
    await runBuildImage(
      daemonlessBuildInputs({ base: `oci:${layout}:v1`, output: [`oci:${join(dir, 'out')}:v2`] }),
      localDeps(dir),
    );
  });

  it.each([
    ['not JSON', (layout: string) => writeFileSync(join(layout, 'index.json'), '{"manifests": [')],
    ['JSON null', (layout: string) => writeFileSync(join(layout, 'index.json'), 'null')],
    [
      'manifests not a list',
      (layout: string) => writeFileSync(join(layout, 'index.json'), '{"manifests": "x"}'),
    ],
    [
      'gigantic (sparse, 200 MiB)',
      (layout: string) => truncateSync(join(layout, 'index.json'), 200 * 1024 * 1024),
    ],
    [
      'a FIFO',
      (layout: string) => {
        rmSync(join(layout, 'index.json'));
        execFileSync('mkfifo', [join(layout, 'index.json')]);
      },
    ],
    ['missing', (layout: string) => rmSync(join(layout, 'index.json'))],
  ])('refuses an index.json that is %s', { timeout: 20_000 }, async (_, tamper) => {
    const dir = work();
    const layout = await baseLayout(dir);
    tamper(layout);
    const error = await refusedBuild(dir, `oci:${layout}:v1`);
    expect(error.message + (error.place?.file ?? '')).toContain(layout);
  });

  it('refuses a digest that walks out of blobs/ (sha256:../../x) before it names a file', async () => {
    const dir = work();
    const layout = await baseLayout(dir);
    // What `blobs/sha256/../../x` would have read: a valid manifest, planted.
    const { json } = manifestOf(layout);
    const planted = Buffer.from(JSON.stringify(json));
    writeFileSync(join(layout, 'x'), planted);
    writeFileSync(
      join(layout, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: 'sha256:../../x',
            size: planted.length,
            annotations: { 'org.opencontainers.image.ref.name': 'v1' },
          },
        ],
      }),
    );
    const error = await refusedBuild(dir, `oci:${layout}:v1`);
    expect(error.message).toMatch(/names a blob whose digest (has|is)/);
  });

  it('refuses a layer digest in the manifest that walks out of the layout', async () => {
    const dir = work();
    const layout = await baseLayout(dir);
    const { json } = manifestOf(layout);
    replaceManifest(layout, {
      ...json,
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar',
          digest: `sha256:../../../secret`,
          size: SECRET.length,
        },
      ],
    });
    const error = await refusedBuild(dir, `oci:${layout}:v1`);
    expect(error.message).toMatch(/names a blob whose digest (has|is)/);
  });

  it('refuses a blob that is a link out of the layout, even when its bytes match the digest', async () => {
    const dir = work();
    const layout = await baseLayout(dir);
    const { json } = manifestOf(layout);
    const layer = (json['layers'] as { digest: string }[])[0]!;
    const blob = join(layout, 'blobs', 'sha256', layer.digest.slice(7));
    // The bytes live outside now, and the blob links to them: the digest still matches.
    copyFileSync(blob, join(dir, 'outside-layer'));
    rmSync(blob);
    symlinkSync(join(dir, 'outside-layer'), blob);
    const error = await refusedBuild(dir, `oci:${layout}:v1`);
    expect(error.message).toContain('outside the layout');
  });

  it('refuses a manifest whose bytes do not match its digest', async () => {
    const dir = work();
    const layout = await baseLayout(dir);
    const { path } = manifestOf(layout);
    writeFileSync(path, '{"schemaVersion":2,"layers":[],"config":null}');
    const error = await refusedBuild(dir, `oci:${layout}:v1`);
    expect(error.message).toContain('does not match its digest');
  });

  it('refuses a config blob that is a FIFO without hanging', { timeout: 20_000 }, async () => {
    const dir = work();
    const layout = await baseLayout(dir);
    const { json } = manifestOf(layout);
    const config = json['config'] as { digest: string };
    const path = join(layout, 'blobs', 'sha256', config.digest.slice(7));
    rmSync(path);
    execFileSync('mkfifo', [path]);
    const error = await refusedBuild(dir, `oci:${layout}:v1`);
    expect(error.message).toContain('FIFO');
  });

  it('push-image refuses an index that lists a manifest digest walking out', async () => {
    const dir = work();
    const layout = await baseLayout(dir);
    writeFileSync(
      join(layout, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [{ mediaType: 'x', digest: 'sha256:../../../../etc/hostname', size: 1 }],
      }),
    );
    const error = await usageError(
      runPushImage(
        {
          from: `oci:${layout}`,
          to: [`oci:${join(dir, 'copy')}:v1`],
          parallel: 2,
          'chunk-size': 16,
        },
        localDeps(dir),
      ),
    );
    expect(exitCodeOf(error)).toBe(2);
  });
});

/** A tar of the given members, as `docker save` would write (or not). */
async function archive(dir: string, members: Record<string, string | Buffer>): Promise<string> {
  const source = join(dir, `members-${Math.random().toString(36).slice(2)}`);
  mkdirSync(source);
  const entries: TarEntry[] = Object.entries(members).map(([path, body], i) => {
    const file = join(source, String(i));
    writeFileSync(file, body);
    return { path, type: 'file', mode: 0o644, size: Buffer.byteLength(body), source: file };
  });
  const path = join(dir, `image-${Math.random().toString(36).slice(2)}.tar`);
  writeFileSync(path, await collect(tarStream(entries)));
  return path;
}

const CONFIG = JSON.stringify({
  architecture: 'amd64',
  os: 'linux',
  rootfs: { type: 'layers', diff_ids: [] },
});

describe('a docker save archive as the base', () => {
  it('reads a well-formed one', async () => {
    const dir = work();
    const path = await archive(dir, {
      'manifest.json': JSON.stringify([{ Config: 'config.json', RepoTags: ['m:1'], Layers: [] }]),
      'config.json': CONFIG,
    });
    await runBuildImage(
      daemonlessBuildInputs({
        base: `docker-archive:${path}`,
        output: [`oci:${join(dir, 'out')}:v2`],
      }),
      localDeps(dir),
    );
  });

  it.each<[string, Record<string, string>]>([
    ['a manifest.json that is not JSON', { 'manifest.json': '[{', 'config.json': CONFIG }],
    [
      'a manifest.json of the wrong shape',
      { 'manifest.json': '{"Config": 1}', 'config.json': CONFIG },
    ],
    [
      'a layer named outside the archive',
      {
        'manifest.json': JSON.stringify([{ Config: 'config.json', Layers: ['../../secret'] }]),
        'config.json': CONFIG,
      },
    ],
    [
      'an entry whose path leaves the archive',
      {
        'manifest.json': JSON.stringify([{ Config: 'config.json', Layers: [] }]),
        'config.json': CONFIG,
        '../../../etc/evil': 'x',
      },
    ],
    [
      'a gigantic manifest.json',
      { 'manifest.json': ' '.repeat(17 * 1024 * 1024), 'config.json': CONFIG },
    ],
  ])('refuses %s', async (_, members) => {
    const dir = work();
    const path = await archive(dir, members);
    await refusedBuild(dir, `docker-archive:${path}`);
  });

  it('refuses a file that is not a tar at all', async () => {
    const dir = work();
    writeFileSync(join(dir, 'junk.tar'), Buffer.alloc(4096, 0x41));
    const error = await refusedBuild(dir, `docker-archive:${join(dir, 'junk.tar')}`);
    expect(error.message).toContain('damaged');
  });

  it('refuses a truncated archive whose entry runs past the end', async () => {
    const dir = work();
    const path = await archive(dir, {
      'manifest.json': JSON.stringify([{ Config: 'config.json', Layers: [] }]),
      'config.json': CONFIG + ' '.repeat(5000),
    });
    truncateSync(path, 1024 + 512 + 600);
    const error = await refusedBuild(dir, `docker-archive:${path}`);
    expect(error.message).toContain('past the end');
  });

  it('refuses a FIFO given as the archive without hanging', { timeout: 20_000 }, async () => {
    const dir = work();
    execFileSync('mkfifo', [join(dir, 'pipe.tar')]);
    const error = await refusedBuild(dir, `docker-archive:${join(dir, 'pipe.tar')}`);
    expect(error.message).toContain('FIFO');
  });

  it('refuses a folder given as the archive', async () => {
    const dir = work();
    mkdirSync(join(dir, 'folder.tar'));
    await refusedBuild(dir, `docker-archive:${join(dir, 'folder.tar')}`);
  });
});

describe('the layer cache', () => {
  it(
    'ignores poisoned entries (a digest walking out, a FIFO, junk) and rebuilds',
    { timeout: 20_000 },
    async () => {
      const dir = work();
      const cache = join(dir, 'cache');
      const build = (out: string) =>
        runBuildImage(
          daemonlessBuildInputs({ 'cache-dir': cache, output: [`oci:${join(dir, out)}:v1`] }),
          localDeps(dir),
        );
      const first = await build('first');
      const entries = readdirSync(join(cache, 'layers'));
      expect(entries.length).toBeGreaterThan(0);
      const [one] = entries;
      writeFileSync(
        join(cache, 'layers', one!),
        JSON.stringify({ digest: 'sha256:../../../secret', size: 1, diffId: 'sha256:../x' }),
      );
      const second = await build('second');
      expect(second.outputs).toEqual({ ...first.outputs, image: second.outputs!['image'] });
      rmSync(join(cache, 'layers', one!));
      execFileSync('mkfifo', [join(cache, 'layers', one!)]);
      const third = await build('third');
      expect(third.outputs!['digest']).toBe(first.outputs!['digest']);
    },
  );
});

describe('an OCI layout written to', () => {
  it('replaces an index.json planted as a link instead of writing through it', async () => {
    const dir = work();
    const out = join(dir, 'out');
    mkdirSync(out);
    symlinkSync(join(dir, 'secret'), join(out, 'index.json'));
    await runBuildImage(daemonlessBuildInputs({ output: [`oci:${out}:v1`] }), localDeps(dir));
    expect(readFileSync(join(dir, 'secret'), 'utf8')).toBe(SECRET);
  });

  it('refuses a blobs folder that is a link', async () => {
    const dir = work();
    const out = join(dir, 'out');
    mkdirSync(join(out), { recursive: true });
    mkdirSync(join(dir, 'elsewhere'));
    symlinkSync(join(dir, 'elsewhere'), join(out, 'blobs'));
    const error = await usageError(
      runBuildImage(daemonlessBuildInputs({ output: [`oci:${out}:v1`] }), localDeps(dir)),
    );
    expect(error.message).toContain('symbolic link');
    expect(readdirSync(join(dir, 'elsewhere'))).toEqual([]);
  });
});

describe('attach files', () => {
  it(
    'refuses a FIFO as an attach file before anything is built, without hanging',
    { timeout: 20_000 },
    async () => {
      const dir = work();
      execFileSync('mkfifo', [join(dir, 'card.md')]);
      const error = await usageError(
        runBuildImage(
          daemonlessBuildInputs({ tag: ['127.0.0.1:9/m:1'], push: true, attach: ['card.md'] }),
          localDeps(dir),
        ),
      );
      expect(error.place?.key).toBe('attach');
    },
  );

  it('refuses an attach file that is a link out of the working directory, unless told to follow', async () => {
    const dir = work();
    const outside = tempDir('sluice-hostile-card-');
    writeFileSync(join(outside, 'card.md'), SECRET);
    mkdirSync(join(dir, 'reports'));
    symlinkSync(join(outside, 'card.md'), join(dir, 'reports', 'card.md'));
    const attempt = (extra: Record<string, unknown>) =>
      runBuildImage(
        daemonlessBuildInputs({
          tag: ['127.0.0.1:9/m:1'],
          push: true,
          attach: ['reports/card.md'],
          ...extra,
        }),
        localDeps(dir),
      );
    const error = await usageError(attempt({}));
    expect(error.place?.key).toBe('attach');
    expect(error.message).toContain('outside the working directory');
    expect(error.hint).toContain('follow-links-outside');
    // Told to follow, the check passes and the build goes on to the (absent) registry.
    const later = await attempt({ 'follow-links-outside': true }).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(later?.message ?? '').not.toContain('outside the working directory');
  });

  it('push-image refuses an attach file that is a link out of the working directory, unless told to follow', async () => {
    const dir = work();
    const outside = tempDir('sluice-hostile-card-');
    writeFileSync(join(outside, 'card.md'), SECRET);
    mkdirSync(join(dir, 'reports'));
    symlinkSync(join(outside, 'card.md'), join(dir, 'reports', 'card.md'));
    const attempt = (follow: boolean) =>
      runPushImage(
        {
          from: '127.0.0.1:9/m:1',
          to: ['127.0.0.1:9/m:2'],
          attach: ['reports/card.md'],
          'follow-links-outside': follow,
        },
        localDeps(dir),
      );
    const error = await usageError(attempt(false));
    expect(exitCodeOf(error)).toBe(2);
    expect(error.place?.key).toBe('attach');
    expect(error.message).toContain('outside the working directory');
    expect(error.hint).toContain('follow-links-outside');
    // Told to follow, the check passes and the copy goes on to the (absent) registry.
    const later = await attempt(true).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(later?.message ?? '').not.toContain('outside the working directory');
  });

  it(
    'push-image refuses a FIFO, a folder or a missing attach file by name before copying',
    { timeout: 20_000 },
    async () => {
      const dir = work();
      execFileSync('mkfifo', [join(dir, 'pipe.md')]);
      mkdirSync(join(dir, 'folder.md'));
      for (const [file, says] of [
        ['pipe.md', 'named pipe'],
        ['folder.md', 'directory'],
        ['missing.md', 'not found'],
      ] as const) {
        const error = await usageError(
          runPushImage(
            { from: '127.0.0.1:9/m:1', to: ['127.0.0.1:9/m:2'], attach: [file] },
            localDeps(dir),
          ),
        );
        expect(error.place?.key).toBe('attach');
        expect(error.place?.file).toContain(file);
        expect(error.message).toContain(says);
      }
    },
  );

  it(
    'refuses a FIFO as metrics-file or dataset-file by name, without waiting on it',
    { timeout: 20_000 },
    async () => {
      const dir = work();
      execFileSync('mkfifo', [join(dir, 'metrics.json')]);
      for (const key of ['metrics-file', 'dataset-file'] as const) {
        const error = await usageError(
          runBuildImage(
            daemonlessBuildInputs({
              output: [`oci:${join(dir, 'out')}:v1`],
              [key]: 'metrics.json',
            }),
            localDeps(dir),
          ),
        );
        expect(error.place).toMatchObject({ file: join(dir, 'metrics.json'), key });
        expect(error.message).toContain('named pipe (FIFO)');
      }
    },
  );
});
