import { InfraError, UsageError, type SluiceError } from '../errors.js';

/**
 * What went wrong with a path the user gave, from the Node error code: the one mapping every
 * reader and writer of a user's file shares, so no `EISDIR` or `ELOOP` reaches the user raw.
 * Pure: no IO, no environment.
 */
export interface UserPath {
  /** The path as the user wrote it (shown in the message). */
  file: string;
  /** What the file is for, e.g. `metrics file`, `rules file`, `report`. */
  what: string;
  /** The input that named it (`metrics`, `output`), shown as the key. */
  key?: string;
  /** What to do when the file does not exist (reading only). */
  notFoundHint?: string;
}

export type FileAccess = 'read' | 'write';

/** Node's code for a failed file operation (`ENOENT`), or `ERR_INVALID_ARG_VALUE` for NUL bytes. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** C0 control characters and DEL: a newline, a carriage return, an escape sequence's start. */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/**
 * A path as it may be printed: control characters escaped (a newline would forge a log line),
 * a name given as bytes that are not UTF-8 shown byte by byte (`\xff`), and a very long one cut
 * in the middle (its start and its file name stay), so an error never echoes 100 kB back.
 */
export function shownPath(file: string | Buffer, max = 240): string {
  const escaped = typeof file === 'string' ? escapeControls(file) : escapeBytes(file);
  if (escaped.length <= max) return escaped;
  const keep = Math.floor((max - 1) / 2);
  return `${escaped.slice(0, keep)}…${escaped.slice(-keep)}`;
}

function escapeControls(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f]/g,
    (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/** A name read from the disk as bytes: as text when it is UTF-8, else every byte past ASCII escaped. */
function escapeBytes(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  if (Buffer.from(text, 'utf8').equals(bytes)) return escapeControls(text);
  let out = '';
  for (const byte of bytes)
    out +=
      byte >= 0x20 && byte < 0x7f
        ? String.fromCharCode(byte)
        : `\\x${byte.toString(16).padStart(2, '0')}`;
  return out;
}

function placeOf(target: UserPath): { file: string; key?: string } {
  return {
    file: shownPath(target.file),
    ...(target.key !== undefined ? { key: target.key } : {}),
  };
}

const WRITE_HINT =
  'give a path in a folder the job may write to (e.g. the workspace, or $RUNNER_TEMP / $CI_PROJECT_DIR)';

/**
 * The SluiceError for a file-system failure on a user's path; `undefined` when the error is not
 * one (no code: a bug to report, not the user's path). Infrastructure (disk full, I/O error, too
 * many open files) is exit 3; everything about the path itself is exit 2.
 */
export function userPathError(
  error: unknown,
  target: UserPath,
  access: FileAccess,
): SluiceError | undefined {
  const code = errorCode(error);
  if (code === undefined) return undefined;
  const { message, hint, infra } = describeCode(code, target, access);
  const details = {
    place: placeOf(target),
    hint,
    cause: error,
  };
  return infra ? new InfraError(message, details) : new UsageError(message, details);
}

interface Description {
  message: string;
  hint: string;
  infra?: boolean;
}

function describeCode(code: string, target: UserPath, access: FileAccess): Description {
  const { what } = target;
  const verb = access === 'read' ? 'read' : 'written';
  switch (code) {
    case 'ENOENT':
      return access === 'read'
        ? {
            message: `${what} not found`,
            hint:
              target.notFoundHint ??
              'check the path (relative to the working directory) and that the step writing it ran first',
          }
        : { message: `${what} cannot be written: its folder does not exist`, hint: WRITE_HINT };
    case 'ENOTDIR':
    case 'EEXIST':
      return access === 'read'
        ? {
            message: `${what} not found: a part of the path is a file, not a folder`,
            hint: 'check the path: only its last part may be a file',
          }
        : {
            message: `${what} cannot be written: a part of the path is a file, not a folder`,
            hint: 'choose a path whose folders are folders (or remove the file in the way)',
          };
    case 'EISDIR':
      return access === 'read'
        ? {
            message: `this is a directory, not a ${what}`,
            hint: `name the ${what} inside it`,
          }
        : {
            message: `${what} cannot be written: this is a directory`,
            hint: 'name a file inside it',
          };
    case 'EACCES':
    case 'EPERM':
      return access === 'read'
        ? {
            message: `${what} cannot be read (permission denied)`,
            hint: 'make it (and its folders) readable by the user running sluice',
          }
        : { message: `${what} cannot be written (permission denied)`, hint: WRITE_HINT };
    case 'EROFS':
      return {
        message: `${what} cannot be ${verb}: the file system is read-only`,
        hint: WRITE_HINT,
      };
    case 'ELOOP':
      return {
        message: `${what} cannot be ${verb}: its symbolic links form a loop`,
        hint: 'point the path (or the link) at a real file',
      };
    case 'ENAMETOOLONG':
      return {
        message: `${what} cannot be ${verb}: the path is too long`,
        hint: 'use a shorter path',
      };
    case 'ERR_INVALID_ARG_VALUE':
    case 'ERR_INVALID_ARG_TYPE':
      return {
        message: `${what} cannot be ${verb}: the path is not a valid file name (a NUL byte?)`,
        hint: 'check the path for control characters',
      };
    case 'ENXIO':
    case 'ENODEV':
    case 'ENOTSUP':
    case 'EOPNOTSUPP':
    case 'EINVAL':
      return {
        message: `${what} cannot be ${verb}: this path does not hold a regular file (${code})`,
        hint: 'give the path of a regular file',
      };
    case 'EBUSY':
    case 'ETXTBSY':
      return {
        message: `${what} cannot be ${verb}: the file is busy`,
        hint: 'make sure nothing else holds it open, or choose another path',
      };
    case 'ENOSPC':
    case 'EDQUOT':
      return {
        message: `${what} cannot be written: no space left on the device`,
        hint: 'free space on the runner, or write somewhere with room',
        infra: true,
      };
    case 'EFBIG':
      return {
        message: `${what} cannot be ${verb}: the file is too large`,
        hint: 'write somewhere without a file size limit',
        infra: true,
      };
    case 'EIO':
      return {
        message: `${what} cannot be ${verb}: input/output error`,
        hint: 'the disk or network file system failed; retry the job',
        infra: true,
      };
    case 'EMFILE':
    case 'ENFILE':
      return {
        message: `${what} cannot be ${verb}: too many open files`,
        hint: 'raise the open-file limit (ulimit -n) of the runner',
        infra: true,
      };
    default:
      return {
        message: `${what} cannot be ${verb} (${code})`,
        hint: 'check the path and its permissions',
      };
  }
}

/** Why a path that exists cannot be read as a file: a folder, FIFO, socket or device. */
export function notARegularFile(
  target: UserPath,
  kind: 'directory' | 'fifo' | 'socket' | 'device' | 'other',
  access: FileAccess,
): UsageError {
  const place = placeOf(target);
  if (kind === 'directory') {
    return access === 'read'
      ? new UsageError(`this is a directory, not a ${target.what}`, {
          place,
          hint: `name the ${target.what} inside it`,
        })
      : new UsageError(`${target.what} cannot be written: this is a directory`, {
          place,
          hint: 'name a file inside it',
        });
  }
  const name =
    kind === 'fifo'
      ? 'a named pipe (FIFO)'
      : kind === 'socket'
        ? 'a socket'
        : kind === 'device'
          ? 'a device'
          : 'something other than a file';
  return new UsageError(
    `${target.what} cannot be ${access === 'read' ? 'read' : 'written'}: this is ${name}, not a regular file`,
    {
      place,
      hint:
        access === 'read'
          ? 'give the path of a regular file (sluice does not read pipes or devices)'
          : 'give the path of a regular file; to see the report on standard output use --format',
    },
  );
}

/** A file larger than sluice reads, named with its bound. */
export function tooLarge(target: UserPath, size: number, maxBytes: number): UsageError {
  return new UsageError(
    `${target.what} is too large to read (${size} bytes; at most ${maxBytes} bytes)`,
    {
      place: placeOf(target),
      hint: `check that this is the ${target.what} you meant`,
    },
  );
}

/** A folder the file system will not create (e.g. under /proc), named. */
export function folderNotCreatable(target: UserPath, folder: string, cause: unknown): UsageError {
  return new UsageError(
    `${target.what} cannot be written: the folder ${folder} cannot be created`,
    {
      place: placeOf(target),
      hint: WRITE_HINT,
      cause,
    },
  );
}
