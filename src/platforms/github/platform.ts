import { appendFile } from 'node:fs/promises';
import { decideComment } from '../../core/comment/decide.js';
import type { Env, Platform } from '../types.js';
import { createMasker } from '../masker.js';
import { githubRepository, githubRunContext } from './context.js';
import { appendOutputs } from './file-commands.js';
import { githubLogger } from './logger.js';
import { githubStateStore } from './state.js';
import { workflowCommand } from './workflow-commands.js';

/** GitHub's job summary is capped at 1 MiB per step. */
const SUMMARY_LIMIT = 1024 * 1024;

export function githubPlatform(env: Env, cwd: string, write: (line: string) => void): Platform {
  const masker = createMasker((secret) => write(workflowCommand('add-mask', secret)));
  const logger = githubLogger(write, masker);
  return {
    name: 'github',
    logger,
    masker,
    summaryLimit: SUMMARY_LIMIT,
    state: githubStateStore(env),
    runContext: () => githubRunContext(env, cwd),
    async setOutputs(outputs) {
      if (env.GITHUB_OUTPUT) await appendOutputs(env.GITHUB_OUTPUT, outputs);
    },
    async writeSummary(markdown) {
      if (env.GITHUB_STEP_SUMMARY)
        await appendFile(env.GITHUB_STEP_SUMMARY, `${markdown}\n`, 'utf8');
    },
    async createDeployments({ token }) {
      const repository = githubRepository(env);
      if (!repository) return { reason: 'GITHUB_REPOSITORY is not set' };
      if (!token) return { reason: 'no token (the `token` input is empty)' };
      masker.add(token);
      const run = githubRunContext(env, cwd);
      const { createGitHubDeployments } = await import('../../clients/github/deployments.js');
      return {
        deployments: await createGitHubDeployments({
          token,
          owner: repository.owner,
          repo: repository.repo,
          ...(run.runUrl ? { runUrl: run.runUrl } : {}),
          logger,
          mask: (text) => masker.mask(text),
          baseUrl: env.GITHUB_API_URL || 'https://api.github.com',
        }),
      };
    },
    async createForge({ token, pullRequest }) {
      const run = githubRunContext(env, cwd);
      const number = pullRequest ?? run.changeRequest?.number;
      const decision = decideComment({
        platform: 'github',
        hasChangeRequest: number !== undefined,
        hasToken: !!token,
        // An explicit number is a workflow_run job in the base repository: its token may write.
        isFork: pullRequest === undefined && (run.changeRequest?.isFork ?? false),
      });
      if (!decision.post) return { reason: decision.reason };
      const repository = githubRepository(env);
      if (!repository || !token || number === undefined)
        return { reason: 'GITHUB_REPOSITORY is not set' };
      masker.add(token);
      const { createGitHubForge } = await import('../../clients/github/forge.js');
      return {
        forge: await createGitHubForge({
          token,
          owner: repository.owner,
          repo: repository.repo,
          issueNumber: number,
          logger,
          mask: (text) => masker.mask(text),
          baseUrl: env.GITHUB_API_URL || 'https://api.github.com',
          isFork: run.changeRequest?.isFork ?? false,
        }),
      };
    },
  };
}
