import type { RunContext } from '../commands/types.js';
import { UsageError } from '../errors.js';
import type { Exec } from '../ports.js';

/** The longest tag a registry takes (OCI distribution: `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`). */
const MAX_TAG = 128;

/**
 * A branch name as a tag: `/` and every character a tag cannot hold become `-`, a leading `.`
 * or `-` (not allowed first) becomes `_`, cut to 128 characters. `feature/ABC-1` → `feature-ABC-1`.
 */
export function branchTag(branch: string): string {
  return branch
    .replace(/[^\w.-]/g, '-')
    .replace(/^[.-]/, '_')
    .slice(0, MAX_TAG);
}

export interface TagFacts {
  /** The commit built: the head commit on a pull/merge request, else the checkout. */
  sha: string | undefined;
  /** The CI's branch, else the checkout's; undefined when detached and the CI named none. */
  branch: string | undefined;
  modelVersion: string | undefined;
}

/**
 * The branch a tag's `{branch}` means: the CI's name for it first (CI checkouts are detached,
 * every GitLab pipeline and every GitHub pull request), else the checked-out branch.
 */
export async function currentBranch(
  run: RunContext,
  exec: Exec,
  cwd: string,
): Promise<string | undefined> {
  if (run.branch) return run.branch;
  const result = await exec
    .run('git', ['rev-parse', '--abbrev-ref', 'HEAD'], { cwd, allowFailure: true })
    .catch(() => undefined);
  const branch = result?.exitCode === 0 ? result.stdout.trim() : '';
  return branch !== '' && branch !== 'HEAD' ? branch : undefined;
}

/** Fills `{sha}`, `{short-sha}`, `{branch}` and `{model-version}` in tag templates. */
export function expandTagTemplates(tags: readonly string[], facts: TagFacts): string[] {
  const values: Record<string, string | undefined> = {
    sha: facts.sha,
    'short-sha': facts.sha?.slice(0, 7),
    branch: facts.branch === undefined ? undefined : branchTag(facts.branch),
    'model-version': facts.modelVersion,
  };
  const needs: Record<string, string> = {
    sha: 'It needs a git checkout (with git installed) or a CI that names the commit.',
    'short-sha': 'It needs a git checkout (with git installed) or a CI that names the commit.',
    branch:
      'It needs a branch: the CI names none here (a tag pipeline?) and the checkout is detached.',
    'model-version':
      'Give --model-version, or --mlflow-model-version (`<model>/<version>` or `<model>@<alias>`) to use the version MLflow names.',
  };
  return tags.map((tag) =>
    tag.replace(/\{([\w-]+)\}/g, (_match, name: string) => {
      const value = values[name];
      if (value === undefined) {
        throw new UsageError(`tag ${tag} uses {${name}}, which is not known here`, {
          place: { key: 'tag' },
          hint: needs[name] ?? 'Known: {sha}, {short-sha}, {branch}, {model-version}.',
        });
      }
      return value;
    }),
  );
}
