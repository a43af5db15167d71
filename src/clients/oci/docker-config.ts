import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
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
 * Returns undefined when nothing is configured (anonymous access).
 */
export async function credentialsFromDockerConfig(
  configDir: string,
  registry: string,
  exec: Exec,
): Promise<Credentials | undefined> {
  let config: DockerConfigFile;
  try {
    config = JSON.parse(await readFile(join(configDir, 'config.json'), 'utf8')) as DockerConfigFile;
  } catch {
    return undefined;
  }
  const helper = config.credHelpers?.[registry];
  if (helper) return fromHelper(helper, registry, exec);
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
  if (config.credsStore) return fromHelper(config.credsStore, registry, exec);
  return undefined;
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
): Promise<Credentials | undefined> {
  const result = await exec.run(`docker-credential-${helper}`, ['get'], {
    input: registry,
    allowFailure: true,
  });
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
