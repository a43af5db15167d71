import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BuildImageInputs } from '../../../src/core/commands/build-image.js';
import type { CiRegistryLogin, CommandDeps } from '../../../src/core/commands/types.js';
import { InfraError } from '../../../src/core/errors.js';
import type { Exec } from '../../../src/core/ports.js';
import { buildImage } from '../../../src/inputs/build-image.js';
import { parseInputs } from '../../../src/inputs/parse.js';
import { refuseDaemonlessInputs } from '../../../src/core/image/dockerfile-inputs.js';
import { parse } from 'yaml';
import { localDeps, runBuildImage, silentLogger, usageError } from './helpers.js';
import { tempDir } from '../support/temp-dirs.js';

const PASSWORD = 'pa55-Very-S3cret';
const CI_PASSWORD = 'ci-J0b-T0ken-S3cret';
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const ci: CiRegistryLogin = {
  registry: 'gitlab-registry.example',
  username: 'gitlab-ci-token',
  password: CI_PASSWORD,
  source: 'CI_REGISTRY_USER/CI_REGISTRY_PASSWORD',
};

/** What one docker command saw of its Docker config folder, read while it ran. */
interface Seen {
  command: string;
  args: readonly string[];
  env: Record<string, string> | undefined;
  config?: { json: Record<string, unknown>; links: Record<string, string>; files: string[] };
  modes?: { dir: number; file: number };
}

/**
 * A Docker CLI that answers what buildWithDockerfile asks (no engine), records every call with
 * the config folder it was given, and fails pushes when told to.
 */
function fakeDocker(options: { failPush?: boolean; helper?: Record<string, string> } = {}) {
  const seen: Seen[] = [];
  const exec: Exec = {
    run: (command, args, runOptions = {}) => {
      const entry: Seen = { command, args, env: runOptions.env };
      const dir = runOptions.env?.['DOCKER_CONFIG'];
      if (dir !== undefined && existsSync(join(dir, 'config.json'))) {
        const files = readdirSync(dir);
        const links: Record<string, string> = {};
        for (const name of files)
          if (lstatSync(join(dir, name)).isSymbolicLink())
            links[name] = readlinkSync(join(dir, name));
        entry.config = {
          json: JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<
            string,
            unknown
          >,
          links,
          files,
        };
        entry.modes = {
          dir: statSync(dir).mode & 0o777,
          file: statSync(join(dir, 'config.json')).mode & 0o777,
        };
      }
      seen.push(entry);
      const ok = (stdout = '') => Promise.resolve({ exitCode: 0, stdout, stderr: '' });
      const fail = (stderr: string) => Promise.resolve({ exitCode: 1, stdout: '', stderr });
      if (command.startsWith('docker-credential-')) {
        const secret = options.helper?.[runOptions.input ?? ''];
        return secret
          ? ok(JSON.stringify({ Username: 'helper-user', Secret: secret }))
          : fail('credentials not found in native keychain');
      }
      if (command === 'git') return fail('not a git repository');
      const verb = args.join(' ');
      if (verb === 'buildx version') return fail('unknown command');
      if (verb === 'compose version') return ok('Docker Compose version v2.40.3');
      if (args[0] === 'compose') return ok();
      if (args[0] === 'build') return ok('sha256:1111\n');
      if (args[0] === 'image') return ok('sha256:1111 linux/amd64\n');
      if (args[0] === 'tag') return ok();
      if (args[0] === 'history') return ok('{"CreatedBy":"COPY model /opt/model","Size":"2kB"}\n');
      if (args[0] === 'push')
        return options.failPush
          ? fail('unauthorized: authentication required')
          : ok(`1: digest: ${DIGEST} size: 528\n`);
      return fail(`unexpected ${command} ${verb}`);
    },
  };
  return { exec, seen, docker: () => seen.filter((call) => call.command === 'docker') };
}

interface Project {
  dir: string;
  deps: CommandDeps;
  logged: string[];
}

function project(exec: Exec, ciRegistry?: CiRegistryLogin): Project {
  const dir = tempDir('sluice-dockerfile-');
  mkdirSync(join(dir, 'model'));
  writeFileSync(join(dir, 'model', 'weights.bin'), 'w');
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY model /opt/model\n');
  const logged: string[] = [];
  const log = (line: string) => void logged.push(line);
  const deps = localDeps(dir, exec);
  deps.logger = { ...silentLogger, debug: log, info: log, warn: log, error: log };
  if (ciRegistry) deps.ciRegistry = ciRegistry;
  return { dir, deps, logged };
}

/** The inputs exactly as the action passes them: every default spelled out, plus `given`. */
function actionInputs(given: Record<string, string>): BuildImageInputs {
  return parseInputs(buildImage, (name) => given[name], 'action');
}

/** A user's Docker config folder with a credential store, a context and a CLI plugin. */
function userConfig(dir: string, config: Record<string, unknown>): string {
  const folder = join(dir, 'docker-home');
  mkdirSync(join(folder, 'cli-plugins'), { recursive: true });
  mkdirSync(join(folder, 'contexts'), { recursive: true });
  writeFileSync(join(folder, 'cli-plugins', 'docker-buildx'), '#!/bin/sh\n');
  writeFileSync(join(folder, 'config.json'), JSON.stringify(config));
  return folder;
}

const basic = (user: string, password: string) =>
  Buffer.from(`${user}:${password}`).toString('base64');

function sluiceConfigDirs(seen: readonly Seen[]): string[] {
  return [
    ...new Set(
      seen.flatMap((call) => {
        const dir = call.env?.['DOCKER_CONFIG'];
        return dir && dir.includes('sluice-docker-login-') ? [dir] : [];
      }),
    ),
  ];
}

/** A Dockerfile build tagged for a registry and pushed, with these inputs too. */
const pushInputs = (extra: Record<string, string>) =>
  actionInputs({
    dockerfile: 'Dockerfile',
    model: 'model',
    tag: 'registry.example:5000/team/model:1',
    push: 'true',
    ...extra,
  });

describe('build-image with a Dockerfile refuses the daemonless-only inputs', () => {
  it.each([
    ['base', 'registry.example/python:3.12', 'FROM'],
    ['code', 'src', 'COPY the code'],
    ['model-path', '/srv/model', 'COPY the model'],
    ['code-path', '/srv/app', 'COPY the code'],
    ['entrypoint', 'python -m serve', 'ENTRYPOINT'],
    ['cmd', 'serve', 'CMD'],
    ['env', 'MODEL_DIR=/srv', 'ENV'],
    ['port', '8080', 'EXPOSE'],
    ['workdir', '/srv', 'WORKDIR'],
    ['user', '1000:1000', 'USER'],
    ['compression-level', '6', 'Docker compresses'],
    ['insecure-registry', 'registry.example:5000', 'insecure-registries` of the Docker engine'],
    ['parallel', '8', '`docker push` uploads'],
    ['chunk-size', '64', '`docker push` uploads'],
    ['attach', 'card.md', 'sluice push-image --from <tag> --to <tag> --attach'],
  ])('%s=%s → exit 2 naming it, before anything runs', async (key, value, replacement) => {
    const docker = fakeDocker();
    const { deps, dir } = project(docker.exec);
    writeFileSync(join(dir, 'card.md'), '# card');
    const error = await usageError(
      runBuildImage(actionInputs({ dockerfile: 'Dockerfile', model: 'model', [key]: value }), deps),
    );
    expect(error.exitCode).toBe(2);
    expect(error.place).toEqual({ key });
    expect(error.message).toContain(`does not use the input ${key}`);
    expect(error.hint).toContain(`${key}: `);
    expect(error.hint).toContain(replacement);
    expect(docker.seen).toEqual([]);
  });

  it("accepts cache-dir, sluice's cache folder that the GitLab component always sets", async () => {
    const docker = fakeDocker();
    const { deps } = project(docker.exec);
    await runBuildImage(
      actionInputs({
        dockerfile: 'Dockerfile',
        model: 'model',
        'cache-dir': '/builds/acme/model/.sluice-cache/tools',
      }),
      deps,
    );
    expect(docker.docker().some((call) => call.args[0] === 'build')).toBe(true);
  });

  it('passes with every default the action and the GitLab component set (they pass all of them)', () => {
    const action = parse(readFileSync('actions/build-image/action.yml', 'utf8')) as {
      inputs: Record<string, { default?: string }>;
    };
    const component = parse(
      readFileSync('gitlab-templates/build-image.yml', 'utf8').split(/^---$/m)[0]!,
    ) as { spec: { inputs: Record<string, { default?: unknown }> } };
    const defaults = [
      ['action', Object.fromEntries(Object.entries(action.inputs).map(([k, v]) => [k, v.default]))],
      [
        'gitlab',
        Object.fromEntries(
          Object.entries(component.spec.inputs).map(([k, v]) => [k, String(v.default ?? '')]),
        ),
      ],
    ] as const;
    for (const [platform, given] of defaults) {
      const withModel: Record<string, string | undefined> = { ...given, model: 'model' };
      const inputs = parseInputs(buildImage, (name) => withModel[name], platform);
      expect(() =>
        refuseDaemonlessInputs(
          { ...inputs, dockerfile: 'Dockerfile' },
          'dockerfile',
          buildImage.inputs,
        ),
      ).not.toThrow();
      expect(() =>
        refuseDaemonlessInputs(
          { ...inputs, 'compose-file': 'compose.yml' },
          'compose-file',
          buildImage.inputs,
        ),
      ).not.toThrow();
    }
  });

  it('names every ignored input in one error, placed at the first', async () => {
    const { deps } = project(fakeDocker().exec);
    const error = await usageError(
      runBuildImage(
        actionInputs({
          dockerfile: 'Dockerfile',
          model: 'model',
          parallel: '8',
          base: 'registry.example/python:3.12',
          entrypoint: 'serve',
        }),
        deps,
      ),
    );
    expect(error.message).toMatch(/does not use the inputs base, entrypoint, parallel$/);
    expect(error.place).toEqual({ key: 'base' });
    expect(error.hint).toMatch(/^base: FROM.*; entrypoint: ENTRYPOINT.*; parallel: `docker push`/);
  });

  it('refuses them with compose-file too, and context (the compose file names it)', async () => {
    const { deps, dir } = project(fakeDocker().exec);
    writeFileSync(join(dir, 'compose.yml'), 'services:\n  model:\n    build: .\n');
    const error = await usageError(
      runBuildImage(
        actionInputs({
          'compose-file': 'compose.yml',
          model: 'model',
          context: 'sub',
          user: '1000',
        }),
        deps,
      ),
    );
    expect(error.message).toContain('with compose-file');
    expect(error.message).toContain('context, user');
    expect(error.hint).toContain('build: context:');
  });

  it('accepts every default the action and the component pass explicitly (base=scratch, parallel=3, …)', async () => {
    const docker = fakeDocker();
    const { deps } = project(docker.exec);
    const inputs = actionInputs({
      dockerfile: 'Dockerfile',
      model: 'model',
      base: 'scratch',
      'model-path': '/opt/model',
      'code-path': '/opt/app',
      parallel: '3',
      'chunk-size': '16',
      'compression-level': '1',
      env: '',
      attach: '',
    });
    expect(inputs).toMatchObject({ base: 'scratch', parallel: 3, 'compression-level': 1 });
    const result = await runBuildImage(inputs, deps);
    expect(result.report!.summary).toContain('Built the image with docker build');
  });
});

describe('build-image with a Dockerfile: registry credentials', () => {
  it('runs docker as before when nothing is to be added: no DOCKER_CONFIG at all', async () => {
    const docker = fakeDocker();
    const { deps } = project(docker.exec);
    await runBuildImage(pushInputs({}), deps);
    expect(docker.docker().map((call) => call.args[0])).toEqual([
      'buildx',
      'build',
      'history',
      'push',
    ]);
    for (const call of docker.seen) expect(call.env?.['DOCKER_CONFIG']).toBeUndefined();
  });

  it('gives docker-config to docker as DOCKER_CONFIG when nothing is to be added', async () => {
    const docker = fakeDocker();
    const { deps, dir } = project(docker.exec);
    const home = userConfig(dir, { auths: {} });
    await runBuildImage(
      actionInputs({ dockerfile: 'Dockerfile', model: 'model', 'docker-config': home }),
      deps,
    );
    for (const call of docker.docker()) expect(call.env?.['DOCKER_CONFIG']).toBe(home);
  });

  it('pushes with registry-username/registry-password through a private config that keeps the user’s, then removes it', async () => {
    const docker = fakeDocker();
    const { deps, dir, logged } = project(docker.exec);
    const home = userConfig(dir, {
      credsStore: 'desktop',
      currentContext: 'remote',
      auths: { 'other.example': { auth: basic('me', 'x') } },
      credHelpers: { 'gcr.example': 'gcloud' },
    });
    const result = await runBuildImage(
      pushInputs({
        'docker-config': home,
        'registry-username': 'robot',
        'registry-password': PASSWORD,
      }),
      deps,
    );
    expect(result.outputs!['digest']).toBe(DIGEST);
    const calls = docker.docker();
    // The build (and FROM pulls) get the user's config as it is: the inputs are for the push.
    for (const call of calls.filter((c) => c.args[0] !== 'push'))
      expect(call.env?.['DOCKER_CONFIG']).toBe(home);
    const push = calls.find((call) => call.args[0] === 'push')!;
    expect(push.env?.['DOCKER_CONFIG']).toMatch(/sluice-docker-login-/);
    expect(push.config!.json).toEqual({
      credsStore: 'desktop',
      currentContext: 'remote',
      auths: {
        'other.example': { auth: basic('me', 'x') },
        'registry.example:5000': { auth: basic('robot', PASSWORD) },
      },
      credHelpers: { 'gcr.example': 'gcloud', 'registry.example:5000': '' },
    });
    expect(push.config!.links).toEqual({
      'cli-plugins': join(home, 'cli-plugins'),
      contexts: join(home, 'contexts'),
    });
    expect(push.config!.files.sort()).toEqual(['cli-plugins', 'config.json', 'contexts']);
    expect(push.modes).toEqual({ dir: 0o700, file: 0o600 });
    // Gone afterwards; the user's folder and what the links pointed at are untouched.
    expect(existsSync(push.env!['DOCKER_CONFIG']!)).toBe(false);
    expect(existsSync(join(home, 'cli-plugins', 'docker-buildx'))).toBe(true);
    expect(JSON.parse(readFileSync(join(home, 'config.json'), 'utf8'))).not.toHaveProperty([
      'auths',
      'registry.example:5000',
    ]);
    const everything = JSON.stringify([logged, result.report, result.outputs]);
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(basic('robot', PASSWORD));
  });

  it('removes the private config after a failed push, and says which credentials went, without the secret', async () => {
    const docker = fakeDocker({ failPush: true });
    const { deps, logged } = project(docker.exec);
    const error = await runBuildImage(
      pushInputs({
        'docker-config': join(deps.run.cwd, 'no-such-folder'),
        'registry-username': 'robot',
        'registry-password': PASSWORD,
      }),
      deps,
    ).then(
      () => undefined,
      (caught: unknown) => caught as InfraError,
    );
    expect(error).toBeInstanceOf(InfraError);
    expect(error!.message).toBe(
      'docker push registry.example:5000/team/model:1 failed: unauthorized: authentication required',
    );
    expect(error!.hint).toBe(
      'Credentials sent to registry.example:5000: registry-username/registry-password.',
    );
    const dirs = sluiceConfigDirs(docker.seen);
    expect(dirs).toHaveLength(1);
    expect(existsSync(dirs[0]!)).toBe(false);
    const everything = JSON.stringify([logged, error!.message, error!.hint]);
    expect(everything).not.toContain(PASSWORD);
  });

  it('sends registry-username/registry-password only to the push destinations', async () => {
    const docker = fakeDocker();
    const { deps } = project(docker.exec);
    // Not pushed: the tag's registry is no destination, so nothing is added.
    await runBuildImage(
      actionInputs({
        dockerfile: 'Dockerfile',
        model: 'model',
        tag: 'registry.example:5000/team/model:1',
        'registry-username': 'robot',
        'registry-password': PASSWORD,
      }),
      deps,
    );
    for (const call of docker.seen) expect(call.env?.['DOCKER_CONFIG']).toBeUndefined();
  });

  it('keys Docker Hub by the index URL the Docker CLI looks up', async () => {
    const docker = fakeDocker();
    const { deps } = project(docker.exec);
    await runBuildImage(
      actionInputs({
        dockerfile: 'Dockerfile',
        model: 'model',
        tag: 'docker.io/team/model:1',
        push: 'true',
        'registry-username': 'robot',
        'registry-password': PASSWORD,
      }),
      deps,
    );
    const push = docker.docker().find((call) => call.args[0] === 'push')!;
    expect(push.config!.json['auths']).toEqual({
      'https://index.docker.io/v1/': { auth: basic('robot', PASSWORD) },
    });
    expect(push.config!.json['credHelpers']).toEqual({ 'https://index.docker.io/v1/': '' });
  });

  it('gives the CI’s registry the CI’s login for every docker command when the config has none', async () => {
    const docker = fakeDocker();
    const { deps, dir, logged } = project(docker.exec, ci);
    const home = userConfig(dir, { auths: { 'other.example': { auth: basic('me', 'x') } } });
    const result = await runBuildImage(
      pushInputs({
        'docker-config': home,
        'registry-username': 'robot',
        'registry-password': PASSWORD,
      }),
      deps,
    );
    const calls = docker.docker();
    const ciEntry = { auth: basic(ci.username, CI_PASSWORD) };
    for (const call of calls) {
      expect(call.config!.json['auths']).toMatchObject({
        'gitlab-registry.example': ciEntry,
        'other.example': { auth: basic('me', 'x') },
      });
      expect(call.config!.json['credHelpers']).toMatchObject({ 'gitlab-registry.example': '' });
    }
    // The inputs' credentials reach the push only, as with the daemonless build.
    const push = calls.find((call) => call.args[0] === 'push')!;
    expect(push.config!.json['auths']).toHaveProperty(['registry.example:5000']);
    for (const call of calls.filter((c) => c.args[0] !== 'push'))
      expect(call.config!.json['auths']).not.toHaveProperty(['registry.example:5000']);
    for (const dirUsed of sluiceConfigDirs(docker.seen)) expect(existsSync(dirUsed)).toBe(false);
    expect(logged.join('\n')).toContain(
      'gitlab-registry.example (CI_REGISTRY_USER/CI_REGISTRY_PASSWORD)',
    );
    const everything = JSON.stringify([logged, result.report]);
    expect(everything).not.toContain(CI_PASSWORD);
    expect(everything).not.toContain(PASSWORD);
  });

  it('names the CI login in the hint of a failed push to the CI’s registry', async () => {
    const docker = fakeDocker({ failPush: true });
    const { deps } = project(docker.exec, ci);
    const error = await runBuildImage(
      actionInputs({
        dockerfile: 'Dockerfile',
        model: 'model',
        tag: 'gitlab-registry.example/group/model:1',
        push: 'true',
        'docker-config': join(deps.run.cwd, 'no-such-folder'),
      }),
      deps,
    ).then(
      () => undefined,
      (caught: unknown) => caught as InfraError,
    );
    expect(error).toBeInstanceOf(InfraError);
    expect(error!.hint).toContain(
      'Credentials sent to gitlab-registry.example: CI_REGISTRY_USER/CI_REGISTRY_PASSWORD',
    );
    expect(`${error!.message} ${error!.hint}`).not.toContain(CI_PASSWORD);
    const push = docker.docker().find((call) => call.args[0] === 'push')!;
    expect(push.config!.json['auths']).toEqual({
      'gitlab-registry.example': { auth: basic(ci.username, CI_PASSWORD) },
    });
    expect(existsSync(push.env!['DOCKER_CONFIG']!)).toBe(false);
  });

  it('leaves the CI’s login out when the config has credentials for its registry (auths or a helper)', async () => {
    const withAuths = fakeDocker();
    const one = project(withAuths.exec, ci);
    const home = userConfig(one.dir, {
      auths: { 'gitlab-registry.example': { auth: basic('me', 'mine') } },
    });
    await runBuildImage(
      actionInputs({ dockerfile: 'Dockerfile', model: 'model', 'docker-config': home }),
      one.deps,
    );
    for (const call of withAuths.docker()) expect(call.env?.['DOCKER_CONFIG']).toBe(home);

    const withHelper = fakeDocker({ helper: { 'gitlab-registry.example': 'helper-secret' } });
    const two = project(withHelper.exec, ci);
    const helperHome = userConfig(two.dir, { credsStore: 'fake' });
    await runBuildImage(
      actionInputs({ dockerfile: 'Dockerfile', model: 'model', 'docker-config': helperHome }),
      two.deps,
    );
    expect(withHelper.seen.some((call) => call.command === 'docker-credential-fake')).toBe(true);
    for (const call of withHelper.docker()) expect(call.env?.['DOCKER_CONFIG']).toBe(helperHome);
  });

  it('overrides a credential store that has nothing for the CI’s registry', async () => {
    const docker = fakeDocker({ helper: {} });
    const { deps, dir } = project(docker.exec, ci);
    const home = userConfig(dir, { credsStore: 'fake' });
    await runBuildImage(
      actionInputs({ dockerfile: 'Dockerfile', model: 'model', 'docker-config': home }),
      deps,
    );
    const build = docker.docker().find((call) => call.args[0] === 'build')!;
    expect(build.config!.json).toEqual({
      credsStore: 'fake',
      auths: { 'gitlab-registry.example': { auth: basic(ci.username, CI_PASSWORD) } },
      credHelpers: { 'gitlab-registry.example': '' },
    });
  });

  it('runs every command of a Compose build with the private config', async () => {
    const docker = fakeDocker();
    const { deps, dir } = project(docker.exec, ci);
    writeFileSync(join(dir, 'compose.yml'), 'services:\n  model:\n    build: .\n');
    await runBuildImage(
      actionInputs({
        'compose-file': 'compose.yml',
        service: 'model',
        model: 'model',
        tag: 'gitlab-registry.example/group/model:1,gitlab-registry.example/group/model:latest',
        push: 'true',
        'docker-config': join(dir, 'no-such-folder'),
      }),
      deps,
    );
    const calls = docker.docker();
    expect(calls.map((call) => call.args.slice(0, 2).join(' '))).toEqual([
      'compose version',
      'buildx version',
      `compose -f`,
      'image inspect',
      'tag gitlab-registry.example/group/model:1',
      'history --no-trunc',
      'push gitlab-registry.example/group/model:1',
      'push gitlab-registry.example/group/model:latest',
    ]);
    const dirs = sluiceConfigDirs(calls);
    expect(dirs).toHaveLength(1);
    for (const call of calls) expect(call.env?.['DOCKER_CONFIG']).toBe(dirs[0]);
    expect(existsSync(dirs[0]!)).toBe(false);
  });

  it('refuses registry-username without registry-password', async () => {
    const { deps } = project(fakeDocker().exec);
    const error = await usageError(
      runBuildImage(
        actionInputs({ dockerfile: 'Dockerfile', model: 'model', 'registry-username': 'robot' }),
        deps,
      ),
    );
    expect(error.place).toEqual({ key: 'registry-password' });
  });
});
