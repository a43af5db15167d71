import { UsageError } from '../errors.js';

/**
 * Whether an Exec failure means the program itself could not be started because it is not
 * installed or not on PATH (spawn's ENOENT), as opposed to the program running and failing.
 * The cause chain is walked because the exec port wraps the spawn error in an InfraError.
 */
export function isProgramMissing(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    const { code, syscall } = current as NodeJS.ErrnoException;
    if (code === 'ENOENT' && (syscall === undefined || syscall.startsWith('spawn'))) return true;
    current = current.cause;
  }
  return false;
}

/** The error for a step that needs the git binary in a job image that has none. */
export function gitMissingError(
  what: string,
  key: string,
  alternative: string,
  cause: unknown,
): UsageError {
  return new UsageError(`${what} needs git, but git is not installed or not on PATH`, {
    place: { key },
    hint: `run the job in an image with git (slim images have none: install it first, e.g. \`apt-get install -y git\` or \`apk add git\`), or ${alternative}`,
    cause,
  });
}
