import { InfraError } from '../errors.js';

/**
 * Why reading from git failed, as far as the user can act on it: the git client classifies
 * git's own message once, and the baseline turns the user's cases into exit 2 with a hint.
 */
export type GitFailureReason =
  /** The working directory is not inside a git work tree. */
  | 'not-a-repository'
  /** The ref (branch, tag, sha) does not name a commit in this clone. */
  | 'unknown-ref'
  /** git refuses the repository because another user owns it (`safe.directory`). */
  | 'unsafe-repository'
  /** Anything else: git ran and failed. */
  | 'failed';

export class GitReadError extends InfraError {
  readonly reason: GitFailureReason;
  /** The clone is shallow: a missing commit may only be unfetched. */
  readonly shallow: boolean;

  constructor(
    message: string,
    reason: GitFailureReason,
    details: { shallow?: boolean; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? {} : { cause: details.cause });
    this.reason = reason;
    this.shallow = details.shallow ?? false;
  }
}

/**
 * Why a `git:<ref>` cannot be a revision, or undefined when it may be one. Refused before git
 * sees it: a leading `-` (git would read an option), `:` (`ref:path` is a blob, not a commit),
 * `..` (a range), white space and control characters.
 */
export function refProblem(ref: string): string | undefined {
  if (ref.startsWith('-')) return 'starts with `-`, which git would read as an option';
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(ref)) return 'holds white space or a control character';
  if (ref.includes(':')) return 'holds `:` (a ref names a commit, not a file in it)';
  if (ref.includes('..')) return 'holds `..` (a range, not one commit)';
  if (ref.length > 255) return 'is longer than 255 characters';
  return undefined;
}
