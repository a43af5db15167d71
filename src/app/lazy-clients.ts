import type { Exec, GitReader } from '../core/ports.js';

/**
 * Exec and git, loaded on first use: most runs never start a process, and loading
 * child_process at start-up is time every action run pays (see `npm run bench`).
 */
export const lazyExec: Exec = {
  run: async (...args) => (await import('../clients/exec/node-exec.js')).nodeExec.run(...args),
};

export function lazyGitReader(cwd: string): GitReader {
  let reader: Promise<GitReader> | undefined;
  const get = () =>
    (reader ??= import('../clients/git/git-reader.js').then(({ createGitReader }) =>
      createGitReader(lazyExec, cwd),
    ));
  return {
    readFileAt: async (...args) => (await get()).readFileAt(...args),
    mergeBase: async (...args) => (await get()).mergeBase(...args),
    repoRelative: async (...args) => (await get()).repoRelative(...args),
    commitsTouching: async (...args) => (await get()).commitsTouching(...args),
  };
}
