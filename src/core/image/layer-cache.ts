import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

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
      const parsed = JSON.parse(
        await readFile(this.path(fingerprint), 'utf8'),
      ) as Partial<CachedLayer>;
      if (
        typeof parsed.digest === 'string' &&
        typeof parsed.size === 'number' &&
        typeof parsed.diffId === 'string'
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
      const temp = `${this.path(fingerprint)}.${process.pid}.tmp`;
      await writeFile(temp, JSON.stringify(entry));
      await rename(temp, this.path(fingerprint));
    } catch {
      // a read-only cache folder must not fail the build
    }
  }

  private path(fingerprint: string): string {
    return join(this.dir ?? '', 'layers', `${fingerprint}.json`);
  }
}
