import { constants, type Stats } from 'node:fs';
import { mkdir, open, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
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

export type { UserPath } from './fs-errors.js';

/** Larger than any metrics, rules, schema or report file; below what one string may hold. */
const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

export interface ReadUserFileOptions {
  maxBytes?: number;
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
async function readUserFile(
  absolute: string,
  target: UserPath,
  options: ReadUserFileOptions = {},
): Promise<Buffer> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  checkName(absolute, target, 'read');
  let info: Stats;
  try {
    info = await stat(absolute);
  } catch (error) {
    rethrow(error, target, 'read');
  }
  if (!info.isFile()) throw notARegularFile(target, kindOf(info), 'read');
  if (info.size > maxBytes) throw tooLarge(target, info.size, maxBytes);
  try {
    // O_NONBLOCK: should the path turn into a FIFO after the check, opening it still returns.
    const handle = await open(absolute, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const opened = await handle.stat();
      if (!opened.isFile()) throw notARegularFile(target, kindOf(opened), 'read');
      if (opened.size > maxBytes) throw tooLarge(target, opened.size, maxBytes);
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (error) {
    rethrow(error, target, 'read');
  }
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
