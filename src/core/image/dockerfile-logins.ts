import { join } from 'node:path';
import { registryPort, runFolders } from '../commands/image-deps.js';
import type { RegistryInputs } from '../../inputs/build-image.js';
import type { CommandDeps } from '../commands/types.js';
import type { DockerLoginScope } from '../ports.js';
import { dockerConfigDir, registryLoginInputs } from './command-support.js';

/** Credentials for one registry that the Docker CLI's own config does not have. */
interface DockerLogin {
  registry: string;
  username: string;
  password: string;
  /** Where they come from, for hints: never the secret. */
  source: string;
}

/**
 * The logins the Docker CLI needs on top of its config, chosen as the daemonless path chooses
 * them (see transportDeps): registry-username/registry-password for the push destinations
 * only, and the CI's login for the CI's registry when the config has nothing for it. The build
 * (FROM pulls) and the push get separate sets, so a base image on a destination registry is
 * pulled with the config's credentials, as the daemonless path does.
 */
export interface DockerLoginPlan extends DockerLoginScope {
  build: DockerLogin[];
  push: DockerLogin[];
  /** Which credentials a push to `registry` used, for the failure hint (no secret). */
  describe(registry: string): string;
}

export async function planDockerLogins(
  inputs: RegistryInputs,
  deps: Pick<CommandDeps, 'registry' | 'ciRegistry' | 'folders'>,
  destinations: ReadonlySet<string>,
): Promise<DockerLoginPlan> {
  const { username, password } = registryLoginInputs(inputs);
  const givenConfigDir = inputs['docker-config'];
  const configDir = dockerConfigDir(inputs, runFolders(deps).home);
  const configFile = join(configDir, 'config.json');
  const explicit: DockerLogin[] =
    username === undefined
      ? []
      : [...destinations].map((registry) => ({
          registry,
          username,
          password: password!,
          source: 'registry-username/registry-password',
        }));
  const ci = deps.ciRegistry;
  // FROM registries are unknown before the build: the CI's registry gets the CI's login
  // whenever the config has none for it, pulled from or not.
  const ciLogin: DockerLogin | undefined =
    ci !== undefined &&
    (await registryPort(deps).dockerConfigCredentials(configDir, ci.registry)) === undefined
      ? { registry: ci.registry, username: ci.username, password: ci.password, source: ci.source }
      : undefined;
  const explicitFor = (registry: string) =>
    explicit.find((login) => login.registry.toLowerCase() === registry.toLowerCase());
  const build = ciLogin ? [ciLogin] : [];
  const push = [...explicit, ...(ciLogin && !explicitFor(ciLogin.registry) ? [ciLogin] : [])];
  return {
    givenConfigDir,
    configDir,
    build,
    push,
    describe(registry) {
      const login = push.find((entry) => entry.registry.toLowerCase() === registry.toLowerCase());
      if (login?.source === 'registry-username/registry-password')
        return `Credentials sent to ${registry}: registry-username/registry-password.`;
      if (login)
        return `Credentials sent to ${registry}: ${login.source} (the CI's login for its registry, as ${configFile} has none for it); the job token reaches another project's registry only when that project allows this one (CI/CD job token allowlist).`;
      return `Credentials sent to ${registry}: those ${configFile} holds for it, if any (\`docker login ${registry}\` writes them), else none; or give registry-username/registry-password.`;
    },
  };
}
