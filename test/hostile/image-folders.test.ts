import type { BuildImageInputs } from '../../src/core/commands/build-image.js';
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { exitCodeOf, type UsageError } from '../../src/core/errors.js';
import { layerFromPlan, planLayers } from '../../src/core/image/layers.js';
import { collect } from '../../src/core/image/streams.js';
import { walk } from '../../src/core/image/walk.js';
import { buildImage as buildImageInputs } from '../../src/inputs/build-image.js';
import {
  daemonlessBuildInputs,
  localDeps,
  runBuildImage,
  usageError,
} from '../unit/image/helpers.js';
import { tempDir } from '../unit/support/temp-dirs.js';

/**
 * A model folder a pull request controls: links out of it, FIFOs, sockets, devices, odd names,
 * files that change under the reader. Each is refused with exit 2 naming it, never packed,
 * never a hang, never exit 70.
 */

const SECRET = `SLUICE-OUTSIDE-SECRET-${process.pid}-${Date.now()}`;

interface Work {
  dir: string;
  model: string;
  outside: string;
}

function work(): Work {
  const dir = tempDir('sluice-hostile-img-');
  const model = join(dir, 'model');
  const outside = join(dir, 'outside');
  mkdirSync(join(model, 'sub'), { recursive: true });
  mkdirSync(join(outside, 'folder'), { recursive: true });
  writeFileSync(join(model, 'config.json'), '{"layers": 2}');
  writeFileSync(join(model, 'sub', 'vocab.txt'), 'a b c');
  writeFileSync(join(outside, 'secret'), SECRET);
  writeFileSync(join(outside, 'folder', 'token'), SECRET);
  return { dir, model, outside };
}

/** Every byte of every blob of the OCI layout, layers un-gzipped. */
function layoutBytes(layout: string): string {
  const blobs = join(layout, 'blobs', 'sha256');
  return readdirSync(blobs)
    .map((name) => {
      const bytes = readFileSync(join(blobs, name));
      return (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString(
        'latin1',
      );
    })
    .join('\n');
}

async function build(w: Work, extra: Partial<BuildImageInputs> = {}): Promise<string> {
  const layout = join(w.dir, `layout-${Math.random().toString(36).slice(2)}`);
  await runBuildImage(
    daemonlessBuildInputs({ output: [`oci:${layout}:v1`], code: undefined, ...extra }),
    localDeps(w.dir),
  );
  return layoutBytes(layout);
}

async function refused(w: Work, extra: Partial<BuildImageInputs> = {}): Promise<UsageError> {
  const layout = join(w.dir, 'refused-layout');
  const error = await usageError(
    runBuildImage(
      daemonlessBuildInputs({ output: [`oci:${layout}:v1`], ...extra }),
      localDeps(w.dir),
    ),
  );
  expect(exitCodeOf(error)).toBe(2);
  // Nothing was written: the refusal comes before the first blob.
  expect(() => readdirSync(join(layout, 'blobs', 'sha256'))).toThrow();
  return error;
}

describe('links out of the model and code folders', () => {
  const cases: [string, (w: Work) => void, string][] = [
    [
      'an absolute link to a file',
      (w) => symlinkSync(join(w.outside, 'secret'), join(w.model, 'x')),
      'x',
    ],
    ['a relative link to a file', (w) => symlinkSync('../outside/secret', join(w.model, 'x')), 'x'],
    [
      'a link with .. inside it',
      (w) => symlinkSync('sub/../../outside/secret', join(w.model, 'x')),
      'x',
    ],
    [
      'a chain of links, the last leading out',
      (w) => {
        symlinkSync('hop2', join(w.model, 'hop1'));
        symlinkSync(join(w.dir, 'hop3'), join(w.model, 'hop2'));
        symlinkSync(join(w.outside, 'secret'), join(w.dir, 'hop3'));
      },
      'hop1',
    ],
    ['a link to a folder', (w) => symlinkSync(join(w.outside, 'folder'), join(w.model, 'x')), 'x'],
    [
      'a link to a folder inside that itself links out',
      (w) => {
        symlinkSync('../../outside/folder', join(w.model, 'sub', 'out'));
        symlinkSync('sub/out', join(w.model, 'alias'));
      },
      'alias',
    ],
    [
      'a link out inside a folder reached through an inside link',
      (w) => {
        symlinkSync('sub', join(w.model, 'a-sub'));
        symlinkSync(join(w.outside, 'secret'), join(w.model, 'sub', 'leak'));
      },
      join('a-sub', 'leak'),
    ],
    [
      'a link to a secret the runner holds (docker config)',
      (w) => {
        mkdirSync(join(w.dir, '.docker'));
        writeFileSync(join(w.dir, '.docker', 'config.json'), SECRET);
        symlinkSync(join(w.dir, '.docker', 'config.json'), join(w.model, 'config-copy.json'));
      },
      'config-copy.json',
    ],
  ];

  it.each(cases)(
    'refuses %s with exit 2, naming the link, the folder and the opt-in',
    async (_, make, link) => {
      const w = work();
      make(w);
      const error = await refused(w);
      expect(error.message).toContain(join(w.model, link));
      expect(error.message).toContain(`the model folder ${w.model}`);
      expect(error.message).toMatch(/leads outside/);
      expect(error.place?.key).toBe('model');
      expect(error.hint).toContain('follow-links-outside');
    },
  );

  it.each(cases)('packs the outside file for %s with follow-links-outside', async (_, make) => {
    const w = work();
    make(w);
    expect(await build(w, { 'follow-links-outside': true })).toContain(SECRET);
  });

  it('names where the link leads when the link text says otherwise', async () => {
    const w = work();
    symlinkSync('sub/../../outside/secret', join(w.model, 'x'));
    const error = await refused(w);
    expect(error.message).toContain('sub/../../outside/secret');
    expect(error.message).toContain(join(w.outside, 'secret'));
  });

  it('refuses links out of the code folder too, keyed code', async () => {
    const w = work();
    mkdirSync(join(w.dir, 'code'));
    writeFileSync(join(w.dir, 'code', 'serve.py'), 'print(1)');
    symlinkSync(join(w.outside, 'secret'), join(w.dir, 'code', 'settings.py'));
    const error = await refused(w, { code: 'code' });
    expect(error.place?.key).toBe('code');
    expect(error.message).toContain(join(w.dir, 'code', 'settings.py'));
  });

  it('keeps following links that stay inside, packing what they point at', async () => {
    const w = work();
    writeFileSync(join(w.model, 'weights.bin'), 'INSIDE-WEIGHTS');
    symlinkSync('weights.bin', join(w.model, 'alias.bin'));
    symlinkSync(join(w.model, 'sub'), join(w.model, 'sub-alias'));
    // Out and back in again resolves inside: allowed.
    symlinkSync('../model/weights.bin', join(w.model, 'round-trip.bin'));
    const files = await walk(w.model, 'model');
    expect(files.map((file) => [file.rel, file.type, file.size])).toEqual([
      ['alias.bin', 'file', 14],
      ['config.json', 'file', 13],
      ['round-trip.bin', 'file', 14],
      ['sub', 'dir', 0],
      ['sub-alias', 'dir', 0],
      ['sub-alias/vocab.txt', 'file', 5],
      ['sub/vocab.txt', 'file', 5],
      ['weights.bin', 'file', 14],
    ]);
    const bytes = await build(w);
    expect(bytes).toContain('opt/model/alias.bin');
    expect(bytes).toContain('opt/model/sub-alias/vocab.txt');
    expect(bytes.split('INSIDE-WEIGHTS').length - 1).toBe(3);
  });

  it('accepts a model folder that is itself reached through a link', async () => {
    const w = work();
    symlinkSync(w.model, join(w.dir, 'model-link'));
    symlinkSync('config.json', join(w.model, 'alias.json'));
    const files = await walk(join(w.dir, 'model-link'), 'model');
    expect(files.map((file) => file.rel)).toContain('alias.json');
  });
});

describe('link loops', () => {
  it.each([
    ['a link to itself', (m: string) => symlinkSync('self', join(m, 'self'))],
    [
      'two links to each other',
      (m: string) => {
        symlinkSync('b', join(m, 'a'));
        symlinkSync('a', join(m, 'b'));
      },
    ],
    ['a link to the folder above', (m: string) => symlinkSync('..', join(m, 'sub', 'up'))],
    ['a link to the folder itself', (m: string) => symlinkSync('.', join(m, 'sub', 'here'))],
  ])('refuses %s with exit 2, not ELOOP', async (_, make) => {
    const w = work();
    make(w.model);
    const error = await refused(w, { 'follow-links-outside': true });
    expect(error.message).toMatch(/loops back|never end/);
  });
});

describe('FIFOs, sockets and devices', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
  });

  it('refuses a FIFO by name, without ever opening it', { timeout: 20_000 }, async () => {
    const w = work();
    execFileSync('mkfifo', [join(w.model, 'pipe')]);
    const error = await refused(w);
    expect(error.message).toContain(join(w.model, 'pipe'));
    expect(error.message).toContain('FIFO');
  });

  it('refuses a link to a FIFO inside the folder', { timeout: 20_000 }, async () => {
    const w = work();
    execFileSync('mkfifo', [join(w.model, 'sub', 'pipe')]);
    symlinkSync('sub/pipe', join(w.model, 'weights.bin'));
    const error = await refused(w);
    expect(error.message).toContain(join(w.model, 'sub', 'pipe'));
    expect(error.message).toContain('FIFO');
  });

  it('refuses a unix socket by name', async () => {
    const w = work();
    const path = join(w.model, 'server.sock');
    const server = createServer();
    servers.push(server);
    await new Promise<void>((done) => server.listen(path, done));
    const error = await refused(w);
    expect(error.message).toContain(path);
    expect(error.message).toContain('socket');
  });

  it.each([false, true])(
    'refuses a link to /dev/null as a device (follow-links-outside %s)',
    async (follow) => {
      const w = work();
      symlinkSync('/dev/null', join(w.model, 'weights.bin'));
      const error = await refused(w, { 'follow-links-outside': follow });
      expect(error.message).toContain(join(w.model, 'weights.bin'));
      expect(error.message).toContain('character device');
    },
  );

  it(
    'refuses a link out to a folder that holds a FIFO even with follow-links-outside',
    { timeout: 20_000 },
    async () => {
      const w = work();
      execFileSync('mkfifo', [join(w.outside, 'folder', 'pipe')]);
      symlinkSync(join(w.outside, 'folder'), join(w.model, 'ext'));
      const error = await refused(w, { 'follow-links-outside': true });
      expect(error.message).toContain(join(w.model, 'ext', 'pipe'));
      expect(error.message).toContain('FIFO');
    },
  );
});

describe('odd names and odd files', () => {
  it('refuses a name that is not UTF-8, showing its bytes', async () => {
    const w = work();
    writeFileSync(Buffer.concat([Buffer.from(`${w.model}/bad-`), Buffer.from([0xff, 0xfe])]), 'x');
    const error = await refused(w);
    expect(error.message).toContain('bad-\\xff\\xfe');
    expect(error.message).toContain('not valid UTF-8');
  });

  it.each([
    ['a newline', 'two\nlines'],
    ['a carriage return', 'fake\rprompt'],
    ['an escape', 'colour\u001b[31m'],
  ])('refuses a name with %s, escaped in the message', async (_, name) => {
    const w = work();
    writeFileSync(join(w.model, name), 'x');
    const error = await refused(w);
    expect(error.message).toContain('control character');
    expect([...error.message].filter((c) => '\n\r\u001b'.includes(c))).toEqual([]);
  });

  it('keeps names in other scripts', async () => {
    const w = work();
    writeFileSync(join(w.model, 'modèle-模型.txt'), 'ok');
    expect(await build(w)).toContain(Buffer.from('modèle-模型.txt').toString('latin1'));
  });

  it('refuses a file past 64 GiB (here a sparse one) instead of packing gigabytes of zeros', async () => {
    const w = work();
    writeFileSync(join(w.model, 'huge.bin'), '');
    truncateSync(join(w.model, 'huge.bin'), 64 * 1024 ** 3 + 1);
    const error = await refused(w);
    expect(error.message).toContain(join(w.model, 'huge.bin'));
    expect(error.message).toContain('64 GiB');
    expect(error.message).toContain('sparse');
  });

  it('packs a large file with few blocks on disk, as a compressing file system stores it', async () => {
    // 65 MiB, none of it allocated: what btrfs or ZFS compression reports for honest zeros. The
    // bound is the apparent size, so this packs (its own layer, all 65 MiB of it).
    const w = work();
    const size = 65 * 1024 ** 2;
    writeFileSync(join(w.model, 'weights.bin'), '');
    truncateSync(join(w.model, 'weights.bin'), size);
    const bytes = await build(w);
    expect(bytes).toContain('weights.bin');
  });

  it('packs a hard link as the regular file it is (each name gets the bytes)', async () => {
    const w = work();
    writeFileSync(join(w.model, 'weights.bin'), 'HARD-LINKED');
    linkSync(join(w.model, 'weights.bin'), join(w.model, 'same.bin'));
    const bytes = await build(w);
    expect(bytes.split('HARD-LINKED').length - 1).toBe(2);
  });

  it('turns a path the system cannot open (too long) into exit 2 naming the folder', async () => {
    const w = work();
    // Deeper than PATH_MAX (4096): made step by step, as one path would be refused.
    const segment = 'd'.repeat(200);
    execFileSync('bash', [
      '-c',
      `cd "$1" && for i in $(seq 1 25); do mkdir ${segment} && cd ${segment}; done && echo x > f`,
      'bash',
      join(w.model, 'sub'),
    ]);
    try {
      const error = await refused(w);
      expect(error.message).toMatch(/in the model folder cannot be read: the path is too long/);
      expect(error.place?.key).toBe('model');
      // The 5,000-character path is shown cut in the middle, not echoed whole.
      expect(error.message.length).toBeLessThan(600);
    } finally {
      // rmSync cannot remove a tree deeper than PATH_MAX; rm walks it by descriptors.
      execFileSync('rm', ['-rf', join(w.model, 'sub')]);
    }
  });
});

describe('files that change while the layer is read', () => {
  async function layerOf(model: string) {
    const files = await walk(model, 'model');
    const [plan] = planLayers({
      files,
      target: '/opt/model',
      label: 'model',
      compressionLevel: 1,
      splitLarge: false,
    });
    return layerFromPlan(plan!);
  }

  it('fails when a file grew between the listing and the read', async () => {
    const w = work();
    const layer = await layerOf(w.model);
    appendFileSync(join(w.model, 'config.json'), 'more');
    const error = await usageError(collect(layer.open(0)));
    expect(error.message).toContain('changed while it was being packed');
  });

  it('fails when a file grows during the read, before the tar is finished', async () => {
    const w = work();
    writeFileSync(join(w.model, 'weights.bin'), Buffer.alloc(4 * 1024 * 1024, 7));
    const files = await walk(w.model, 'model');
    const [plan] = planLayers({
      files,
      target: '',
      label: 'model',
      compressionLevel: 1,
      splitLarge: true,
      largeFileBytes: 1024,
    });
    const layer = layerFromPlan(plan!);
    expect(layer.plan.compressed).toBe(false);
    let seen = 0;
    let grown = false;
    const read = (async () => {
      for await (const chunk of layer.open(0)) {
        seen += chunk.length;
        if (!grown && seen > 1024 * 1024) {
          appendFileSync(join(w.model, 'weights.bin'), 'tail');
          grown = true;
        }
      }
    })();
    const error = await usageError(read);
    expect(grown).toBe(true);
    expect(error.message).toContain('changed while it was being packed');
  });

  it(
    'refuses, without hanging, a file replaced by a FIFO after the listing',
    { timeout: 20_000 },
    async () => {
      const w = work();
      const layer = await layerOf(w.model);
      rmSync(join(w.model, 'config.json'));
      execFileSync('mkfifo', [join(w.model, 'config.json')]);
      const error = await usageError(collect(layer.open(0)));
      expect(error.message).toContain('FIFO');
    },
  );

  it('refuses a file replaced by a link after the listing', async () => {
    const w = work();
    const layer = await layerOf(w.model);
    rmSync(join(w.model, 'config.json'));
    symlinkSync(join(w.outside, 'secret'), join(w.model, 'config.json'));
    const error = await usageError(collect(layer.open(0)));
    expect(error.message).toContain('symbolic link');
  });
});

describe('the follow-links-outside input', () => {
  it('is a boolean input of build-image, off by default', () => {
    const input = buildImageInputs.inputs.find((item) => item.name === 'follow-links-outside');
    expect(input).toMatchObject({ type: 'boolean', default: false });
  });
});
