import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InfraError, UsageError } from '../errors.js';
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
import { fromBuffer, tee } from './streams.js';

const REF_NAME = 'org.opencontainers.image.ref.name';

/** `<dir>/blobs/<algorithm>/<hex>`, only for a valid digest: `sha256:../../x` never becomes a path. */
function blobPath(dir: string, digest: string): string {
  const problem = digestProblem(digest);
  if (problem !== undefined)
    throw new UsageError(`The OCI layout ${dir} names a blob whose digest ${problem}`, {
      place: { file: join(dir, 'index.json') },
      hint: 'A digest is `sha256:` and 64 lowercase hex digits; the layout (or the image copied into it) is damaged or hostile.',
    });
  const [algorithm, hex] = digest.split(':');
  return join(dir, 'blobs', algorithm!, hex!);
}

function fsFailure(dir: string, action: string, error: unknown): InfraError {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOSPC'
      ? 'the disk is full'
      : code === 'EACCES'
        ? 'permission denied'
        : String((error as Error).message);
  return new InfraError(`Could not ${action} in the OCI layout ${dir}: ${why}`, {
    hint: code === 'ENOSPC' ? 'Free space on that disk or write the layout elsewhere.' : undefined,
    cause: error,
  });
}

/** An OCI image layout folder (`oci:<dir>[:<tag>]`) as a place to write images. */
export class OciLayoutSink implements ImageSink {
  readonly name: string;
  constructor(private readonly dir: string) {
    this.name = `oci:${dir}`;
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
    const folder = join(this.dir, 'blobs', 'sha256');
    const temp = join(folder, `.upload-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const hash = createHash('sha256');
    let size = 0;
    try {
      await mkdir(folder, { recursive: true });
      const counted = tee(blob.open(0), hash, (bytes) => {
        size = bytes;
      });
      const withProgress = async function* (): AsyncGenerator<Uint8Array> {
        for await (const chunk of counted) {
          progress?.(chunk.length);
          yield chunk;
        }
      };
      await pipeline(Readable.from(withProgress()), createWriteStream(temp));
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
      await writeFile(
        join(this.dir, 'oci-layout'),
        JSON.stringify({ imageLayoutVersion: '1.0.0' }),
      );
      await writeFile(join(this.dir, 'index.json'), JSON.stringify(index));
      return manifest.digest;
    } catch (error) {
      if (error instanceof InfraError) throw error;
      throw fsFailure(this.dir, 'write the index', error);
    }
  }
}

async function readIndex(dir: string): Promise<ImageIndex> {
  try {
    return JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as ImageIndex;
  } catch {
    return { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
  }
}

/** An OCI image layout folder as a base image or a copy source. */
export class OciLayoutSource implements ImageSource {
  readonly name: string;
  constructor(
    private readonly dir: string,
    private readonly tag: string | undefined,
  ) {
    this.name = `oci:${dir}${tag ? `:${tag}` : ''}`;
  }

  async getManifest(reference?: string): Promise<ManifestBytes> {
    const index = await readIndex(this.dir);
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
    const mediaType =
      entry.mediaType ||
      ((JSON.parse(bytes.toString('utf8')) as { mediaType?: string }).mediaType ??
        MediaType.ociManifest);
    return { mediaType, bytes, digest: entry.digest };
  }

  getBlob(descriptor: Descriptor): BlobSource {
    const path = blobPath(this.dir, descriptor.digest);
    return {
      mediaType: descriptor.mediaType,
      digest: descriptor.digest,
      size: descriptor.size,
      open: (offset: number) => readFileFrom(path, offset),
    };
  }

  async readBlob(descriptor: Descriptor): Promise<Buffer> {
    const path = blobPath(this.dir, descriptor.digest);
    try {
      return await readFile(path);
    } catch (error) {
      throw new UsageError(`${this.name} is missing blob ${descriptor.digest}`, {
        cause: error,
        hint: 'The layout is incomplete; copy the image again.',
      });
    }
  }
}

async function* readFileFrom(path: string, offset: number): AsyncGenerator<Uint8Array> {
  yield* createReadStream(path, { start: offset, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>;
}
