import { decideComment } from '../../core/comment/decide.js';
import type { CiRegistryLogin } from '../../core/commands/types.js';
import type { Env, Platform } from '../types.js';
import { createMasker } from '../masker.js';
import { fileStateStore } from '../state-file.js';
import { gitlabRunContext } from './context.js';
import { gitlabLogger } from './logger.js';

/**
 * GitLab CI: the CLI inside a job. Outputs travel as the dotenv report artifact
 * (`--output dotenv=…`), so setOutputs and the summary have nothing to write here.
 */
export function gitlabPlatform(env: Env, cwd: string, write: (line: string) => void): Platform {
  const masker = createMasker();
  for (const name of [
    'CI_JOB_TOKEN',
    'CI_REGISTRY_PASSWORD',
    'SLUICE_GITLAB_TOKEN',
    'GITLAB_TOKEN',
  ]) {
    const value = env[name];
    if (value) masker.add(value);
  }
  const logger = gitlabLogger(write, masker);
  const ciRegistry = gitlabRegistryLogin(env);
  return {
    name: 'gitlab',
    logger,
    masker,
    ...(ciRegistry ? { ciRegistry } : {}),
    summaryLimit: undefined,
    // The job's `script` and `after_script` share the project directory; the job id keeps a
    // committed or stale `.sluice/state.json` from being read as this job's.
    state: fileStateStore(
      env.CI_PROJECT_DIR || cwd,
      env.CI_JOB_ID ? `job:${env.CI_JOB_ID}` : undefined,
    ),
    runContext: () => gitlabRunContext(env, cwd),
    setOutputs: async () => undefined,
    writeSummary: async () => undefined,
    async createForge({ token, pullRequest }) {
      const run = gitlabRunContext(env, cwd);
      const iid = pullRequest ?? run.changeRequest?.number;
      const explicit = token || env.SLUICE_GITLAB_TOKEN || env.GITLAB_TOKEN;
      const jobToken = env.CI_JOB_TOKEN;
      const decision = decideComment({
        platform: 'gitlab',
        hasChangeRequest: iid !== undefined,
        hasToken: !!(explicit || jobToken),
        isFork: pullRequest === undefined && (run.changeRequest?.isFork ?? false),
      });
      if (!decision.post) return { reason: decision.reason };
      if (!env.CI_API_V4_URL || !env.CI_PROJECT_ID || iid === undefined)
        return { reason: 'CI_API_V4_URL or CI_PROJECT_ID is not set' };
      if (explicit) masker.add(explicit);
      const { createGitLabForge } = await import('../../clients/gitlab/forge.js');
      return {
        forge: createGitLabForge({
          apiUrl: env.CI_API_V4_URL,
          projectId: env.CI_PROJECT_ID,
          mergeRequestIid: iid,
          logger,
          mask: (text) => masker.mask(text),
          token: explicit ?? jobToken!,
          tokenKind: explicit && explicit !== jobToken ? 'access' : 'job',
        }),
      };
    },
  };
}

/** The project's registry and the job's credentials for it, which every GitLab job is given. */
export function gitlabRegistryLogin(env: Env): CiRegistryLogin | undefined {
  const { CI_REGISTRY: registry, CI_REGISTRY_USER: username, CI_REGISTRY_PASSWORD: password } = env;
  if (!registry || !username || !password) return undefined;
  return { registry, username, password, source: 'CI_REGISTRY_USER/CI_REGISTRY_PASSWORD' };
}
