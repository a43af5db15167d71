import type { RunContext } from '../../core/commands/types.js';
import { runRankOf } from '../../core/comment/run-rank.js';
import type { Env } from '../types.js';

interface PullRequestEvent {
  /** A `workflow_run` event: the run that triggered this one (the fork-safe comment pattern). */
  workflow_run?: { id?: unknown; run_attempt?: unknown };
  pull_request?: {
    number: number;
    base: { ref: string; sha: string; repo?: { full_name?: string } };
    head: { sha: string; repo?: { full_name?: string } | null };
  };
}

/** The run as GitHub describes it: GITHUB_* variables and the event payload file. */
export function githubRunContext(env: Env, cwd: string): RunContext {
  const context: RunContext = { platform: 'github', cwd: env.GITHUB_WORKSPACE || cwd };
  if (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID) {
    context.runUrl = `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
  }
  // On a pull request this is the merge commit the checkout holds, as `git rev-parse HEAD` says.
  if (env.GITHUB_SHA) context.commit = { sha: env.GITHUB_SHA };
  if (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY)
    context.repositoryUrl = `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}`;
  // GITHUB_REF_NAME is `123/merge` on a pull request: the head branch is GITHUB_HEAD_REF there.
  const branch =
    env.GITHUB_HEAD_REF || (env.GITHUB_REF_TYPE === 'tag' ? undefined : env.GITHUB_REF_NAME);
  if (branch) context.branch = branch;
  const event = readEvent(env.GITHUB_EVENT_PATH);
  // A workflow_run job posts the reports of the run that triggered it: that run's order counts,
  // since triggered runs start in the order the CI runs ended, not the order of the pushes.
  const trigger = event?.workflow_run;
  const rank =
    trigger !== undefined
      ? runRankOf(String(trigger.id), String(trigger.run_attempt ?? 1))
      : runRankOf(env.GITHUB_RUN_ID, env.GITHUB_RUN_ATTEMPT || '1');
  if (rank) context.runRank = rank;
  const pr = event?.pull_request;
  if (pr) {
    const baseRepo = pr.base.repo?.full_name ?? env.GITHUB_REPOSITORY;
    const headRepo = pr.head.repo?.full_name;
    context.changeRequest = {
      number: pr.number,
      baseRef: pr.base.ref,
      baseSha: pr.base.sha,
      // On a PR the checkout is the merge commit; the head SHA is what the author pushed.
      headSha: pr.head.sha,
      // A deleted head repo (null) is treated like a fork: its token is read-only too.
      isFork: headRepo === undefined || headRepo !== baseRepo,
    };
  }
  return context;
}

function readEvent(file: string | undefined): PullRequestEvent | undefined {
  if (!file) return undefined;
  try {
    // Not `import … from 'node:fs'`: an ES import of node:fs runs its lazy getters and loads all
    // of Node's stream modules, a few milliseconds of every action's cold start (bench).
    const { readFileSync } = process.getBuiltinModule('node:fs');
    return JSON.parse(readFileSync(file, 'utf8')) as PullRequestEvent;
  } catch {
    return undefined;
  }
}

export function githubRepository(env: Env): { owner: string; repo: string } | undefined {
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
  return owner && repo ? { owner, repo } : undefined;
}
