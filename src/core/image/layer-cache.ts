import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDigest } from '../registry/reference.js';
import { readUserFile } from '../files/user-file.js';

export interface CachedLayer {
  digest: string;
  size: number;
  diffId: string;
}

/**
 * Remembers the digest of each layer by its fingerprint (paths, sizes, mtimes, ctimes, inodes),
 * so an unchanged 1 GB weights file is not read again to learn that it is unchanged. The ctime
 * is what catches a file rewritten in place whose size and mtime were put back (`touch -r`).
 * A missing or broken cache only costs a re-hash.
 */
export class LayerCache {
  constructor(private readonly dir: string | undefined) {}

  async get(fingerprint: string): Promise<CachedLayer | undefined> {
    if (!this.dir) return undefined;
    try {
      // The cache folder may be restored from a CI cache a pull request wrote: an entry is a
      // small regular file (never a FIFO to block on, never a link), and its digests must be
      // digests before they name a blob file in an OCI layout.
      const file = this.path(fingerprint);
      const bytes = await readUserFile(
        file,
        { file, what: 'layer cache entry' },
        { maxBytes: 4096, noFollow: true },
      );
      const parsed = JSON.parse(bytes.toString('utf8')) as Partial<CachedLayer> | null;
      if (
        parsed !== null &&
        typeof parsed.digest === 'string' &&
        isDigest(parsed.digest) &&
        typeof parsed.size === 'number' &&
        Number.isSafeInteger(parsed.size) &&
        parsed.size >= 0 &&
        typeof parsed.diffId === 'string' &&
        isDigest(parsed.diffId)
      ) {
        return { digest: parsed.digest, size: parsed.size, diffId: parsed.diffId };
      }
    } catch {
      // absent or unreadable: fall through to a rebuild
    }
    return undefined;
  }

  async set(fingerprint: string, entry: CachedLayer): Promise<void> {
    if (!this.dir) return;
    try {
      await mkdir(join(this.dir, 'layers'), { recursive: true });
      const temp = `${this.path(fingerprint)}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
      await writeFile(temp, JSON.stringify(entry), { flag: 'wx' });
      await rename(temp, this.path(fingerprint));
    } catch {
      // a read-only cache folder must not fail the build
    }
  }

  private path(fingerprint: string): string {
    return join(this.dir ?? '', 'layers', `${fingerprint}.json`);
  }
}
