import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { MediaType } from '../registry/media-types.js';
import type { BlobSource } from '../registry/model.js';
import { deterministicGzip, skipBytes, tee } from './streams.js';
import { tarStream, type TarEntry } from './tar.js';
import type { WalkedFile } from './walk.js';

/** Files at least this big get a layer of their own, stored uncompressed (weights do not compress). */
const LARGE_FILE_BYTES = 64 * 1024 * 1024;
/** Bumped whenever the bytes a plan produces would change, so old cache entries are ignored. */
const FORMAT_VERSION = 'sluice-layer/1';

export interface LayerPlan {
  /** What the layer holds, for the report and the image history. */
  title: string;
  entries: TarEntry[];
  compressed: boolean;
  /** gzip level (1 fast … 9 small); part of the fingerprint because it changes the bytes. */
  compressionLevel: number;
  /** Identifies the inputs (paths, sizes, mtimes, ctimes, inodes, modes): same fingerprint, same bytes. */
  fingerprint: string;
  files: number;
  /** Uncompressed bytes of the files. */
  fileBytes: number;
}

/** A layer ready to be written: a deterministic, re-openable byte source. */
export interface Layer extends BlobSource {
  plan: LayerPlan;
  /** sha256 of the uncompressed tar; known after the first full read or from the cache. */
  diffId?: string;
}

export interface PlanOptions {
  /** Files to place under `target` inside the image. */
  files: readonly WalkedFile[];
  /** Absolute path in the image, e.g. `/opt/model`. */
  target: string;
  /** What the files are, for titles: `model` or `code`. */
  label: string;
  largeFileBytes?: number;
  compressionLevel: number;
  /** Split large files into their own layers (model) or keep everything together (code). */
  splitLarge: boolean;
}

export function planLayers(options: PlanOptions): LayerPlan[] {
  const threshold = options.largeFileBytes ?? LARGE_FILE_BYTES;
  const target = options.target.replace(/^\/+|\/+$/g, '');
  const inImage = (rel: string): string => (target ? `${target}/${rel}` : rel);
  const large = options.splitLarge
    ? options.files.filter((file) => file.type === 'file' && file.size >= threshold)
    : [];
  const largeSet = new Set(large);
  const plans: LayerPlan[] = [];

  for (const file of large) {
    const path = inImage(file.rel);
    const entries = [...parentDirs(path), fileEntry(path, file)];
    plans.push(
      makePlan(`${options.label}: ${file.rel}`, entries, false, [file], options.compressionLevel),
    );
  }

  const rest = options.files.filter((file) => !largeSet.has(file));
  if (rest.length > 0 || large.length === 0) {
    const entries: TarEntry[] = target ? parentDirs(`${target}/x`) : [];
    for (const file of rest) {
      const path = inImage(file.rel);
      entries.push(file.type === 'dir' ? dirEntry(path, file.sticky) : fileEntry(path, file));
    }
    const files = rest.filter((file) => file.type === 'file');
    const count = `${files.length} ${large.length > 0 ? 'smaller ' : ''}file${files.length === 1 ? '' : 's'}`;
    const title = `${options.label}: ${count}`;
    plans.push(makePlan(title, sortEntries(entries), true, rest, options.compressionLevel));
  }
  return plans;
}

export function layerFromPlan(plan: LayerPlan): Layer {
  const layer: Layer = {
    plan,
    mediaType: plan.compressed ? MediaType.ociLayerGzip : MediaType.ociLayer,
    open(offset: number): AsyncIterable<Uint8Array> {
      const tar = tarStream(plan.entries);
      if (!plan.compressed) return skipBytes(tar, offset);
      const uncompressedHash = createHash('sha256');
      const hashed = tee(tar, uncompressedHash, () => {
        layer.diffId = `sha256:${uncompressedHash.digest('hex')}`;
      });
      return skipBytes(deterministicGzip(hashed, plan.compressionLevel), offset);
    },
  };
  return layer;
}

function makePlan(
  title: string,
  entries: TarEntry[],
  compressed: boolean,
  files: readonly WalkedFile[],
  level: number,
): LayerPlan {
  const fingerprint = createHash('sha256')
    .update(
      JSON.stringify({
        version: FORMAT_VERSION,
        compressed,
        level: compressed ? level : undefined,
        entries: entries.map((entry) => [entry.path, entry.type, entry.mode, entry.size ?? 0]),
        sources: files
          .filter((file) => file.type === 'file')
          .map((file) => [file.abs, file.size, file.mtimeMs, file.ctimeNs, file.ino]),
      }),
    )
    .digest('hex');
  const regular = files.filter((file) => file.type === 'file');
  return {
    title,
    entries,
    compressed,
    fingerprint,
    files: regular.length,
    fileBytes: regular.reduce((sum, file) => sum + file.size, 0),
    compressionLevel: level,
  };
}

function fileEntry(path: string, file: WalkedFile): TarEntry {
  return {
    path,
    type: 'file',
    mode: file.executable ? 0o755 : 0o644,
    size: file.size,
    source: file.abs,
  };
}

/** Folders are `755`; one with the sticky bit (a `/tmp`) is `1777`, writable by any user. */
function dirEntry(path: string, sticky = false): TarEntry {
  return { path, type: 'dir', mode: sticky ? 0o1777 : 0o755 };
}

/** `opt/model/a/b.bin` → `opt`, `opt/model`, `opt/model/a`. */
function parentDirs(path: string): TarEntry[] {
  const out: TarEntry[] = [];
  let dir = posix.dirname(path);
  while (dir !== '.' && dir !== '/' && dir !== '') {
    out.unshift(dirEntry(dir));
    dir = posix.dirname(dir);
  }
  return out;
}

function sortEntries(entries: TarEntry[]): TarEntry[] {
  const unique = new Map(entries.map((entry) => [entry.path, entry]));
  return [...unique.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
