import type { Forge, ForgeComment } from '../ports.js';
import { commentMarker, normaliseBody } from './markers.js';
import { truncateMarkdown } from './truncate.js';

/**
 * One comment per change request and key, found again by a hidden marker on its first
 * line and updated in place. Two jobs may race to create it; both then converge on the
 * oldest marked comment and the newer copies are deleted.
 */

export interface StickyBodyContext {
  /** Bodies (marker line removed) of the marked comments found, oldest first. */
  previous: readonly string[];
  /** Room left for the body once the marker line is in. */
  maxLength: number;
}

/** The body, or a function of what is already there (to keep other jobs' parts). */
export type StickyBody = string | ((context: StickyBodyContext) => string);

export interface StickyResult {
  comment: ForgeComment;
  action: 'created' | 'updated' | 'unchanged';
  /** Ids of duplicate comments deleted on the way. */
  removed: string[];
}

export async function upsertStickyComment(
  forge: Forge,
  key: string,
  body: StickyBody,
): Promise<StickyResult> {
  const marker = commentMarker(key);
  const build = (previous: readonly ForgeComment[]): string => {
    const maxLength = forge.maxCommentLength - marker.length - 1;
    const text =
      typeof body === 'string'
        ? body
        : body({ previous: previous.map((c) => stripMarker(c.body)), maxLength });
    return `${marker}\n${truncateMarkdown(text, maxLength, '✂️ Shortened to fit the comment size limit.')}`;
  };

  const found = marked(await forge.listComments(), marker);
  if (found.length === 0) return createThenFold(forge, marker, build);
  return converge(forge, found, build, undefined);
}

/** Whether `body` is the sticky comment for `key`: the marker must be its whole first line. */
export function isStickyComment(body: string, key: string): boolean {
  return firstLine(body) === commentMarker(key);
}

async function createThenFold(
  forge: Forge,
  marker: string,
  build: (previous: readonly ForgeComment[]) => string,
): Promise<StickyResult> {
  const created = await forge.createComment(build([]));
  // Another job may have created its own copy between our list and our create. Look
  // again: if an older copy exists, ours folds into it, so at most one survives.
  const again = marked(await forge.listComments(), marker);
  const ours = again.findIndex((c) => c.id === created.id);
  const older = ours < 0 ? [] : again.slice(0, ours);
  if (older.length === 0) return { comment: created, action: 'created', removed: [] };
  return converge(forge, again, build, created.id);
}

/**
 * Keeps the oldest marked comment, rewritten from all the copies, and deletes the rest.
 * `own` is a copy this run just created: its content is rebuilt anyway, so it is not
 * passed back as a previous body.
 */
async function converge(
  forge: Forge,
  found: readonly ForgeComment[],
  build: (previous: readonly ForgeComment[]) => string,
  own: string | undefined,
): Promise<StickyResult> {
  const [keep, ...duplicates] = found as [ForgeComment, ...ForgeComment[]];
  const next = build(found.filter((c) => c.id !== own));
  let comment = keep;
  let action: StickyResult['action'] = 'unchanged';
  if (normaliseBody(keep.body) !== normaliseBody(next)) {
    comment = await forge.updateComment(keep.id, next);
    action = 'updated';
  }
  const removed: string[] = [];
  for (const duplicate of duplicates) {
    await forge.deleteComment(duplicate.id);
    removed.push(duplicate.id);
  }
  return { comment, action, removed };
}

function marked(comments: readonly ForgeComment[], marker: string): ForgeComment[] {
  return comments.filter((c) => firstLine(c.body) === marker);
}

function firstLine(body: string): string {
  const end = body.search(/\r?\n/);
  return (end < 0 ? body : body.slice(0, end)).trim();
}

function stripMarker(body: string): string {
  return body.replace(/^[^\n]*\n?/, '');
}
