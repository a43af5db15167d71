import type { Place } from './errors.js';

/**
 * The seams between the pure core and the platform it runs on. Each platform
 * (GitHub Actions, GitLab CI, a terminal) implements these; tests use fakes.
 */

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  /** A warning; with a place, platforms that can annotate a file do so. */
  warn(message: string, place?: Place): void;
  error(message: string, place?: Place): void;
  /**
   * Marks a line of a file where the forge can show it there (GitHub annotations). Terminals
   * and job logs leave it out: the report they print already says the same.
   */
  annotate?(level: 'error' | 'warning', message: string, place?: Place): void;
  /** Collapsible group on platforms that have them. */
  group<T>(title: string, run: () => Promise<T>): Promise<T>;
}

export interface Clock {
  now(): Date;
}

/** Runs a program; the only way the core starts processes. */
export interface Exec {
  run(
    command: string,
    args: readonly string[],
    options?: {
      cwd?: string;
      env?: Record<string, string>;
      input?: string;
      allowFailure?: boolean;
      /** Stop the program after this long (SIGTERM, then SIGKILL): an InfraError, even with allowFailure. */
      timeoutMs?: number;
      /** Aborting stops the program the same way: an InfraError, even with allowFailure. */
      signal?: AbortSignal;
    },
  ): Promise<{ exitCode: number; stdout: string; stderr: string }>;
}

/** Secrets the adapters must mask wherever text leaves the process. */
export interface SecretMasker {
  add(secret: string): void;
  mask(text: string): string;
}

/** An account on the forge: who wrote a comment, or whom the token acts as. */
export interface ForgeUser {
  /** The forge's numeric user id, as text; compared first when both sides have it. */
  id?: string;
  login: string;
}

/** A comment on a pull request (GitHub) or a merge request note (GitLab). */
export interface ForgeComment {
  id: string;
  body: string;
  url?: string;
  /** Who wrote it; a comment without a known author is never treated as ours. */
  author?: ForgeUser;
}

/**
 * The one thing the `comment` command needs from a forge: read the comments of a
 * change request and write one. Implemented by clients/github and clients/gitlab.
 */
export interface Forge {
  readonly name: 'github' | 'gitlab';
  /** The change request's comments, oldest first. */
  listComments(): Promise<ForgeComment[]>;
  createComment(body: string): Promise<ForgeComment>;
  updateComment(id: string, body: string): Promise<ForgeComment>;
  /** Removes a comment; resolves also when it is already gone (a racing job deleted it). */
  deleteComment(id: string): Promise<void>;
  /** The account the token writes as (one API call; the sticky comment is only ever its own). */
  currentUser(): Promise<ForgeUser>;
  /** Largest comment body the forge accepts, in characters. */
  readonly maxCommentLength: number;
}

/** Reads files at a git revision; backs the `git:<ref>` baseline. */
export interface GitReader {
  /** The file's bytes at `ref`, or undefined when it does not exist there. */
  readFileAt(ref: string, path: string): Promise<Buffer | undefined>;
  mergeBase(a: string, b: string): Promise<string>;
  /** Path of `file` relative to the repository root. */
  repoRelative(file: string): Promise<string>;
  /** Up to `limit` commits reachable from `ref` that changed `path`, newest first. */
  commitsTouching(
    ref: string,
    path: string,
    limit: number,
  ): Promise<{ sha: string; date: string }[]>;
}
