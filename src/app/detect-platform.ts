import { githubPlatform } from '../platforms/github/platform.js';
import { gitlabPlatform } from '../platforms/gitlab/platform.js';
import { localPlatform } from '../platforms/local/platform.js';
import type { Env, Platform } from '../platforms/types.js';

/** The CLI runs anywhere: pick the adapter from the variables each CI sets. */
export function detectPlatform(
  env: Env,
  cwd: string,
  write: (line: string) => void,
  color: boolean,
): Platform {
  if (env.GITHUB_ACTIONS === 'true') return githubPlatform(env, cwd, write);
  if (env.GITLAB_CI === 'true') return gitlabPlatform(env, cwd, write);
  return localPlatform(cwd, write, color);
}
