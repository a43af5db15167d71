import { lstat, readdir, readlink, realpath, stat } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';

export interface WalkedFile {
  /** Path relative to the walked directory, `/`-separated. */
  rel: string;
  abs: string;
  type: 'file' | 'dir';
  size: number;
  executable: boolean;
  /** For the layer cache: a file whose size, mtime, ctime and inode are unchanged is not re-hashed. */
  mtimeMs: number;
  /**
   * Change time in nanoseconds, as a decimal string. Any write to the file moves it and, unlike
   * the mtime, `touch` cannot set it back: the cache key that catches a file rewritten in place
   * with the same size and its old mtime restored.
   */
  ctimeNs: string;
  ino: number;
}

/** Directories that never belong in an image. */
const SKIPPED = new Set(['.git', '.hg', '.svn', '__pycache__', '.sluice-cache']);

/**
 * Every file and directory under `root`, sorted by path so the tar is the same on every
 * machine. Symbolic links are followed: a model registry's snapshot of links to blobs
 * packs as the files they point at. A link that leads nowhere, or back into a folder being
 * walked, is bad input: packing without the file, or the same folder over and over, would
 * ship an image that is not the model.
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
  // Real paths of the folders from the root down to the one being read: a link to any of
  // them is a cycle.
  const ancestors = new Set<string>();
  async function visit(dir: string, rel: string): Promise<void> {
    const real = await realpath(dir);
    ancestors.add(real);
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      if (SKIPPED.has(name)) continue;
      const abs = join(dir, name);
      const childRel = rel ? `${rel}/${name}` : name;
      const info = await followed(abs, key);
      if (info.isDirectory()) {
        if (ancestors.has(await realpath(abs))) {
          throw new UsageError(
            `${abs} is a link back to ${await readlink(abs).catch(() => 'a folder above it')}, a folder that holds it: following it would never end`,
            {
              place: { key },
              hint: 'Remove the link, or point it at a folder outside the ones that contain it.',
            },
          );
        }
        out.push({
          rel: childRel,
          abs,
          type: 'dir',
          size: 0,
          executable: true,
          mtimeMs: 0,
          ctimeNs: '0',
          ino: 0,
        });
        await visit(abs, childRel);
      } else if (info.isFile()) {
        out.push({
          rel: childRel,
          abs,
          type: 'file',
          size: Number(info.size),
          executable: (Number(info.mode) & 0o111) !== 0,
          mtimeMs: Number(info.mtimeMs),
          ctimeNs: info.ctimeNs.toString(),
          ino: Number(info.ino),
        });
      }
    }
    ancestors.delete(real);
  }
  await visit(root, '');
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

/** What `abs` is once links are followed; a link that leads nowhere is a UsageError naming it. */
async function followed(abs: string, key: string): Promise<BigIntStats> {
  try {
    return await stat(abs, { bigint: true });
  } catch (error) {
    const link = await lstat(abs).catch(() => undefined);
    if (!link?.isSymbolicLink()) throw error;
    const target = await readlink(abs).catch(() => '?');
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ELOOP'
        ? `${abs} is a link to ${target} that loops back on itself`
        : `${abs} is a link to ${target}, which does not exist`,
      {
        place: { key },
        hint: 'Fix or remove the link: the image would be built without that file.',
        cause: error,
      },
    );
  }
}
