import { realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { Place } from '../errors.js';

/** True when `path` is `root` or below it (both absolute and already resolved). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith('../'));
}

const GLOB_CHARACTER = /[*?[\]{}]/;

/** The folder a glob can never leave: everything before its first wildcard's path part. */
function staticPrefix(pattern: string): string {
  const at = pattern.search(GLOB_CHARACTER);
  if (at === -1) return pattern;
  const head = pattern.slice(0, at);
  return head.endsWith('/') ? head.slice(0, -1) || '/' : dirname(head);
}

/**
 * Where `path` really is: links resolved through its longest existing prefix, so a path that
 * does not exist yet (or a glob's folder) is judged by the folders it would be found in.
 */
async function realLocation(path: string): Promise<string> {
  let existing = resolve(path);
  const rest: string[] = [];
  for (;;) {
    const real = await realpath(existing).catch(() => undefined);
    if (real !== undefined) return resolve(real, ...rest.reverse());
    const parent = dirname(existing);
    if (parent === existing) return resolve(path);
    rest.push(existing.slice(parent.length + (parent.endsWith('/') ? 0 : 1)));
    existing = parent;
  }
}

/**
 * Refuses a path that a file from a pull request wrote (a schema's `drift.reference`) when it
 * leads out of the working directory, by `..`, an absolute path or a link: such a file must not
 * make sluice read, and echo in its report, files the job can reach beside the repository.
 */
export async function refuseOutsideWorkingDirectory(
  cwd: string,
  patterns: readonly string[],
  place: Place,
  hint: string,
): Promise<void> {
  const root = await realLocation(cwd);
  for (const pattern of patterns) {
    const where = await realLocation(staticPrefix(resolve(cwd, pattern)));
    if (!isInside(root, where))
      throw new UsageError(
        `\`${pattern}\` leads out of the working directory (to ${where}); a path written in a file is kept inside ${root}`,
        { place, hint },
      );
  }
}

/**
 * Where the files sluice reads may lead: a file inside `root` (the working directory, which a
 * pull request fills) that is a link to a place outside it is refused unless `followOutside`.
 * A path the workflow itself names outside `root` is its author's choice and is read as given.
 */
export interface LinkPolicy {
  root: string;
  followOutside: boolean;
}

/** The input that lets a file in the working directory be a link to a file outside it. */
const FOLLOW_LINKS_INPUT = 'follow-links-outside';

/**
 * Refuses `absolute` when it lies inside the policy's root but, through a link, leads out of
 * it: `metrics.json -> ~/.docker/config.json` in a pull request would otherwise put the
 * runner's file into a report, where every string value is shown.
 */
export async function refuseLinkOut(
  policy: LinkPolicy | undefined,
  absolute: string,
  shown: string,
  place: Place = { file: shown },
): Promise<void> {
  if (policy === undefined || policy.followOutside) return;
  const root = resolve(policy.root);
  if (!isInside(root, resolve(absolute))) return;
  const [realRoot, real] = await Promise.all([realLocation(root), realLocation(absolute)]);
  if (isInside(realRoot, real)) return;
  throw new UsageError(`${shown} is a link to ${real}, outside the working directory ${realRoot}`, {
    place,
    hint: `a file in the repository may not lead to the runner's files; copy it in, or set \`${FOLLOW_LINKS_INPUT}\` when the link is meant (a DVC cache outside the checkout)`,
  });
}
