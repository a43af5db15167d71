import type { Stats } from 'node:fs';
// constants from fs/promises, not node:fs: importing node:fs loads every stream module (cold start).
import { constants, lstat, mkdir, open, stat, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import {
  errorCode,
  folderNotCreatable,
  notARegularFile,
  tooLarge,
  userPathError,
  type FileAccess,
  type UserPath,
} from './fs-errors.js';
import { decodeText } from '../text/utf8.js';
import { refuseLinkOut, type LinkPolicy } from './contained.js';

export type { UserPath } from './fs-errors.js';

/** Larger than any metrics, rules, schema or report file; below what one string may hold. */
const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

export interface ReadUserFileOptions {
  maxBytes?: number;
  /** Refuse a file in the working directory that links out of it (see LinkPolicy). */
  links?: LinkPolicy;
  /**
   * The path itself must not be a symbolic link (O_NOFOLLOW): for files inside a folder whose
   * links were already checked (an OCI layout's blobs, the layer cache, a file being packed).
   */
  noFollow?: boolean;
}

/** Throws the mapped SluiceError for a file-system failure, else the error itself (a bug). */
function rethrow(error: unknown, target: UserPath, access: FileAccess): never {
  throw userPathError(error, target, access) ?? error;
}

function kindOf(info: Stats): 'directory' | 'fifo' | 'socket' | 'device' | 'other' {
  if (info.isDirectory()) return 'directory';
  if (info.isFIFO()) return 'fifo';
  if (info.isSocket()) return 'socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'device';
  return 'other';
}

function checkName(absolute: string, target: UserPath, access: FileAccess): void {
  if (absolute.includes('\0'))
    rethrow(
      Object.assign(new Error('NUL in path'), { code: 'ERR_INVALID_ARG_VALUE' }),
      target,
      access,
    );
}

/**
 * Reads a file the user named: only a regular file (a folder, FIFO, socket or device is refused
 * by name before it is opened, so a FIFO never blocks), at most `maxBytes`, and every failure a
 * UsageError (or InfraError for the disk itself) naming the path.
 */
export async function readUserFile(
  absolute: string,
  target: UserPath,
  options: ReadUserFileOptions = {},
): Promise<Buffer> {
  const { handle, stats } = await openUserFile(absolute, target, options);
  try {
    // As many bytes as the opened file had: one growing under the reader stops there.
    const bytes = Buffer.alloc(stats.size);
    let read = 0;
    while (read < bytes.length) {
      const { bytesRead } = await handle.read(bytes, read, bytes.length - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return bytes.subarray(0, read);
  } catch (error) {
    rethrow(error, target, 'read');
  } finally {
    await handle.close();
  }
}

/**
 * Opens a file the user named for reading, as readUserFile checks it (stat first, only a regular
 * file, at most `maxBytes`), for callers that stream it: the handle and what it is, checked again
 * on the open file. The caller closes the handle.
 */
export async function openUserFile(
  absolute: string,
  target: UserPath,
  options: ReadUserFileOptions = {},
): Promise<{ handle: FileHandle; stats: Stats }> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  await checkUserFile(absolute, target, options);
  let handle: FileHandle;
  try {
    // O_NONBLOCK: should the path turn into a FIFO after the check, opening it still returns.
    handle = await open(
      absolute,
      constants.O_RDONLY | constants.O_NONBLOCK | (options.noFollow ? constants.O_NOFOLLOW : 0),
    );
  } catch (error) {
    if (options.noFollow && errorCode(error) === 'ELOOP') throw isALink(target, error);
    rethrow(error, target, 'read');
  }
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) throw notARegularFile(target, kindOf(opened), 'read');
    if (opened.size > maxBytes) throw tooLarge(target, opened.size, maxBytes);
    return { handle, stats: opened };
  } catch (error) {
    await handle.close();
    rethrow(error, target, 'read');
  }
}

/** A path that must be the file itself is a symbolic link. */
function isALink(target: UserPath, cause?: unknown): UsageError {
  return new UsageError(`${target.what} cannot be read: it is a symbolic link`, {
    place: { file: target.file, ...(target.key !== undefined ? { key: target.key } : {}) },
    hint: 'Only the file itself is read here, not a link to it; replace the link with the file.',
    cause,
  });
}

/**
 * What readUserFile checks before it opens anything, without reading: the path names a regular
 * file of at most `maxBytes`. For files read later (after a build), checked before the work
 * starts so a bad one fails the step before anything is pushed.
 */
export async function checkUserFile(
  absolute: string,
  target: UserPath,
  options: ReadUserFileOptions = {},
): Promise<Stats> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  checkName(absolute, target, 'read');
  await refuseLinkOut(options.links, absolute, target.file, {
    file: target.file,
    ...(target.key !== undefined ? { key: target.key } : {}),
  });
  let info: Stats;
  try {
    info = await (options.noFollow ? lstat : stat)(absolute);
  } catch (error) {
    rethrow(error, target, 'read');
  }
  if (info.isSymbolicLink()) throw isALink(target);
  if (!info.isFile()) throw notARegularFile(target, kindOf(info), 'read');
  if (info.size > maxBytes) throw tooLarge(target, info.size, maxBytes);
  return info;
}

/** readUserFile as text: UTF-8 (a BOM allowed) or UTF-16 with a BOM; invalid bytes are bad input at their offset. */
export async function readUserText(
  absolute: string,
  target: UserPath,
  options: ReadUserFileOptions = {},
): Promise<string> {
  return decodeText(
    await readUserFile(absolute, target, options),
    target.file,
    `the ${target.what}`,
  );
}

/**
 * Writes a file the user named as an output, creating its folders one at a time after checking
 * the chain of parents (Node's recursive mkdir never returns under /proc). A folder, FIFO or
 * socket at the path is refused; a character device (/dev/null) is written to.
 */
export async function writeUserOutput(
  absolute: string,
  data: string | Uint8Array | Iterable<string>,
  target: UserPath,
): Promise<void> {
  checkName(absolute, target, 'write');
  await ensureFolder(path.dirname(absolute), target);
  let existing: Stats | undefined;
  try {
    existing = await stat(absolute);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') rethrow(error, target, 'write');
  }
  if (existing && !existing.isFile() && !existing.isCharacterDevice())
    throw notARegularFile(target, kindOf(existing), 'write');
  try {
    await writeFile(absolute, data);
  } catch (error) {
    rethrow(error, target, 'write');
  }
}

/** Creates `folder` and any missing parents, after finding the nearest one that exists. */
async function ensureFolder(folder: string, target: UserPath): Promise<void> {
  const missing: string[] = [];
  let current = folder;
  for (;;) {
    let info: Stats | undefined;
    try {
      info = await stat(current);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') rethrow(error, target, 'write');
    }
    if (info) {
      if (!info.isDirectory())
        rethrow(Object.assign(new Error('not a folder'), { code: 'ENOTDIR' }), target, 'write');
      break;
    }
    missing.push(current);
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const dir of missing.reverse()) {
    try {
      await mkdir(dir);
    } catch (error) {
      if (errorCode(error) === 'EEXIST' && (await stat(dir).catch(() => undefined))?.isDirectory())
        continue;
      if (errorCode(error) === 'ENOENT') throw folderNotCreatable(target, dir, error);
      rethrow(error, target, 'write');
    }
  }
}
