import type { BigIntStats, Stats } from 'node:fs';
import { UsageError, type Place } from '../errors.js';
import { shownPath } from '../files/fs-errors.js';

/**
 * What the image commands add to src/core/files for the local files they are given (model and
 * code folders, OCI layouts, `docker save` archives, the layer cache), where a pull request may
 * have put something hostile. Opening and reading them goes through src/core/files/user-file.ts
 * (`openUserFile`, `readUserFile`: stat first, never a FIFO waited on, a size bound), and paths
 * and file-system errors are shown by src/core/files/fs-errors.ts (`shownPath`, `userPathError`).
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
