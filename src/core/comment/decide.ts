/**
 * Whether the comment can be posted at all. When not, the caller writes the job
 * summary only, logs the reason and exits 0: a fork or a push build is not a failure.
 */

export interface CommentSituation {
  hasToken: boolean;
  /** A pull request (GitHub) or merge request (GitLab) to comment on is known. */
  hasChangeRequest: boolean;
  /** The change comes from a fork: the forge hands the run a read-only token. */
  isFork: boolean;
  platform?: 'github' | 'gitlab' | 'local';
}

export type CommentDecision = { post: true } | { post: false; reason: string };

export const FORK_PATTERN_DOC = 'docs/fork-safe-comments.md';

export function decideComment(situation: CommentSituation): CommentDecision {
  if (!situation.hasChangeRequest) {
    return {
      post: false,
      reason: 'Not a pull request: there is no pull request or merge request to comment on.',
    };
  }
  if (situation.isFork) {
    return {
      post: false,
      reason:
        situation.platform === 'gitlab'
          ? `Merge request from a fork: its pipeline has no token that may write to the target project; run the pipeline in the target project or post from there (${FORK_PATTERN_DOC}).`
          : `Pull request from a fork: the token is read-only; use the workflow_run pattern, where a workflow_run job posts the uploaded report (${FORK_PATTERN_DOC}).`,
    };
  }
  if (!situation.hasToken) {
    return {
      post: false,
      reason: 'No token given: set the token input to comment on the change request.',
    };
  }
  return { post: true };
}
