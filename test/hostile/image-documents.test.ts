/**
 * A manifest or config that is not what it must be is the fault of whoever made the bytes: files
 * on this machine (an OCI layout, an archive) are bad input, exit 2; a registry or the Docker
 * engine that answered with them is at fault, exit 3. Never a crash (exit 70).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../src/core/errors.js';
import { copyImage } from '../../src/core/image/copy.js';
import { resolveImage } from '../../src/core/image/platform.js';
import type { Descriptor, ImageSource, ManifestBytes } from '../../src/core/registry/model.js';

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** A source whose manifest is `manifest` and whose every blob is `blob`. */
function source(origin: 'local' | 'remote', manifest: string, blob = '{}'): ImageSource {
  const bytes = Buffer.from(manifest);
  const doc: ManifestBytes = { mediaType: MANIFEST, bytes, digest: digestOf(bytes) };
  return {
    name: origin === 'local' ? 'oci:/work/layout:v1' : '127.0.0.1:5000/team/model:1',
    origin,
    getManifest: () => Promise.resolve(doc),
    getBlob: () => {
      throw new Error('no blob is read before the manifest is checked');
    },
    readBlob: (_descriptor: Descriptor) => Promise.resolve(Buffer.from(blob)),
  };
}

const descriptor = (text: string) => ({
  mediaType: 'application/vnd.oci.image.config.v1+json',
  digest: digestOf(Buffer.from(text)),
  size: Buffer.byteLength(text),
});
const goodManifest = JSON.stringify({ schemaVersion: 2, config: descriptor('{}'), layers: [] });
const platform = { os: 'linux', architecture: 'amd64' };
const expected = { local: 2, remote: 3 } as const;

async function exitOf(promise: Promise<unknown>): Promise<number> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(Error);
  return exitCodeOf(error);
}

describe.each(['local', 'remote'] as const)('a bad document from a %s source', (origin) => {
  const bad = [
    '{not json',
    'null',
    '[]',
    '42',
    '"text"',
    '{"manifests": null}',
    '{"manifests": [null, 3]}',
  ];

  it.each(bad)('base image manifest %j: exit follows the origin', async (text) => {
    expect(await exitOf(resolveImage(source(origin, text), platform))).toBe(expected[origin]);
  });

  it.each(['{not json', 'null', '[1]'])(
    'base image config %j: exit follows the origin',
    async (config) => {
      expect(await exitOf(resolveImage(source(origin, goodManifest, config), platform))).toBe(
        expected[origin],
      );
    },
  );

  it.each(['{not json', 'null', '{"config": null, "layers": []}'])(
    'copied manifest %j: exit follows the origin',
    async (text) => {
      expect(await exitOf(copyImage(source(origin, text), [], 1))).toBe(expected[origin]);
    },
  );
});

it('names the registry when a registry is at fault', async () => {
  const error = await copyImage(source('remote', '{not json'), [], 1).catch(
    (caught: unknown) => caught,
  );
  expect(String((error as Error).message)).toContain('127.0.0.1:5000/team/model:1');
});
