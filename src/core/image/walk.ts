import { lstat, readdir, readlink, realpath, stat } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { isInside } from '../files/contained.js';
import { hasControlCharacter, shownPath, userPathError } from '../files/fs-errors.js';
import { FOLLOW_OUTSIDE_INPUT, specialKind } from './local-files.js';

export interface WalkedFile {
  /** Path relative to the walked directory, `/`-separated. */
  rel: string;
  /**
   * The file to read: the path in the folder, or for a link the real path it resolves to (checked
   * here), so the reader opens that with O_NOFOLLOW and a link swapped in later is refused.
   */
  abs: string;
  type: 'file' | 'dir';
  size: number;
  executable: boolean;
  /**
   * A folder with the sticky bit (a `/tmp`): written `1777`, so a container's non-root user can
   * make files in it. Every other folder is `755`.
   */
  sticky?: boolean;
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

export interface WalkOptions {
  /** Follow links whose target is outside the walked folder (the `follow-links-outside` input). */
  followOutside?: boolean;
}

/** Directories that never belong in an image. */
const SKIPPED = new Set(['.git', '.hg', '.svn', '__pycache__', '.sluice-cache']);

/**
 * The longest file packed, by its apparent size (what `ls -l` shows). Packing costs the apparent
 * size whatever the disk holds: every byte is read, hashed and written (holes as zeros), and a
 * registry stores it. So the bound is on that cost, not on how many blocks the file takes: a
 * block count is no sign of a hostile file (btrfs, ZFS and APFS compress, dedupe and store small
 * files inline, so an honest 1 GiB file of weights may take a few MiB on disk), and the former
 * "under an eighth of its size on disk" guess refused such files. 64 GiB is above the largest
 * single file the model hubs hold (Hugging Face refuses files over 50 GB; weights come in shards)
 * and above what the large registries take as one layer (Docker Hub and GHCR about 10 GB, ECR
 * about 52 GB), yet a runner reads it in minutes: a `truncate -s 10T` file is refused at once
 * instead of taking the job's hours and disk.
 */
const MAX_FILE_BYTES = 64n * 1024n * 1024n * 1024n;

/**
 * Every file and directory under `root`, sorted by path so the tar is the same on every
 * machine.
 *
 * Symbolic links are followed, and packed as the files and folders they point at, when they
 * resolve (through every link in the chain, `..` and all) to a place inside `root`. A link that
 * resolves outside is refused unless `followOutside` is set: otherwise a pull request could turn
 * `model/x` into a link to `/etc/shadow` or `~/.docker/config.json` and have it pushed in a
 * layer. A link that leads nowhere, loops, or leads back into a folder being walked is refused
 * too. FIFOs, sockets and devices are refused by name (their type is read with lstat, nothing
 * is opened); so are names that are not UTF-8 or hold control characters, and files longer
 * than MAX_FILE_BYTES. Hard links are regular files: each name packs the bytes.
 */
export async function walk(
  root: string,
  key: string,
  options: WalkOptions = {},
): Promise<WalkedFile[]> {
  const rootStat = await stat(root).catch(() => undefined);
  if (!rootStat?.isDirectory()) {
    throw new UsageError(`${shownPath(root)} is not a directory`, {
      place: { key },
      hint: 'Point it at the folder that holds the files to pack.',
    });
  }
  const realRoot = await fsCall(() => realpath(root), root, key);
  const out: WalkedFile[] = [];
  // The folders from the root down to the one being read (device and inode): a link to any
  // of them is a cycle.
  const ancestors = new Set<string>();
  // `shown` is the folder as the user knows it (through the links followed), for messages;
  // `dir` is its real path, free of links, which is what is read.
  async function visit(shown: string, dir: string, identity: string, rel: string): Promise<void> {
    ancestors.add(identity);
    const raw = await fsCall(() => readdir(dir, { encoding: 'buffer' }), shown, key);
    const names = raw.map((name) => checkedName(shown, name, key)).sort();
    for (const name of names) {
      if (SKIPPED.has(name)) continue;
      const abs = join(shown, name);
      const childRel = rel ? `${rel}/${name}` : name;
      const entry = await resolveEntry(
        abs,
        join(dir, name),
        key,
        root,
        realRoot,
        options.followOutside === true,
      );
      const info = entry.stats;
      if (info.isDirectory()) {
        const id = `${info.dev}:${info.ino}`;
        if (ancestors.has(id)) {
          throw new UsageError(
            `${shownPath(abs)} is a link back to ${shownPath(entry.target ?? 'a folder above it')}, a folder that holds it: following it would never end`,
            {
              place: { key },
              hint: 'Remove the link, or point it at a folder outside the ones that contain it.',
            },
          );
        }
        out.push({
          rel: childRel,
          abs: entry.path,
          type: 'dir',
          size: 0,
          executable: true,
          ...((Number(info.mode) & 0o1000) !== 0 ? { sticky: true } : {}),
          mtimeMs: 0,
          ctimeNs: '0',
          ino: 0,
        });
        await visit(abs, entry.path, id, childRel);
      } else {
        refuseHuge(abs, info, key);
        out.push({
          rel: childRel,
          abs: entry.path,
          type: 'file',
          size: Number(info.size),
          executable: (Number(info.mode) & 0o111) !== 0,
          mtimeMs: Number(info.mtimeMs),
          ctimeNs: info.ctimeNs.toString(),
          ino: Number(info.ino),
        });
      }
    }
    ancestors.delete(identity);
  }
  const rootInfo = await fsCall(() => stat(realRoot, { bigint: true }), root, key);
  await visit(root, realRoot, `${rootInfo.dev}:${rootInfo.ino}`, '');
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

interface Entry {
  /** The path to read: free of links, the real path a link resolves to. */
  path: string;
  /** Of `path`, a regular file or a folder. */
  stats: BigIntStats;
  /** What a link says it points at, as written in it. */
  target?: string;
}

/** What `abs` is, with links resolved and checked; anything that is not a file or folder is refused. */
async function resolveEntry(
  abs: string,
  path: string,
  key: string,
  root: string,
  realRoot: string,
  followOutside: boolean,
): Promise<Entry> {
  const own = await fsCall(() => lstat(path, { bigint: true }), abs, key);
  if (!own.isSymbolicLink()) {
    refuseSpecial(abs, own, key);
    return { path, stats: own };
  }
  const target = await readlink(path).catch(() => '?');
  let real: string;
  try {
    real = await realpath(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ELOOP' && code !== 'ENOTDIR') throw fsError(abs, key, error);
    throw new UsageError(
      code === 'ELOOP'
        ? `${shownPath(abs)} is a link to ${shownPath(target)} that loops back on itself`
        : `${shownPath(abs)} is a link to ${shownPath(target)}, which does not exist`,
      {
        place: { key },
        hint: 'Fix or remove the link: the image would be built without that file.',
        cause: error,
      },
    );
  }
  const stats = await fsCall(() => lstat(real, { bigint: true }), abs, key);
  refuseSpecial(abs, stats, key, `a link to ${shownPath(target)} (${shownPath(real)}), which is`);
  if (!followOutside && !isInside(realRoot, real)) {
    throw new UsageError(
      `${shownPath(abs)} is a link to ${shownPath(target)}, which leads outside the ${key} folder ${shownPath(root)}${real === target ? '' : ` (to ${shownPath(real)})`}`,
      {
        place: { key },
        hint: `Links out of the folder are refused so that nothing outside it (a secret on the runner) ends up in the image. Copy the file into the folder, or, if the folder is a snapshot of links to blobs kept elsewhere (a Hugging Face cache), set ${FOLLOW_OUTSIDE_INPUT}: true (--${FOLLOW_OUTSIDE_INPUT}) to pack what the links point at.`,
      },
    );
  }
  return { path: real, stats, target };
}

function refuseSpecial(abs: string, stats: BigIntStats, key: string, prefix = ''): void {
  const kind =
    stats.isFile() || stats.isDirectory()
      ? undefined
      : (specialKind(stats) ?? 'not a regular file');
  if (!kind) return;
  throw new UsageError(
    `${shownPath(abs)} is ${prefix ? `${prefix} ` : ''}${kind}: only regular files, folders and links to them can go in an image`,
    {
      place: { key },
      hint: `Remove it from the ${key} folder (or move the folder's files to one without it).`,
    },
  );
}

/** A file longer than MAX_FILE_BYTES (sparse or not) would cost more than any image should: refused. */
function refuseHuge(abs: string, stats: BigIntStats, key: string): void {
  if (stats.size <= MAX_FILE_BYTES) return;
  const allocated = stats.blocks * 512n;
  throw new UsageError(
    `${shownPath(abs)} is ${stats.size} bytes long, more than the ${MAX_FILE_BYTES} (64 GiB) one file of an image may be${allocated * 8n < stats.size ? ` (a sparse file: ${allocated} bytes on disk, the rest holes that would pack as zeros)` : ''}`,
    {
      place: { key },
      hint: 'Remove it from the folder, or split it (weights in shards of a few GiB each, as safetensors does); no registry takes a layer this large.',
    },
  );
}

/** The name of a folder entry as text; names that are not UTF-8 or hold control characters are refused. */
function checkedName(dir: string, name: Buffer, key: string): string {
  const text = name.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(name)) {
    throw new UsageError(
      `${shownPath(join(dir, ''))}${shownPath(name)} has a name that is not valid UTF-8`,
      {
        place: { key },
        hint: 'Rename it: paths in an image are UTF-8.',
      },
    );
  }
  if (hasControlCharacter(text)) {
    throw new UsageError(
      `${shownPath(join(dir, text))} has a control character (a newline, tab or escape) in its name`,
      {
        place: { key },
        hint: 'Rename it: such names break the tools that list an image and the logs that name them.',
      },
    );
  }
  return text;
}

async function fsCall<T>(call: () => Promise<T>, path: string, key: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw fsError(path, key, error);
  }
}

/** A file-system failure in the folder, mapped as every user path's is (exit 2, or 3 for the disk). */
function fsError(path: string, key: string, error: unknown): Error {
  return (
    userPathError(
      error,
      { file: path, what: `${shownPath(path)} in the ${key} folder`, key },
      'read',
    ) ?? (error as Error)
  );
}
