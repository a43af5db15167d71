import type { Exec, GitReader, SecretMasker } from '../core/ports.js';

/**
 * Exec and git, loaded on first use: most runs never start a process, and loading
 * child_process (let alone execa) at start-up is time every action run pays (`npm run bench`).
 *
 * Two adapters behind the one port: execa for every program sluice starts through `deps.exec`
 * (docker, compose, model servers: killed on exit, after a timeout, on cancel), and the lean
 * child_process one for git, whose short reads sit on quality-gate's cold start, where execa
 * would add its own loading time (DEVELOPING.md, "Bundling").
 */
export function createLazyExec(masker?: Pick<SecretMasker, 'mask'>): Exec {
  let exec: Promise<Exec> | undefined;
  const get = () =>
    (exec ??= import('../clients/exec/execa-exec.js').then(({ createExecaExec }) =>
      createExecaExec(masker ? { masker } : {}),
    ));
  return { run: async (...args) => (await get()).run(...args) };
}

/** The lean child_process Exec; a call with a timeout or a signal goes to execa. */
export function createLeanExec(masker?: Pick<SecretMasker, 'mask'>): Exec {
  let exec: Promise<Exec> | undefined;
  const get = () =>
    (exec ??= import('../clients/exec/node-exec.js').then(({ createNodeExec }) =>
      createNodeExec(masker ? { masker } : {}, async () => createLazyExec(masker)),
    ));
  return { run: async (...args) => (await get()).run(...args) };
}

/** `deps.exec` without a masker (the run sequence should pass the platform's: createLazyExec). */
export const lazyExec: Exec = createLazyExec();

export function lazyGitReader(cwd: string, masker?: Pick<SecretMasker, 'mask'>): GitReader {
  let reader: Promise<GitReader> | undefined;
  const get = () =>
    (reader ??= import('../clients/git/git-reader.js').then(({ createGitReader }) =>
      createGitReader(createLeanExec(masker), cwd),
    ));
  return {
    readFileAt: async (...args) => (await get()).readFileAt(...args),
    mergeBase: async (...args) => (await get()).mergeBase(...args),
    repoRelative: async (...args) => (await get()).repoRelative(...args),
    commitsTouching: async (...args) => (await get()).commitsTouching(...args),
  };
}
