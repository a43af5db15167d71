import { posix } from 'node:path';
import { UsageError } from '../errors.js';

/**
 * Checks of the image settings a user writes by hand. What passes here lands in the image
 * config or the tar as written, so a mistake would ship silently and fail only at `docker run`.
 */

/** An absolute, normalized path in the image (`/opt/model`); `..` would leave the folder meant. */
export function checkImagePath(path: string, key: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  const segments = trimmed.split('/');
  if (!trimmed.startsWith('/') || segments.includes('..') || posix.normalize(trimmed) !== trimmed) {
    throw new UsageError(`${key} ${JSON.stringify(path)} is not an absolute, normalized path`, {
      place: { key },
      hint: 'Write a path inside the image such as /opt/model: starting with /, no `.` or `..` parts, no doubled /.',
    });
  }
  return trimmed;
}

/** `8080`, `8080/tcp` or `53/udp`: the form ExposedPorts keys take, with `/tcp` added when left out. */
export function checkPort(port: string): string {
  const match = /^(\d{1,5})(?:\/(tcp|udp))?$/.exec(port.trim());
  const number = match ? Number(match[1]) : NaN;
  if (!match || number < 1 || number > 65535) {
    throw new UsageError(`port ${JSON.stringify(port)} is not a port number`, {
      place: { key: 'port' },
      hint: 'Write a number from 1 to 65535, optionally with /tcp or /udp, e.g. 8080 or 8080/tcp.',
    });
  }
  return `${number}/${match[2] ?? 'tcp'}`;
}

/** `NAME=value` pairs with a name a shell can read (letters, digits, `_`, not starting with a digit). */
export function checkEnv(pairs: readonly string[]): string[] {
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    const name = equals < 0 ? pair : pair.slice(0, equals);
    if (equals < 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      // Only the name is quoted: the value may be a secret.
      throw new UsageError(
        equals < 0
          ? `env ${JSON.stringify(name)} has no value`
          : `env ${JSON.stringify(name)} is not a valid variable name`,
        {
          place: { key: 'env' },
          hint: 'Write NAME=value (an empty value is NAME=); names are letters, digits and _, not starting with a digit.',
        },
      );
    }
  }
  return [...pairs];
}
