import type { DockerCli, DockerEngine, Exec } from '../../core/ports.js';
import { dockerBuild, dockerHistory, dockerPush } from './docker-build.js';
import { composeBuild } from './docker-compose.js';
import { withDockerLogins } from './docker-login-config.js';

/** The Docker CLI (and compose) run through `exec`. */
function dockerCli(exec: Exec): DockerCli {
  return {
    build: (request) => dockerBuild(exec, request),
    composeBuild: (request) => composeBuild(exec, request),
    tag: async (source, target) => {
      await exec.run('docker', ['tag', source, target]);
    },
    history: (image) => dockerHistory(exec, image),
    push: (tag, hint) => dockerPush(exec, tag, hint),
  };
}

/** The Docker engine port: each phase's CLI sees the Docker config folder made for its logins. */
export function createDockerEngine(exec: Exec): DockerEngine {
  return {
    withLogins: (scope, work) =>
      withDockerLogins(exec, scope, (execs) =>
        work({ build: dockerCli(execs.build), push: dockerCli(execs.push) }),
      ),
  };
}
