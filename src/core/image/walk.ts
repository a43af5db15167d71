import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.js';

export interface WalkedFile {
  /** Path relative to the walked directory, `/`-separated. */
  rel: string;
  abs: string;
  type: 'file' | 'dir';
  size: number;
  executable: boolean;
  /** For the layer cache: a file whose size, mtime and inode are unchanged is not re-hashed. */
  mtimeMs: number;
  ino: number;
}

/** Directories that never belong in an image. */
const SKIPPED = new Set(['.git', '.hg', '.svn', '__pycache__', '.sluice-cache']);

/**
 * Every file and directory under `root`, sorted by path so the tar is the same on every
 * machine. Symbolic links are followed: a model registry's snapshot of links to blobs
 * packs as the files they point at.
 */
export async function walk(root: string, key: string): Promise<WalkedFile[]> {
  const rootStat = await stat(root).catch(() => undefined);
  if (!rootStat?.isDirectory()) {
    throw new UsageError(`${root} is not a directory`, {
      place: { key },
      hint: 'Point it at the folder that holds the files to pack.',
    });
  }
  const out: WalkedFile[] = [];
  async function visit(dir: string, rel: string): Promise<void> {
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      if (SKIPPED.has(name)) continue;
      const abs = join(dir, name);
      const childRel = rel ? `${rel}/${name}` : name;
      const info = await stat(abs).catch(() => undefined);
      if (!info) continue; // a dangling link has nothing to pack
      if (info.isDirectory()) {
        out.push({
          rel: childRel,
          abs,
          type: 'dir',
          size: 0,
          executable: true,
          mtimeMs: 0,
          ino: 0,
        });
        await visit(abs, childRel);
      } else if (info.isFile()) {
        out.push({
          rel: childRel,
          abs,
          type: 'file',
          size: info.size,
          executable: (info.mode & 0o111) !== 0,
          mtimeMs: info.mtimeMs,
          ino: info.ino,
        });
      }
    }
  }
  await visit(root, '');
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}
