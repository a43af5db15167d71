import type { BigIntStats, Stats } from 'node:fs';
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { UsageError, type Place } from '../errors.js';

/**
 * Opening and reading the local files build-image is given (model and code folders, OCI layouts,
 * `docker save` archives, the layer cache) when a pull request may have put something hostile
 * there: a FIFO that would block the first read forever, a device, a link out of the folder,
 * a file gigabytes long where a few KiB of JSON belong.
 */

/** The input that lets links in the model and code folders point outside them. */
export const FOLLOW_OUTSIDE_INPUT = 'follow-links-outside';

/** What a file that is neither a regular file, a folder nor a link is, in words; undefined for those. */
export function specialKind(stats: Stats | BigIntStats): string | undefined {
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return undefined;
}

/** Why a file-system call failed, in words a person can act on. */
export function fsReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'it does not exist (or went away while it was read)';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENAMETOOLONG':
      return 'its path is longer than the system allows';
    case 'ELOOP':
      return 'it is a link that loops back on itself';
    case 'EISDIR':
      return 'it is a folder';
    case 'ENOTDIR':
      return 'a part of its path is not a folder';
    case 'EIO':
      return 'the disk reported an I/O error';
    default:
      return code ?? String((error as Error | undefined)?.message ?? error);
  }
}

/**
 * A path for a message: printable as it is, with control characters (a newline that would forge
 * a log line) and bytes that are not UTF-8 escaped.
 */
/** C0 control characters and DEL: a newline, a carriage return, an escape sequence's start. */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

export function shownPath(path: string | Buffer): string {
  const bytes = typeof path === 'string' ? Buffer.from(path, 'utf8') : path;
  const text = bytes.toString('utf8');
  if (Buffer.from(text, 'utf8').equals(bytes) && !hasControlCharacter(text)) return text;
  let out = '';
  for (const byte of bytes)
    out +=
      byte >= 0x20 && byte < 0x7f
        ? String.fromCharCode(byte)
        : `\\x${byte.toString(16).padStart(2, '0')}`;
  return out;
}

/**
 * Opens a file for reading without ever blocking on it: O_NONBLOCK so a FIFO opens at once (and
 * is then refused by its type), O_NOFOLLOW when the last part must not be a link. Anything but
 * a regular file is a UsageError naming the path, its kind and `place`.
 */
export async function openRegularFile(
  path: string,
  place: Place,
  options: { noFollow?: boolean; what?: string } = {},
): Promise<{ handle: FileHandle; stats: Stats }> {
  const what = options.what ?? path;
  let handle: FileHandle;
  try {
    handle = await open(
      path,
      constants.O_RDONLY | constants.O_NONBLOCK | (options.noFollow ? constants.O_NOFOLLOW : 0),
    );
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `Cannot read ${shownPath(what)}: ${code === 'ELOOP' && options.noFollow ? 'it is a symbolic link' : fsReason(error)}`,
      { place, cause: error },
    );
  }
  try {
    const stats = await handle.stat();
    const kind = stats.isFile() ? undefined : (specialKind(stats) ?? 'not a regular file');
    if (kind) {
      throw new UsageError(`${shownPath(what)} is ${kind}, not a regular file`, {
        place,
        hint: 'Only regular files are read; replace it with the file it stands for.',
      });
    }
    return { handle, stats };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * The whole of a small regular file (JSON, a manifest), refused past `limit` bytes so a
 * gigabyte-long "index.json" cannot take the memory.
 */
export async function readSmallFile(
  path: string,
  limit: number,
  place: Place,
  options: { noFollow?: boolean; what?: string } = {},
): Promise<Buffer> {
  const { handle, stats } = await openRegularFile(path, place, options);
  try {
    if (stats.size > limit) {
      throw new UsageError(
        `${shownPath(options.what ?? path)} is ${stats.size} bytes, more than the ${limit} allowed for it`,
        { place, hint: 'It is not the file it should be; check how it was written.' },
      );
    }
    const bytes = Buffer.alloc(stats.size);
    let read = 0;
    while (read < bytes.length) {
      const { bytesRead } = await handle.read(bytes, read, bytes.length - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return bytes.subarray(0, read);
  } finally {
    await handle.close();
  }
}

/** JSON.parse, with a UsageError naming the file (and what it should be) instead of a SyntaxError. */
export function parseJsonFile(bytes: Buffer, what: string, place: Place): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (error) {
    throw new UsageError(`${shownPath(what)} is not valid JSON: ${(error as Error).message}`, {
      place,
      cause: error,
    });
  }
}
