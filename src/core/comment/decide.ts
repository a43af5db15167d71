/**
 * Whether the comment can be posted at all. When not, the caller writes the job
 * summary only, logs the reason and exits 0: a fork or a push build is not a failure.
 * The one place this is decided, for every platform; reasons follow "no PR/MR comment written: ".
 */

export interface CommentSituation {
  hasToken: boolean;
  /** A pull request (GitHub) or merge request (GitLab) to comment on is known. */
  hasChangeRequest: boolean;
  /** The change comes from a fork: the forge hands the run a read-only token. */
  isFork: boolean;
  platform: 'github' | 'gitlab' | 'local';
}

export type CommentDecision = { post: true } | { post: false; reason: string };

const FORK_PATTERN_DOC = 'docs/fork-safe-comments.md';

const NO_CHANGE_REQUEST: Record<CommentSituation['platform'], string> = {
  github: 'this run is not a pull request and no `pull-request` number was given',
  gitlab: 'this pipeline is not a merge request pipeline and no `pull-request` number was given',
  local:
    'no CI platform detected (GITHUB_ACTIONS or GITLAB_CI), so there is no pull request to comment on',
};

const FORK: Record<CommentSituation['platform'], string> = {
  github: `pull request from a fork: the token is read-only; use the workflow_run pattern, where a workflow_run job posts the uploaded report (${FORK_PATTERN_DOC})`,
  gitlab: `merge request from a fork: its pipeline has no token that may write to the target project; run the pipeline in the target project or post from there (${FORK_PATTERN_DOC})`,
  local: `change request from a fork (${FORK_PATTERN_DOC})`,
};

const NO_TOKEN: Record<CommentSituation['platform'], string> = {
  github: 'no token was given (set `token`, e.g. `${{ github.token }}`)',
  gitlab: 'no token was given (set a masked CI/CD variable SLUICE_GITLAB_TOKEN)',
  local: 'no token was given (set `--token`)',
};

export function decideComment(situation: CommentSituation): CommentDecision {
  if (!situation.hasChangeRequest)
    return { post: false, reason: NO_CHANGE_REQUEST[situation.platform] };
  if (situation.isFork) return { post: false, reason: FORK[situation.platform] };
  if (!situation.hasToken) return { post: false, reason: NO_TOKEN[situation.platform] };
  return { post: true };
}
