import { chmod, mkdtemp, readdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DockerLoginEntry, DockerLoginScope, Exec } from '../../core/ports.js';
import { readDockerConfig } from '../oci/docker-config.js';
import { removeScratchFolder, trackScratchFolder } from '../scratch/scratch-folders.js';

/** Credentials to add for one registry (see core/image/dockerfile-logins.ts). */
type AddedLogin = DockerLoginEntry;

export type DockerLoginFolders = DockerLoginScope;

/** One Exec per phase, each running docker with the Docker config folder it needs. */
export interface DockerExecs {
  build: Exec;
  push: Exec;
}

/**
 * Runs `work` with Execs whose docker commands see the added logins. Nothing to add: the
 * Execs are `exec` itself (with DOCKER_CONFIG set only when docker-config was given). Else each
 * phase gets a private folder (0700, config.json 0600) made for it and removed afterwards,
 * whatever happens.
 */
export async function withDockerLogins<T>(
  exec: Exec,
  folders: DockerLoginFolders,
  work: (execs: DockerExecs) => Promise<T>,
): Promise<T> {
  const made: string[] = [];
  const folderFor = async (logins: readonly AddedLogin[]): Promise<string | undefined> => {
    if (logins.length === 0) return folders.givenConfigDir;
    const dir = await privateDockerConfig(folders.configDir, logins);
    made.push(dir);
    return dir;
  };
  try {
    const buildDir = await folderFor(folders.build);
    const pushDir = sameLogins(folders.build, folders.push)
      ? buildDir
      : await folderFor(folders.push);
    return await work({
      build: withDockerConfig(exec, buildDir),
      push: withDockerConfig(exec, pushDir),
    });
  } finally {
    await Promise.all(made.map((dir) => removeScratchFolder(dir)));
  }
}

/**
 * A new Docker config folder: the user's config.json with an `auths` entry for each login, and
 * a `credHelpers` entry of "" for its registry (the CLI takes `credHelpers[host]` whenever the
 * key exists, and "" means its own file store: without it a global `credsStore` would be asked
 * instead of the added entry). Every other entry of the user's folder (cli-plugins, buildx,
 * contexts, …) is linked, so plugins, builders and contexts keep working. The caller removes it.
 */
async function privateDockerConfig(
  userDir: string,
  logins: readonly AddedLogin[],
): Promise<string> {
  const source = resolve(userDir);
  const config = (await readDockerConfig(join(source, 'config.json'))) ?? {};
  const auths = objectField(config, 'auths');
  const credHelpers = objectField(config, 'credHelpers');
  for (const login of logins) {
    const key = authKey(login.registry);
    auths[key] = {
      auth: Buffer.from(`${login.username}:${login.password}`, 'utf8').toString('base64'),
    };
    credHelpers[key] = '';
  }
  const dir = await mkdtemp(join(tmpdir(), 'sluice-docker-login-'));
  trackScratchFolder(dir);
  try {
    await chmod(dir, 0o700);
    await writeFile(
      join(dir, 'config.json'),
      `${JSON.stringify({ ...config, auths, credHelpers }, null, 2)}\n`,
      { mode: 0o600, flag: 'wx' },
    );
    for (const name of await entries(source)) {
      if (name !== 'config.json') await symlink(join(source, name), join(dir, name));
    }
  } catch (error) {
    await removeScratchFolder(dir);
    throw error;
  }
  return dir;
}

/** The Exec with DOCKER_CONFIG set on every call (over any env the call brings). */
function withDockerConfig(exec: Exec, dir: string | undefined): Exec {
  if (dir === undefined) return exec;
  return {
    run: (command, args, options = {}) =>
      exec.run(command, args, { ...options, env: { ...options.env, DOCKER_CONFIG: dir } }),
  };
}

/** The Docker CLI keys Docker Hub's credentials by its old index URL, every other by host. */
function authKey(registry: string): string {
  const host = registry.toLowerCase();
  return host === 'docker.io' || host === 'index.docker.io'
    ? 'https://index.docker.io/v1/'
    : registry;
}

function sameLogins(a: readonly AddedLogin[], b: readonly AddedLogin[]): boolean {
  return a.length === b.length && a.every((login, index) => login === b[index]);
}

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

function objectField(config: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = config[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? { ...(value as Record<string, unknown>) }
    : {};
}
