import { InfraError } from '../errors.js';
import type { Forge, ForgeComment, ForgeUser } from '../ports.js';
import { commentMarker, normaliseBody } from './markers.js';
import { truncateMarkdown } from './truncate.js';

/**
 * One comment per change request and key, found again by a hidden marker on its first
 * line and updated in place. Only comments the token's own account wrote count: anyone
 * can paste the marker into a comment of their own, and such a comment is never read,
 * merged, edited or deleted. Two jobs may race to create it; both then converge on the
 * oldest marked comment and the newer copies are deleted. Two jobs may also race to
 * update it (each rebuilds from what it listed, so the later write can drop the other's
 * part): after writing, each job waits a moment, reads the comment again and writes
 * once more when its own part is not there, a bounded number of times.
 */

interface StickyBodyContext {
  /** Bodies (marker line removed) of our marked comments found, oldest first. */
  previous: readonly string[];
  /** Room left for the body once the marker line is in. */
  maxLength: number;
}

/** The body, or a function of what is already there (to keep other jobs' parts). */
export type StickyBody = string | ((context: StickyBodyContext) => string);

export interface StickyOptions {
  /**
   * Whether what this run wrote (`written`, marker line included) still holds in the body now
   * on the forge. Default: the two bodies are the same.
   */
  holds?: (written: string, current: string) => boolean;
  /** Writes before giving up when other jobs keep overwriting ours. Default 5. */
  attempts?: number;
  /** Milliseconds to wait before reading back, plus up to as much again at random. Default 1000. */
  settleMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface StickyResult {
  comment: ForgeComment;
  action: 'created' | 'updated' | 'unchanged';
  /** Ids of duplicate comments deleted on the way. */
  removed: string[];
  /** Writes it took for this run's content to stay in the comment (0 when unchanged). */
  writes: number;
}

const defaultSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

export async function upsertStickyComment(
  forge: Forge,
  key: string,
  body: StickyBody,
  options: StickyOptions = {},
): Promise<StickyResult> {
  const marker = commentMarker(key);
  const attempts = Math.max(1, options.attempts ?? 5);
  const settleMs = options.settleMs ?? 1000;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const holds =
    options.holds ?? ((written, current) => normaliseBody(written) === normaliseBody(current));
  const build = (previous: readonly ForgeComment[]): string => {
    const maxLength = stickyBodyBudget(forge.maxCommentLength, key);
    const text =
      typeof body === 'string'
        ? body
        : body({ previous: previous.map((c) => stripMarker(c.body)), maxLength });
    return stickyCommentText(
      key,
      truncateMarkdown(text, maxLength, '✂️ Shortened to fit the comment size limit.'),
    );
  };

  const state: RunState = { forge, marker, build, self: await forge.currentUser() };
  let comments = await forge.listComments();
  let writes = 0;
  let removed: string[] = [];
  for (;;) {
    const found = ownMarked(comments, marker, state.self);
    const step =
      found.length === 0 ? await createThenFold(state) : await converge(state, found, undefined);
    removed = [...removed, ...step.removed];
    if (step.written === undefined) return { ...step.result, removed, writes };
    writes += 1;

    // Another job may have listed before our write and write after it, dropping our part.
    await sleep(settleMs + Math.floor(random() * settleMs));
    comments = await forge.listComments();
    const [sticky] = ownMarked(comments, marker, state.self);
    if (sticky && holds(step.written, sticky.body)) {
      const action = step.result.action === 'unchanged' ? 'updated' : step.result.action;
      return { comment: sticky, action, removed, writes };
    }
    if (writes >= attempts) {
      throw new InfraError(
        `the sticky comment ${marker} kept being overwritten by other jobs: after ${writes} writes this run's report is still not in it`,
        {
          hint: 'several jobs write the same comment-key at once; re-run this job, or give the jobs different comment-key values',
        },
      );
    }
  }
}

/** Room for the body of the sticky comment `key` once its marker line is in. */
export function stickyBodyBudget(maxCommentLength: number, key: string): number {
  return maxCommentLength - commentMarker(key).length - 1;
}

/** The whole comment as posted: the marker line, then the body. */
export function stickyCommentText(key: string, body: string): string {
  return `${commentMarker(key)}\n${body}`;
}

/** Whether `body` is the sticky comment for `key`: the marker must be its whole first line. */
export function isStickyComment(body: string, key: string): boolean {
  return firstLine(body) === commentMarker(key);
}

/** Whether `comment` was written by `user`: by id when both are known, else by login. */
export function writtenBy(comment: ForgeComment, user: ForgeUser): boolean {
  const author = comment.author;
  if (!author) return false;
  if (author.id !== undefined && user.id !== undefined) return author.id === user.id;
  return author.login.toLowerCase() === user.login.toLowerCase();
}

interface RunState {
  forge: Forge;
  marker: string;
  build: (previous: readonly ForgeComment[]) => string;
  /** Whom the token writes as; corrected by the author of a comment this run creates. */
  self: ForgeUser;
}

interface Step {
  result: Omit<StickyResult, 'removed' | 'writes'>;
  removed: string[];
  /** The body this step wrote, when it wrote one. */
  written?: string;
}

async function createThenFold(state: RunState): Promise<Step> {
  const { forge, marker, build } = state;
  const body = build([]);
  const created = await forge.createComment(body);
  // What we just wrote is ours by definition: its author is the surest name for the token.
  if (created.author) state.self = created.author;
  // Another job may have created its own copy between our list and our create. Look
  // again: if an older copy exists, ours folds into it, so at most one survives.
  const again = ownMarked(await forge.listComments(), marker, state.self);
  const ours = again.findIndex((c) => c.id === created.id);
  const older = ours < 0 ? [] : again.slice(0, ours);
  if (older.length === 0)
    return { result: { comment: created, action: 'created' }, removed: [], written: body };
  return converge(state, again, created.id);
}

/**
 * Keeps the oldest marked comment, rewritten from all the copies, and deletes the rest.
 * `own` is a copy this run just created: its content is rebuilt anyway, so it is not
 * passed back as a previous body.
 */
async function converge(
  state: RunState,
  found: readonly ForgeComment[],
  own: string | undefined,
): Promise<Step> {
  const { forge, build } = state;
  const [keep, ...duplicates] = found as [ForgeComment, ...ForgeComment[]];
  const next = build(found.filter((c) => c.id !== own));
  let comment = keep;
  let action: StickyResult['action'] = 'unchanged';
  let written: string | undefined;
  if (normaliseBody(keep.body) !== normaliseBody(next)) {
    comment = await forge.updateComment(keep.id, next);
    action = 'updated';
    written = next;
  }
  const removed: string[] = [];
  for (const duplicate of duplicates) {
    await forge.deleteComment(duplicate.id);
    removed.push(duplicate.id);
  }
  // Folding duplicates is a write too: a racing job may have put its part in one of them.
  if (written === undefined && removed.length > 0) written = next;
  return { result: { comment, action }, removed, ...(written === undefined ? {} : { written }) };
}

/** Our own comments whose first line is the marker, oldest first. */
function ownMarked(
  comments: readonly ForgeComment[],
  marker: string,
  self: ForgeUser,
): ForgeComment[] {
  return comments.filter((c) => firstLine(c.body) === marker && writtenBy(c, self));
}

function firstLine(body: string): string {
  const end = body.search(/\r?\n/);
  return (end < 0 ? body : body.slice(0, end)).trim();
}

function stripMarker(body: string): string {
  return body.replace(/^[^\n]*\n?/, '');
}
