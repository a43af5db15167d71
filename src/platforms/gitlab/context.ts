import type { RunContext } from '../../core/commands/types.js';
import { runRankOf } from '../../core/comment/run-rank.js';
import type { Env } from '../types.js';

/** The run as GitLab describes it through its predefined CI/CD variables. */
export function gitlabRunContext(env: Env, cwd: string): RunContext {
  // The runner starts scripts in the project folder; CI_PROJECT_DIR can name a path that does
  // not exist here (gitlab-ci-local, custom executors), so the process's folder is the truth.
  const context: RunContext = { platform: 'gitlab', cwd };
  if (env.CI_JOB_URL) context.runUrl = env.CI_JOB_URL;
  const rank = runRankOf(env.CI_PIPELINE_ID, env.CI_JOB_ID);
  if (rank) context.runRank = rank;
  // The ref of a tag pipeline is the tag, not a branch.
  if (env.CI_COMMIT_REF_NAME && !env.CI_COMMIT_TAG) context.branch = env.CI_COMMIT_REF_NAME;
  if (env.CI_COMMIT_SHA) {
    context.commit = {
      sha: env.CI_COMMIT_SHA,
      ...(env.CI_COMMIT_TIMESTAMP ? { timestamp: env.CI_COMMIT_TIMESTAMP } : {}),
    };
  }
  if (env.CI_PROJECT_URL) context.repositoryUrl = env.CI_PROJECT_URL;
  const iid = Number(env.CI_MERGE_REQUEST_IID);
  if (Number.isInteger(iid) && iid > 0 && env.CI_MERGE_REQUEST_TARGET_BRANCH_NAME) {
    // In a merged-results pipeline CI_COMMIT_SHA is a temporary merge commit GitLab does not
    // keep; the source branch's commit is what the author pushed (empty in other MR pipelines).
    const headSha = env.CI_MERGE_REQUEST_SOURCE_BRANCH_SHA || env.CI_COMMIT_SHA;
    context.changeRequest = {
      number: iid,
      baseRef: env.CI_MERGE_REQUEST_TARGET_BRANCH_NAME,
      ...(env.CI_MERGE_REQUEST_DIFF_BASE_SHA
        ? { baseSha: env.CI_MERGE_REQUEST_DIFF_BASE_SHA }
        : {}),
      ...(headSha ? { headSha } : {}),
      isFork:
        !!env.CI_MERGE_REQUEST_SOURCE_PROJECT_ID &&
        !!env.CI_MERGE_REQUEST_PROJECT_ID &&
        env.CI_MERGE_REQUEST_SOURCE_PROJECT_ID !== env.CI_MERGE_REQUEST_PROJECT_ID,
    };
  }
  return context;
}
