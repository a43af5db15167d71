import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import type { CommandDeps } from '../../../src/core/commands/types.js';
import type {
  DockerCli,
  DockerEngine,
  RegistryConnectOptions,
  RegistryDestination,
  RegistryPort,
} from '../../../src/core/ports.js';
import type { BlobSource, ManifestBytes } from '../../../src/core/registry/model.js';
import { daemonlessBuildInputs, localDeps, runBuildImage } from './helpers.js';
import { tempDir } from '../support/temp-dirs.js';

function workdir(): string {
  const dir = tempDir('sluice-ports-');
  mkdirSync(join(dir, 'model'));
  writeFileSync(join(dir, 'model', 'weights.bin'), 'w');
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY model /opt/model\n');
  return dir;
}

/** A registry port in memory: records what the core asked of it and what it stored. */
function fakeRegistry() {
  const asked = { configDirs: [] as string[], connects: [] as RegistryConnectOptions[] };
  const stored = { blobs: new Set<string>(), manifests: new Map<string, ManifestBytes>() };
  const destination = (registry: string, repository: string): RegistryDestination => ({
    name: `${registry}/${repository}`,
    hasBlob: async (digest) => stored.blobs.has(digest),
    putBlob: async (blob: BlobSource) => {
      let size = 0;
      const { createHash } = await import('node:crypto');
      const hash = createHash('sha256');
      for await (const chunk of blob.open(0)) {
        size += chunk.length;
        hash.update(chunk);
      }
      const digest = `sha256:${hash.digest('hex')}`;
      stored.blobs.add(digest);
      return { digest, size, uploaded: size };
    },
    putManifest: async (manifest, tags) => {
      for (const tag of [manifest.digest, ...tags]) stored.manifests.set(tag, manifest);
      return manifest.digest;
    },
    artifacts: {} as RegistryDestination['artifacts'],
  });
  const port: RegistryPort = {
    connect(options) {
      asked.connects.push(options);
      return {
        source: async () => {
          throw new Error('no source in this test');
        },
        destination: async (registry, repository) => destination(registry, repository),
      };
    },
    dockerConfigCredentials: async (configDir) => {
      asked.configDirs.push(configDir);
      return undefined;
    },
  };
  return { port, asked, stored };
}

/** A Docker engine that records each CLI call instead of running docker. */
function fakeDocker() {
  const calls: string[] = [];
  const cli: DockerCli = {
    build: async (request) => {
      calls.push(`build ${request.tags.join(',')}`);
      return 'sha256:1111';
    },
    composeBuild: async () => {
      throw new Error('no compose in this test');
    },
    tag: async (source, target) => void calls.push(`tag ${source} ${target}`),
    history: async (image) => {
      calls.push(`history ${image}`);
      return [{ createdBy: 'COPY model /opt/model', size: 2000 }];
    },
    push: async (tag) => {
      calls.push(`push ${tag}`);
      return `sha256:${'ab'.repeat(32)}`;
    },
  };
  const engine: DockerEngine = { withLogins: (_scope, work) => work({ build: cli, push: cli }) };
  return { engine, calls };
}

function portDeps(dir: string, overrides: Partial<CommandDeps>): CommandDeps {
  return { ...localDeps(dir), folders: { home: '/home/someone', temp: dir }, ...overrides };
}

describe('the image commands reach registries and the Docker engine only through their ports', () => {
  it('pushes a daemonless build through deps.registry, with the Docker config under deps.folders.home', async () => {
    const dir = workdir();
    const registry = fakeRegistry();
    const result = await runBuildImage(
      daemonlessBuildInputs({
        tag: ['registry.example/team/model:v1'],
        push: true,
        'registry-username': 'ci',
        'registry-password': 'secret',
      }),
      portDeps(dir, { registry: registry.port }),
    );
    expect(result.outputs?.['image']).toBe('registry.example/team/model:v1');
    expect(registry.stored.manifests.get('v1')?.digest).toBe(result.outputs?.['digest']);
    const [connect] = registry.asked.connects;
    expect(await connect!.credentials('registry.example')).toEqual({
      username: 'ci',
      password: 'secret',
    });
    // Any other registry (a base image's) gets what the Docker config in the home folder holds.
    expect(await connect!.credentials('other.example')).toBeUndefined();
    expect(registry.asked.configDirs).toEqual([join('/home/someone', '.docker')]);
  });

  it('builds a Dockerfile through deps.docker and names an untagged image from deps.clock', async () => {
    const dir = workdir();
    const docker = fakeDocker();
    const clock = { now: () => new Date(36 ** 5) };
    const result = await runBuildImage(
      { model: 'model', dockerfile: 'Dockerfile', 'source-date-epoch': 1_700_000_000 },
      portDeps(dir, { docker: docker.engine, clock, registry: fakeRegistry().port }),
    );
    expect(docker.calls).toEqual(['build sluice-build:100000', 'history sluice-build:100000']);
    expect(result.outputs?.['digest']).toBe('sha256:1111');
  });

  it('says which dependency the adapter left out (a bug, not a usage error)', async () => {
    const dir = workdir();
    const deps = localDeps(dir);
    delete deps.registry;
    await expect(
      runBuildImage(daemonlessBuildInputs({ output: [`oci:${dir}/out:v1`] }), deps),
    ).rejects.toThrow('deps.registry');
  });
});

describe('the lint rule that keeps the core free of clients, app and inputs', () => {
  const lint = async (code: string) => {
    const eslint = new ESLint();
    const [result] = await eslint.lintText(code, { filePath: 'src/core/image/probe.ts' });
    return result!.messages.map((message) => message.ruleId);
  };

  it('refuses a value import or a dynamic import of a client, and allows a type import', async () => {
    expect(
      await lint(
        "import { RegistryAccess } from '../../clients/oci/access.js';\nexport const a = RegistryAccess;\n",
      ),
    ).toContain('no-restricted-imports');
    expect(
      await lint("export const load = () => import('../../clients/oci/access.js');\n"),
    ).toContain('no-restricted-syntax');
    expect(
      await lint(
        "import { buildImage } from '../../inputs/build-image.js';\nexport const b = buildImage;\n",
      ),
    ).toContain('no-restricted-imports');
    expect(
      await lint(
        "import type { RegistryAccess } from '../../clients/oci/access.js';\nexport type A = RegistryAccess;\n",
      ),
    ).toEqual([]);
  });
});
