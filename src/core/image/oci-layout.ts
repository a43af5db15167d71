import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, lstat, mkdir, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InfraError, UsageError, type SluiceError } from '../errors.js';
import { MediaType } from '../registry/media-types.js';
import type {
  BlobSource,
  Descriptor,
  ImageIndex,
  ImageSink,
  ImageSource,
  ManifestBytes,
} from '../registry/model.js';
import { digestProblem } from '../registry/digest.js';
import { isInside } from '../files/contained.js';
import { openUserFile, readUserFile } from '../files/user-file.js';
import { shownPath, userPathError } from '../files/fs-errors.js';
import { parseJsonFile } from './local-files.js';
import { fromBuffer, tee } from './streams.js';

const REF_NAME = 'org.opencontainers.image.ref.name';
/** index.json, manifests and configs are JSON documents of a few KiB: a bound, not a guess. */
const MAX_JSON_BYTES = 16 * 1024 * 1024;

/**
 * Where a blob lives: only for a valid digest (checked here), so a descriptor saying
 * `sha256:../../x` (from a hostile index.json or manifest) never becomes a path.
 */
function blobPath(dir: string, digest: string, name = `oci:${dir}`): string {
  const problem = digestProblem(digest);
  if (problem !== undefined)
    throw new UsageError(`${shownPath(name)} names a blob whose digest ${problem}`, {
      place: { file: join(dir, 'index.json') },
      hint: 'A digest is `sha256:` and 64 lowercase hex digits; the layout (or the image copied into it) is damaged or hostile.',
    });
  const [algorithm, hex] = digest.split(':');
  return join(dir, 'blobs', algorithm!, hex!);
}

/**
 * A write into the output layout failed: the user's path (a file where a folder must be, no
 * permission: exit 2) or the disk (full: exit 3), as for every other path a user names.
 */
function fsFailure(dir: string, action: string, error: unknown): SluiceError {
  return (
    userPathError(
      error,
      { file: dir, what: `the OCI layout (to ${action})`, key: 'output' },
      'write',
    ) ??
    new InfraError(
      `Could not ${action} in the OCI layout ${dir}: ${String((error as Error).message)}`,
      {
        cause: error,
      },
    )
  );
}

/** An OCI image layout folder (`oci:<dir>[:<tag>]`) as a place to write images. */
export class OciLayoutSink implements ImageSink {
  readonly name: string;
  private folders: Promise<void> | undefined;
  constructor(private readonly dir: string) {
    this.name = `oci:${dir}`;
  }

  /**
   * `blobs` and `blobs/sha256` made, and refused when an existing one is a link: a layout folder
   * in a checkout could carry `blobs -> /somewhere` and have the image written there.
   */
  private blobFolder(): Promise<void> {
    this.folders ??= (async () => {
      try {
        await mkdir(this.dir, { recursive: true });
      } catch (error) {
        throw fsFailure(this.dir, 'write a blob', error);
      }
      for (const path of [join(this.dir, 'blobs'), join(this.dir, 'blobs', 'sha256')]) {
        const found = await lstat(path).catch(() => undefined);
        if (found?.isSymbolicLink())
          throw new UsageError(
            `${shownPath(path)} is a symbolic link: the image is not written through it`,
            {
              place: { key: 'output' },
              hint: 'Write the layout to a new folder, or remove the link.',
            },
          );
        if (!found)
          await mkdir(path).catch((error: unknown) => {
            if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
              throw fsFailure(this.dir, 'write a blob', error);
          });
      }
    })();
    return this.folders;
  }

  async hasBlob(digest: string): Promise<boolean> {
    return access(blobPath(this.dir, digest)).then(
      () => true,
      () => false,
    );
  }

  async putBlob(
    blob: BlobSource,
    progress?: (bytes: number) => void,
  ): Promise<{ digest: string; size: number; uploaded: number }> {
    if (blob.digest && blob.size !== undefined && (await this.hasBlob(blob.digest))) {
      return { digest: blob.digest, size: blob.size, uploaded: 0 };
    }
    await this.blobFolder();
    const folder = join(this.dir, 'blobs', 'sha256');
    const temp = join(folder, `.upload-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const hash = createHash('sha256');
    let size = 0;
    try {
      const counted = tee(blob.open(0), hash, (bytes) => {
        size = bytes;
      });
      const withProgress = async function* (): AsyncGenerator<Uint8Array> {
        for await (const chunk of counted) {
          progress?.(chunk.length);
          yield chunk;
        }
      };
      await pipeline(Readable.from(withProgress()), createWriteStream(temp, { flags: 'wx' }));
      const digest = `sha256:${hash.digest('hex')}`;
      if (blob.digest && blob.digest !== digest) {
        throw new InfraError(
          `Blob ${blob.digest} read back as ${digest}: the source changed while it was copied`,
        );
      }
      await rename(temp, blobPath(this.dir, digest));
      return { digest, size, uploaded: size };
    } catch (error) {
      await rm(temp, { force: true });
      if (error instanceof InfraError || error instanceof UsageError) throw error;
      throw fsFailure(this.dir, 'write a blob', error);
    }
  }

  async putManifest(manifest: ManifestBytes, tags: readonly string[]): Promise<string> {
    try {
      await this.putBlob({
        mediaType: manifest.mediaType,
        digest: manifest.digest,
        size: manifest.bytes.length,
        open: (offset) => fromBuffer(manifest.bytes, offset),
      });
      const index = await readIndex(this.dir);
      const descriptor = {
        mediaType: manifest.mediaType,
        digest: manifest.digest,
        size: manifest.bytes.length,
      };
      const keep = index.manifests.filter((entry) => {
        const name = entry.annotations?.[REF_NAME];
        return name === undefined ? entry.digest !== manifest.digest : !tags.includes(name);
      });
      const added =
        tags.length === 0
          ? [descriptor]
          : tags.map((tag) => ({ ...descriptor, annotations: { [REF_NAME]: tag } }));
      index.manifests = [...keep, ...added];
      // Written beside and renamed over: a link planted as index.json is replaced, not written through.
      await replaceFile(
        join(this.dir, 'oci-layout'),
        JSON.stringify({ imageLayoutVersion: '1.0.0' }),
      );
      await replaceFile(join(this.dir, 'index.json'), JSON.stringify(index));
      return manifest.digest;
    } catch (error) {
      if (error instanceof InfraError || error instanceof UsageError) throw error;
      throw fsFailure(this.dir, 'write the index', error);
    }
  }
}

async function replaceFile(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temp, text, { flag: 'wx' });
  await rename(temp, path);
}

/** The index of a layout being written to: an absent or unreadable one starts afresh. */
async function readIndex(dir: string): Promise<ImageIndex> {
  try {
    // The safe reader: a FIFO put where index.json belongs is refused at once, never waited on.
    const file = join(dir, 'index.json');
    const bytes = await readUserFile(
      file,
      { file, what: 'OCI layout index', key: 'output' },
      { maxBytes: MAX_JSON_BYTES },
    );
    const index = JSON.parse(bytes.toString('utf8')) as ImageIndex | null;
    if (index !== null && Array.isArray(index.manifests)) return index;
  } catch {
    // start afresh: the index is replaced (renamed over) when the image is written
  }
  return { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
}

/**
 * The index of a layout read as a source: a regular file of bounded size, JSON, with a
 * `manifests` list of descriptors whose digests are checked before they name a file.
 */
async function readSourceIndex(dir: string, name: string): Promise<ImageIndex> {
  const path = join(dir, 'index.json');
  const place = { file: path };
  const bytes = await readUserFile(
    path,
    {
      file: path,
      what: `the index.json of ${shownPath(name)}`,
      notFoundHint: `${shownPath(name)} is not an OCI layout: point oci: at the folder that holds oci-layout, index.json and blobs/.`,
    },
    { maxBytes: MAX_JSON_BYTES },
  );
  const index = parseJsonFile(bytes, path, place) as Partial<ImageIndex> | null;
  const manifests: unknown = index?.manifests;
  if (
    typeof index !== 'object' ||
    index === null ||
    !Array.isArray(manifests) ||
    !manifests.every(
      (entry: unknown) =>
        typeof entry === 'object' &&
        entry !== null &&
        typeof (entry as Descriptor).digest === 'string' &&
        ((entry as Descriptor).annotations === undefined ||
          typeof (entry as Descriptor).annotations === 'object'),
    )
  ) {
    throw new UsageError(
      `${shownPath(path)} is not an OCI image index: it needs a "manifests" list of descriptors`,
      {
        place,
      },
    );
  }
  for (const entry of manifests as Descriptor[]) blobPath(dir, entry.digest, name);
  return index as ImageIndex;
}

/** An OCI image layout folder as a base image or a copy source. */
export class OciLayoutSource implements ImageSource {
  readonly name: string;
  readonly origin = 'local';
  constructor(
    private readonly dir: string,
    private readonly tag: string | undefined,
  ) {
    this.name = `oci:${dir}${tag ? `:${tag}` : ''}`;
  }

  async getManifest(reference?: string): Promise<ManifestBytes> {
    const index = await readSourceIndex(this.dir, this.name);
    let entry: Descriptor | undefined;
    if (reference?.startsWith('sha256:'))
      entry = index.manifests.find((item) => item.digest === reference);
    else if (reference ?? this.tag)
      entry = index.manifests.find(
        (item) => item.annotations?.[REF_NAME] === (reference ?? this.tag),
      );
    else if (index.manifests.length === 1) entry = index.manifests[0];
    if (!entry && reference?.startsWith('sha256:'))
      entry = { mediaType: '', digest: reference, size: 0 };
    if (!entry) {
      throw new UsageError(
        `${this.name} has no image${this.tag ? ` tagged ${this.tag}` : ' (or more than one: name a tag)'}`,
        {
          hint: 'List the tags with `skopeo list-tags oci:<dir>` or write `oci:<dir>:<tag>`.',
        },
      );
    }
    const bytes = await this.readBlob(entry);
    if (sha256Of(bytes) !== entry.digest)
      throw new UsageError(`${this.name}: the manifest ${entry.digest} does not match its digest`, {
        hint: 'The layout is damaged; copy the image again.',
      });
    const parsed = parseJsonFile(bytes, `${this.name} manifest ${entry.digest}`, {}) as {
      mediaType?: unknown;
    } | null;
    const mediaType =
      entry.mediaType ||
      (typeof parsed?.mediaType === 'string' ? parsed.mediaType : MediaType.ociManifest);
    return { mediaType, bytes, digest: entry.digest };
  }

  getBlob(descriptor: Descriptor): BlobSource {
    const path = blobPath(this.dir, descriptor.digest, this.name);
    return {
      mediaType: descriptor.mediaType,
      digest: descriptor.digest,
      size: descriptor.size,
      open: (offset: number) => this.readFrom(path, descriptor.digest, offset),
    };
  }

  async readBlob(descriptor: Descriptor): Promise<Buffer> {
    const path = await this.checkedBlob(
      blobPath(this.dir, descriptor.digest, this.name),
      descriptor.digest,
    );
    return readUserFile(
      path,
      { file: path, what: `${shownPath(this.name)} blob ${descriptor.digest}` },
      { noFollow: true, maxBytes: MAX_JSON_BYTES },
    );
  }

  /**
   * The real path of a blob, which must be inside the layout: a blob file that is a link to
   * `/etc/shadow` would otherwise be sent to a registry before its digest is found wrong.
   */
  private async checkedBlob(path: string, digest: string): Promise<string> {
    let real: string;
    let root: string;
    try {
      [real, root] = await Promise.all([realpath(path), realpath(this.dir)]);
    } catch (error) {
      throw (
        userPathError(
          error,
          {
            file: path,
            what: `${shownPath(this.name)} blob ${digest}`,
            notFoundHint: 'The layout is incomplete; copy the image again.',
          },
          'read',
        ) ?? error
      );
    }
    if (!isInside(root, real))
      throw new UsageError(
        `${this.name} blob ${digest} is a link to ${shownPath(real)}, outside the layout`,
        {
          hint: 'Blobs are read only from inside the layout folder; copy the image into a fresh layout.',
        },
      );
    return real;
  }

  private async *readFrom(
    path: string,
    digest: string,
    offset: number,
  ): AsyncGenerator<Uint8Array> {
    const real = await this.checkedBlob(path, digest);
    const { handle, stats } = await openUserFile(
      real,
      { file: real, what: `${shownPath(this.name)} blob ${digest}` },
      // Streamed, never held: a layer is as large as the weights in it.
      { noFollow: true, maxBytes: Number.POSITIVE_INFINITY },
    );
    try {
      let position = offset;
      while (position < stats.size) {
        const chunk = Buffer.allocUnsafe(Math.min(1 << 20, stats.size - position));
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
        if (bytesRead === 0) break;
        position += bytesRead;
        yield chunk.subarray(0, bytesRead);
      }
    } finally {
      await handle.close();
    }
  }
}

function sha256Of(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
