import { join } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { errorCode } from '../../core/files/fs-errors.js';
import { readUserText } from '../../core/files/user-file.js';
import type { Exec } from '../../core/ports.js';
import type { Credentials } from './auth.js';

interface DockerConfigFile {
  auths?: Record<
    string,
    { auth?: string; username?: string; password?: string; identitytoken?: string }
  >;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/**
 * Credentials for a registry from a Docker config folder (`$DOCKER_CONFIG`, else `~/.docker`):
 * a credential helper named for the host, then the `auths` entry, then the default store.
 * Returns undefined when nothing is configured (anonymous access). A missing config.json is
 * "nothing configured"; one that cannot be read or parsed is a UsageError, never a silent
 * anonymous pull or push.
 */
export async function credentialsFromDockerConfig(
  configDir: string,
  registry: string,
  exec: Exec,
): Promise<Credentials | undefined> {
  const file = join(configDir, 'config.json');
  const config = await readConfig(file);
  if (!config) return undefined;
  const helper = config.credHelpers?.[registry];
  if (helper) return fromHelper(helper, registry, exec, file);
  const entry = findAuth(config.auths ?? {}, registry);
  if (entry) {
    if (entry.identitytoken) return { identityToken: entry.identitytoken };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0)
        return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    if (entry.username !== undefined && entry.password !== undefined)
      return { username: entry.username, password: entry.password };
  }
  if (config.credsStore) return fromHelper(config.credsStore, registry, exec, file);
  return undefined;
}

/** Far above any real config.json (a few KiB, even with hundreds of registries). */
const DOCKER_CONFIG_MAX_BYTES = 16 * 1024 * 1024;

/**
 * A Docker config.json as a JSON object, or undefined when there is none; unreadable or not an
 * object is a UsageError naming the file (never its text: it holds secrets).
 */
export async function readDockerConfig(file: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    // The one reader of user files: a FIFO or device at the path is refused, never waited on,
    // and a file far larger than any config is refused by its size before it is read.
    text = await readUserText(
      file,
      { file, what: 'Docker config', key: 'docker-config' },
      { maxBytes: DOCKER_CONFIG_MAX_BYTES },
    );
  } catch (error) {
    // No config.json: nothing configured (anonymous access).
    if (errorCode((error as { cause?: unknown }).cause) === 'ENOENT') return undefined;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`The Docker config ${file} is not valid JSON${jsonPlace(text, error)}`, {
      place: { file, key: 'docker-config' },
      hint: 'Fix the file (`docker login` rewrites it), or point docker-config (DOCKER_CONFIG) at another folder.',
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`The Docker config ${file} is not a JSON object`, {
      place: { file, key: 'docker-config' },
      hint: 'It holds `{"auths": {…}}`; `docker login` writes it.',
    });
  }
  return parsed as Record<string, unknown>;
}

async function readConfig(file: string): Promise<DockerConfigFile | undefined> {
  return (await readDockerConfig(file)) as DockerConfigFile | undefined;
}

/**
 * What JSON.parse found and where, e.g. `: Unexpected token '}' (line 3, column 5)`. The text
 * engines quote around the error is left out: this file holds credentials.
 */
function jsonPlace(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  const what = (message.split(/, "|"/)[0] ?? '').replace(/ in JSON at position \d+.*$/, '').trim();
  const position = /position (\d+)/.exec(message);
  let where = '';
  if (position) {
    const before = text.slice(0, Number(position[1]));
    where = ` (line ${before.split('\n').length}, column ${before.length - before.lastIndexOf('\n')})`;
  }
  return `${what ? `: ${what.slice(0, 80)}` : ''}${where}`;
}

/** `auths` keys are written as `host`, `host:port`, or a URL with scheme and path. */
function findAuth<T>(auths: Record<string, T>, registry: string): T | undefined {
  for (const [key, value] of Object.entries(auths)) {
    const host = key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
    if (host === registry) return value;
  }
  return undefined;
}

async function fromHelper(
  helper: string,
  registry: string,
  exec: Exec,
  file: string,
): Promise<Credentials | undefined> {
  const program = `docker-credential-${helper}`;
  let result: Awaited<ReturnType<Exec['run']>>;
  try {
    result = await exec.run(program, ['get'], { input: registry, allowFailure: true });
  } catch (error) {
    // Not installed or not executable: a setup mistake, not a registry outage.
    throw new UsageError(
      `The Docker config ${file} names the credential helper "${helper}" for ${registry}, but ${program} cannot run`,
      {
        place: { file, key: 'docker-config' },
        hint: `Install ${program} on the PATH, or remove the helper from the config (credHelpers / credsStore).`,
        cause: error,
      },
    );
  }
  if (result.exitCode !== 0) return undefined; // "credentials not found in native keychain"
  try {
    const parsed = JSON.parse(result.stdout) as { Username?: string; Secret?: string };
    if (!parsed.Secret) return undefined;
    return parsed.Username === '<token>'
      ? { identityToken: parsed.Secret }
      : { username: parsed.Username ?? '', password: parsed.Secret };
  } catch {
    return undefined;
  }
}
