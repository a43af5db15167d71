import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { posix } from 'node:path';
import { UsageError } from '../errors.js';
import { shownPath } from '../files/fs-errors.js';
import { openUserFile } from '../files/user-file.js';
import { parseJsonFile } from './local-files.js';
import { MediaType } from '../registry/media-types.js';
import type { BlobSource, Descriptor, ImageSource, ManifestBytes } from '../registry/model.js';

/** Where a file's bytes sit inside the tar. */
interface Entry {
  offset: number;
  size: number;
}

interface SaveManifest {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

const BLOCK = 512;
/** manifest.json and the image config are JSON of a few KiB. */
const MAX_MEMBER_BYTES = 16 * 1024 * 1024;
/** A GNU long name or a pax header: a path and a few keys. */
const MAX_HEADER_EXTRA_BYTES = 1024 * 1024;

/**
 * A `docker save` archive (`docker-archive:<path>[:<name>:<tag>]`) read as a base image or a copy
 * source, without unpacking it: the tar is indexed once and layers are streamed from their offsets.
 * The archive has no registry manifest, so one is made (OCI media types, digests of the bytes).
 */
export class DockerArchiveSource implements ImageSource {
  readonly name: string;
  readonly origin = 'local';
  private entries?: Map<string, Entry>;
  private manifest?: ManifestBytes;
  /** Blob digest → the archive member holding it. */
  private readonly members = new Map<string, string>();

  constructor(
    private readonly path: string,
    private readonly image: string | undefined,
  ) {
    this.name = `docker-archive:${path}${image ? `:${image}` : ''}`;
  }

  async getManifest(): Promise<ManifestBytes> {
    if (this.manifest) return this.manifest;
    const saved = checkSaveManifest(
      parseJsonFile(await this.member('manifest.json'), `${this.name} manifest.json`, {}),
      this.name,
    );
    const chosen = this.image ? pick(saved, this.image) : saved.length === 1 ? saved[0] : undefined;
    if (!chosen) {
      const tags = saved.flatMap((item) => item.RepoTags ?? []).join(', ');
      throw new UsageError(
        `${this.name} has no image ${this.image ? `tagged ${this.image}` : '(or more than one: name it)'}`,
        {
          hint: `It holds ${tags || 'untagged images'}; write docker-archive:<path>:<name>:<tag>.`,
        },
      );
    }
    const configBytes = await this.member(chosen.Config);
    const config = { mediaType: MediaType.ociConfig, ...this.remember(chosen.Config, configBytes) };
    const layers: Descriptor[] = [];
    for (const layer of chosen.Layers) {
      const { digest, size, gzip } = await this.hashMember(layer);
      this.members.set(digest, layer);
      layers.push({ mediaType: gzip ? MediaType.ociLayerGzip : MediaType.ociLayer, digest, size });
    }
    const bytes = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config, layers }),
    );
    this.manifest = { mediaType: MediaType.ociManifest, bytes, digest: sha256(bytes) };
    return this.manifest;
  }

  getBlob(descriptor: Descriptor): BlobSource {
    return {
      mediaType: descriptor.mediaType,
      digest: descriptor.digest,
      size: descriptor.size,
      open: (offset: number) => this.stream(descriptor.digest, offset),
    };
  }

  async readBlob(descriptor: Descriptor): Promise<Buffer> {
    return this.member(this.memberOf(descriptor.digest));
  }

  private remember(name: string, bytes: Buffer): { digest: string; size: number } {
    const digest = sha256(bytes);
    this.members.set(digest, name);
    return { digest, size: bytes.length };
  }

  private memberOf(digest: string): string {
    const name = this.members.get(digest);
    if (!name) throw new UsageError(`${this.name} has no blob ${digest}`);
    return name;
  }

  private async *stream(digest: string, offset: number): AsyncGenerator<Uint8Array> {
    const entry = (await this.index()).get(this.memberOf(digest))!;
    if (offset >= entry.size) return;
    yield* createReadStream(this.path, {
      start: entry.offset + offset,
      end: entry.offset + entry.size - 1,
      highWaterMark: 1 << 20,
    }) as AsyncIterable<Buffer>;
  }

  private async hashMember(name: string): Promise<{ digest: string; size: number; gzip: boolean }> {
    const entry = await this.find(name);
    const hash = createHash('sha256');
    let head: Buffer | undefined;
    if (entry.size > 0) {
      for await (const chunk of createReadStream(this.path, {
        start: entry.offset,
        end: entry.offset + entry.size - 1,
        highWaterMark: 1 << 20,
      }) as AsyncIterable<Buffer>) {
        head ??= chunk;
        hash.update(chunk);
      }
    }
    return {
      digest: `sha256:${hash.digest('hex')}`,
      size: entry.size,
      gzip: head !== undefined && head[0] === 0x1f && head[1] === 0x8b,
    };
  }

  private async member(name: string): Promise<Buffer> {
    const entry = await this.find(name);
    if (entry.size > MAX_MEMBER_BYTES)
      throw this.broken(
        `its ${name} is ${entry.size} bytes, more than the ${MAX_MEMBER_BYTES} allowed`,
      );
    const { handle } = await this.openArchive();
    try {
      const bytes = Buffer.alloc(entry.size);
      await handle.read(bytes, 0, entry.size, entry.offset);
      return bytes;
    } finally {
      await handle.close();
    }
  }

  private async find(name: string): Promise<Entry> {
    const entry = (await this.index()).get(name.replace(/^\.\//, ''));
    if (!entry)
      throw new UsageError(`${this.name} has no ${name}: is it a \`docker save\` archive?`, {
        hint: 'Write one with `docker save -o <file> <image>` or `skopeo copy … docker-archive:<file>`.',
      });
    return entry;
  }

  /** The archive, which must be a regular file: a FIFO or a device given as one is refused, never read. */
  private async openArchive(): Promise<{ handle: FileHandle; size: number }> {
    const { handle, stats } = await openUserFile(
      this.path,
      { file: this.path, what: `docker save archive ${shownPath(this.path)}` },
      // Streamed, never held: the archive is as large as the image.
      { maxBytes: Number.POSITIVE_INFINITY },
    );
    return { handle, size: stats.size };
  }

  private broken(why: string): UsageError {
    return new UsageError(
      `${shownPath(this.name)} is not a \`docker save\` archive sluice can read: ${why}`,
      {
        hint: 'Write it again with `docker save -o <file> <image>`.',
      },
    );
  }

  /** Walks the tar headers once (ustar, GNU long names and pax paths). */
  private async index(): Promise<Map<string, Entry>> {
    if (this.entries) return this.entries;
    const entries = new Map<string, Entry>();
    const { handle, size: archiveSize } = await this.openArchive();
    try {
      const header = Buffer.alloc(BLOCK);
      let position = 0;
      let longName: string | undefined;
      // `docker save` stores a layer shared by two images once and links the other name to it.
      const links: [string, string][] = [];
      for (;;) {
        const { bytesRead } = await handle.read(header, 0, BLOCK, position);
        if (bytesRead < BLOCK || header.every((byte) => byte === 0)) break;
        if (!checksumMatches(header))
          throw this.broken(
            `the tar header at byte ${position} is damaged (its checksum does not match)`,
          );
        const size = octal(header.subarray(124, 136));
        const type = String.fromCharCode(header[156]!);
        const data = position + BLOCK;
        if (!Number.isSafeInteger(size) || size < 0 || data + size > archiveSize)
          throw this.broken(
            `the tar entry at byte ${position} claims a size past the end of the file`,
          );
        if (type === 'L' || type === 'x') {
          if (size > MAX_HEADER_EXTRA_BYTES)
            throw this.broken(`the tar header at byte ${position} has ${size} bytes of names`);
          const extra = Buffer.alloc(size);
          await handle.read(extra, 0, size, data);
          longName = type === 'L' ? cString(extra) : (paxPath(extra.toString('utf8')) ?? longName);
        } else {
          const prefix = cString(header.subarray(345, 500));
          const short = cString(header.subarray(0, 100));
          const name = longName ?? (prefix ? `${prefix}/${short}` : short);
          longName = undefined;
          const clean = name.replace(/^\.\//, '');
          // Nothing is unpacked, but a member named outside the archive is a sign of an attack.
          if (leavesArchive(clean))
            throw this.broken(
              `it has an entry named ${JSON.stringify(shownPath(clean))}, outside the archive`,
            );
          if (type === '0' || type === '\0') entries.set(clean, { offset: data, size });
          if (type === '2') {
            const target = cString(header.subarray(157, 257));
            const resolved = posix.normalize(posix.join(posix.dirname(clean), target));
            if (posix.isAbsolute(target) || leavesArchive(resolved))
              throw this.broken(
                `its entry ${JSON.stringify(shownPath(clean))} links to ${JSON.stringify(shownPath(target))}, outside the archive`,
              );
            links.push([clean, target]);
          }
        }
        position = data + Math.ceil(size / BLOCK) * BLOCK;
      }
      for (const [name, target] of links) {
        const resolved = posix.normalize(posix.join(posix.dirname(name), target));
        const entry = entries.get(resolved);
        if (entry) entries.set(name, entry);
      }
    } finally {
      await handle.close();
    }
    this.entries = entries;
    return entries;
  }
}

/**
 * The image tagged `name`: exactly, else the one tag that ends in `/<name>` (writers add the
 * default registry's host, and `library/` for official images, to short names).
 */
function pick(saved: readonly SaveManifest[], name: string): SaveManifest | undefined {
  const exact = saved.find((item) => item.RepoTags?.includes(name));
  if (exact) return exact;
  const near = saved.filter((item) =>
    item.RepoTags?.some((tag) => tag.endsWith(`/${name}`) || tag.endsWith(`/library/${name}`)),
  );
  return near.length === 1 ? near[0] : undefined;
}

/** `..` at the start of a normalized path, or an absolute path: somewhere outside the archive. */
function leavesArchive(name: string): boolean {
  const normal = posix.normalize(name);
  return posix.isAbsolute(name) || normal === '..' || normal.startsWith('../');
}

/** The header checksum: the bytes summed with the checksum field read as spaces. */
function checksumMatches(header: Buffer): boolean {
  const stored = parseInt(cString(header.subarray(148, 156)).trim(), 8);
  // Old writers summed the bytes as signed chars: either sum is accepted, as GNU tar does.
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i += 1) {
    const byte = i >= 148 && i < 156 ? 0x20 : header[i]!;
    unsigned += byte;
    signed += byte >= 0x80 ? byte - 0x100 : byte;
  }
  return stored === unsigned || stored === signed;
}

/** manifest.json: a list of images, each with a Config and Layers naming members of the archive. */
function checkSaveManifest(value: unknown, name: string): SaveManifest[] {
  const ok =
    Array.isArray(value) &&
    value.every(
      (item: unknown) =>
        typeof item === 'object' &&
        item !== null &&
        typeof (item as SaveManifest).Config === 'string' &&
        Array.isArray((item as SaveManifest).Layers) &&
        (item as SaveManifest).Layers.every((layer) => typeof layer === 'string') &&
        ((item as SaveManifest).RepoTags ?? []).every?.((tag) => typeof tag === 'string'),
    );
  if (!ok)
    throw new UsageError(
      `${shownPath(name)} has a manifest.json that is not a list of images with Config and Layers`,
      { hint: 'Write it again with `docker save -o <file> <image>`.' },
    );
  return value as SaveManifest[];
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end < 0 ? bytes.length : end).toString('utf8');
}

/** Tar sizes are octal text, or base-256 (high bit set) past 8 GiB. */
function octal(field: Buffer): number {
  if (field[0]! & 0x80) {
    let value = 0;
    for (let i = 1; i < field.length; i += 1) value = value * 256 + field[i]!;
    return value;
  }
  return parseInt(cString(field).trim() || '0', 8);
}

function paxPath(records: string): string | undefined {
  return /(?:^|\n)\d+ path=([^\n]*)\n/.exec(records)?.[1];
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
