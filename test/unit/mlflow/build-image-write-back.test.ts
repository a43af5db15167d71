/**
 * build-image's opt-in write-back (`mlflow-model-version`): the version is read before the build
 * (its labels name it; an unknown version or a server that is down stops it before anything is
 * written), and tagged with the image's references and digest after the image was written. A
 * tag that fails after the push is exit 3 naming what was pushed and what was not tagged.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandDeps } from '../../../src/core/commands/types.js';
import { InfraError, UsageError } from '../../../src/core/errors.js';
import { OciLayoutSource } from '../../../src/core/image/oci-layout.js';
import { parseModelVersion } from '../../../src/core/image/mlflow-lineage.js';
import { resolveImage } from '../../../src/core/image/platform.js';
import type {
  DockerCli,
  DockerEngine,
  ModelRegistry,
  ModelVersionRef,
  RegistryDestination,
  RegistryPort,
} from '../../../src/core/ports.js';
import type { BlobSource, ManifestBytes } from '../../../src/core/registry/model.js';
import { daemonlessBuildInputs, localDeps, runBuildImage } from '../image/helpers.js';
import { tempDir } from '../support/temp-dirs.js';

function workdir(): string {
  const dir = tempDir('sluice-mlflow-image-');
  mkdirSync(join(dir, 'model'));
  writeFileSync(join(dir, 'model', 'weights.bin'), 'w');
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY model /opt/model\n');
  return dir;
}

const v7: ModelVersionRef = { model: 'churn', version: '7', runId: 'run7', modelId: 'm-7' };

/** A model registry in memory; `onTag` runs when the version is tagged (to look at the image then). */
function fakeModelRegistry(options: { down?: 'read' | 'tag'; onTag?: () => void } = {}): {
  registry: ModelRegistry;
  tagged: Record<string, string>[];
  reads: string[];
} {
  const tagged: Record<string, string>[] = [];
  const reads: string[] = [];
  const registry: ModelRegistry = {
    name: 'MLflow at ml.test',
    resolveAlias: (model, alias) => {
      reads.push(`${model}@${alias}`);
      return Promise.resolve(model === 'churn' && alias === 'champion' ? v7 : undefined);
    },
    getVersion: (model, version) => {
      reads.push(`${model}/${version}`);
      if (options.down === 'read')
        return Promise.reject(new InfraError('MLflow at ml.test: connection refused'));
      return Promise.resolve(model === 'churn' && version === '7' ? v7 : undefined);
    },
    readMetrics: () => Promise.resolve({ values: new Map(), source: 'none' }),
    tagVersion: (version, tags) => {
      options.onTag?.();
      if (options.down === 'tag')
        return Promise.reject(
          new InfraError('MLflow at ml.test: 503 on model-versions/set-tag', {
            hint: 'is the server up?',
          }),
        );
      expect(version).toEqual(v7);
      tagged.push({ ...tags });
      return Promise.resolve();
    },
    setAlias: () => Promise.resolve(),
  };
  return { registry, tagged, reads };
}

/** A container registry in memory (the push destination). */
function fakeImageRegistry() {
  const manifests = new Map<string, ManifestBytes>();
  const destination: RegistryDestination = {
    name: 'registry.example/team/churn',
    hasBlob: () => Promise.resolve(false),
    putBlob: async (blob: BlobSource) => {
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of blob.open(0)) {
        size += chunk.length;
        hash.update(chunk);
      }
      return { digest: `sha256:${hash.digest('hex')}`, size, uploaded: size };
    },
    putManifest: (manifest, tags) => {
      for (const tag of [manifest.digest, ...tags]) manifests.set(tag, manifest);
      return Promise.resolve(manifest.digest);
    },
    artifacts: {} as RegistryDestination['artifacts'],
  };
  const port: RegistryPort = {
    connect: () => ({
      source: () => Promise.reject(new Error('no source in this test')),
      destination: () => Promise.resolve(destination),
    }),
    dockerConfigCredentials: () => Promise.resolve(undefined),
  };
  return { port, manifests };
}

function deps(dir: string, modelRegistry: ModelRegistry, extra: Partial<CommandDeps> = {}) {
  return { ...localDeps(dir), modelRegistry, ...extra } as CommandDeps;
}

async function labelsOf(layout: string): Promise<Record<string, string>> {
  const { config } = await resolveImage(new OciLayoutSource(layout, 'v1'), {
    os: 'linux',
    architecture: 'amd64',
  });
  return config.config?.Labels ?? {};
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe('build-image with mlflow-model-version (daemonless)', () => {
  it('labels the image with the version, then tags the version with the written image', async () => {
    const dir = workdir();
    const layout = join(dir, 'layout');
    let layoutAtTag: string | undefined;
    const mlflow = fakeModelRegistry({
      onTag: () => (layoutAtTag = readFileSync(join(layout, 'index.json'), 'utf8')),
    });
    const result = await runBuildImage(
      daemonlessBuildInputs({ output: [`oci:${layout}:v1`], 'mlflow-model-version': 'churn/7' }),
      deps(dir, mlflow.registry),
    );
    const digest = result.outputs!['digest']!;
    expect(await labelsOf(layout)).toMatchObject({
      'io.sluice.model.mlflow-model': 'churn',
      'io.sluice.model.mlflow-version': '7',
      'io.sluice.model.mlflow-model-id': 'm-7',
      'io.sluice.model.mlflow-run-id': 'run7',
      'io.sluice.model.name': 'churn',
      'io.sluice.model.version': '7',
      'org.opencontainers.image.title': 'churn',
      'org.opencontainers.image.version': '7',
    });
    // Tagged once the image was written: the layout already named the manifest.
    expect(layoutAtTag).toContain(digest);
    expect(mlflow.tagged).toEqual([
      { 'sluice.image': `oci:${layout}:v1`, 'sluice.image-digest': digest },
    ]);
    const notes = result.report!.notes.map((note) => note.text);
    expect(notes).toContainEqual(
      `Labelled the image with version 7 of \`churn\` and tagged it in MLflow at ml.test: sluice.image=oci:${layout}:v1, sluice.image-digest=${digest}.`,
    );
    expect(result.report!.data['mlflow']).toMatchObject({ model: 'churn', version: '7' });
  });

  it('keeps a model-name and model-version given by hand, and accepts models:/<model>/<version>', async () => {
    const dir = workdir();
    const layout = join(dir, 'layout');
    const mlflow = fakeModelRegistry();
    await runBuildImage(
      daemonlessBuildInputs({
        output: [`oci:${layout}:v1`],
        'mlflow-model-version': 'models:/churn/7',
        'model-name': 'churn-classifier',
        'model-version': '2.1.0',
      }),
      deps(dir, mlflow.registry),
    );
    expect(await labelsOf(layout)).toMatchObject({
      'io.sluice.model.name': 'churn-classifier',
      'org.opencontainers.image.version': '2.1.0',
      'io.sluice.model.mlflow-version': '7',
    });
  });

  it('tags a pushed image with its registry reference and manifest digest', async () => {
    const dir = workdir();
    const images = fakeImageRegistry();
    const mlflow = fakeModelRegistry({
      onTag: () => expect(images.manifests.has('v1')).toBe(true),
    });
    const result = await runBuildImage(
      daemonlessBuildInputs({
        tag: ['registry.example/team/churn:v1'],
        push: true,
        'mlflow-model-version': 'churn/7',
      }),
      deps(dir, mlflow.registry, { registry: images.port }),
    );
    expect(mlflow.tagged).toEqual([
      {
        'sluice.image': 'registry.example/team/churn:v1',
        'sluice.image-digest': result.outputs!['digest'],
      },
    ]);
  });

  it('{model-version} in a tag is the version MLflow resolved (the one behind the alias), read once', async () => {
    const dir = workdir();
    const images = fakeImageRegistry();
    const mlflow = fakeModelRegistry();
    const result = await runBuildImage(
      daemonlessBuildInputs({
        tag: ['registry.example/team/churn:v{model-version}'],
        push: true,
        'mlflow-model-version': 'models:/churn@champion',
      }),
      deps(dir, mlflow.registry, { registry: images.port }),
    );
    expect(images.manifests.has('v7')).toBe(true);
    expect(mlflow.reads).toEqual(['churn@champion']);
    expect(mlflow.tagged).toEqual([
      {
        'sluice.image': 'registry.example/team/churn:v7',
        'sluice.image-digest': result.outputs!['digest'],
      },
    ]);
    // A model-version given by hand stays the label's version and the tag's.
    const byHand = fakeModelRegistry();
    await runBuildImage(
      daemonlessBuildInputs({
        tag: ['registry.example/team/churn:{model-version}'],
        push: true,
        'mlflow-model-version': 'churn@champion',
        'model-version': '2.1.0',
      }),
      deps(workdir(), byHand.registry, { registry: images.port }),
    );
    expect(images.manifests.has('2.1.0')).toBe(true);
    // Without either, the error says how to get one.
    const none = await failure(
      runBuildImage(
        daemonlessBuildInputs({ tag: ['registry.example/team/churn:{model-version}'], push: true }),
        deps(workdir(), fakeModelRegistry().registry, { registry: images.port }),
      ),
    );
    expect(none).toBeInstanceOf(UsageError);
    expect(none.message).toContain('uses {model-version}, which is not known here');
  });

  it('an unknown alias is exit 2 naming it, before anything is built', async () => {
    const dir = workdir();
    const layout = join(dir, 'layout');
    const mlflow = fakeModelRegistry();
    const error = await failure(
      runBuildImage(
        daemonlessBuildInputs({
          output: [`oci:${layout}:v1`],
          'mlflow-model-version': 'churn@staging',
        }),
        deps(dir, mlflow.registry),
      ),
    );
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain('has no alias `staging` on `churn`; nothing was built');
    expect(existsSync(layout)).toBe(false);
  });

  it('a tag that fails after the push is exit 3 naming what was pushed and what was not tagged', async () => {
    const dir = workdir();
    const images = fakeImageRegistry();
    const mlflow = fakeModelRegistry({ down: 'tag' });
    const error = await failure(
      runBuildImage(
        daemonlessBuildInputs({
          tag: ['registry.example/team/churn:v1'],
          push: true,
          'mlflow-model-version': 'churn/7',
        }),
        deps(dir, mlflow.registry, { registry: images.port }),
      ),
    );
    expect(error).toBeInstanceOf(InfraError);
    // The push stays (a registry tag is not taken back); the message says so.
    const pushed = images.manifests.get('v1')!.digest;
    expect(error.message).toBe(
      `The image was pushed (registry.example/team/churn:v1, ${pushed}) but version 7 of \`churn\` was not tagged in MLflow at ml.test: MLflow at ml.test: 503 on model-versions/set-tag`,
    );
    expect((error as InfraError).hint).toContain(
      `sluice.image=registry.example/team/churn:v1, sluice.image-digest=${pushed}`,
    );
    expect((error as InfraError).hint).toContain('is the server up?');
  });

  it('an unknown version is exit 2 before anything is built or written', async () => {
    const dir = workdir();
    const layout = join(dir, 'layout');
    const mlflow = fakeModelRegistry();
    const error = await failure(
      runBuildImage(
        daemonlessBuildInputs({ output: [`oci:${layout}:v1`], 'mlflow-model-version': 'churn/8' }),
        deps(dir, mlflow.registry),
      ),
    );
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe(
      '`mlflow-model-version: churn/8`: MLflow at ml.test has no version 8 of `churn`; nothing was built',
    );
    expect(existsSync(layout)).toBe(false);
    expect(mlflow.tagged).toEqual([]);
  });

  it('MLflow down when the version is read is exit 3, nothing written or pushed', async () => {
    const dir = workdir();
    const images = fakeImageRegistry();
    const mlflow = fakeModelRegistry({ down: 'read' });
    const error = await failure(
      runBuildImage(
        daemonlessBuildInputs({
          tag: ['registry.example/team/churn:v1'],
          push: true,
          'mlflow-model-version': 'churn/7',
        }),
        deps(dir, mlflow.registry, { registry: images.port }),
      ),
    );
    expect(error).toBeInstanceOf(InfraError);
    expect(images.manifests.size).toBe(0);
  });

  it('refuses, before reading MLflow, a bad form, a contradicting run id, an image written nowhere, no server', async () => {
    const dir = workdir();
    const layout = join(dir, 'layout');
    for (const bad of [
      'churn',
      'churn/seven',
      '/7',
      'churn\n/7',
      'churn@',
      '@champion',
      'churn@a b',
    ]) {
      expect(() => parseModelVersion(bad)).toThrow(UsageError);
    }
    const mlflow = fakeModelRegistry();
    const run = (extra: Parameters<typeof daemonlessBuildInputs>[0], registry?: ModelRegistry) =>
      failure(
        runBuildImage(
          daemonlessBuildInputs({ 'mlflow-model-version': 'churn/7', ...extra }),
          registry ? deps(dir, registry) : localDeps(dir),
        ),
      );
    const badForm = await run(
      { output: [`oci:${layout}:v1`], 'mlflow-model-version': 'churn' },
      mlflow.registry,
    );
    expect(badForm.message).toBe('`mlflow-model-version: churn` names no model version');
    const nowhere = await run({}, mlflow.registry);
    expect(nowhere).toBeInstanceOf(UsageError);
    expect(nowhere.message).toContain('it goes nowhere');
    expect(mlflow.reads).toEqual([]);
    const otherRun = await run(
      { output: [`oci:${layout}:v1`], 'mlflow-run-id': 'run6' },
      mlflow.registry,
    );
    expect(otherRun).toBeInstanceOf(UsageError);
    expect(otherRun.message).toContain('its run is run7');
    const noServer = await run({ output: [`oci:${layout}:v1`] });
    expect(noServer).toBeInstanceOf(UsageError);
    expect(noServer.message).toContain('needs an MLflow tracking server');
    expect(existsSync(layout)).toBe(false);
    expect(mlflow.tagged).toEqual([]);
  });
});

describe('build-image with mlflow-model-version (Dockerfile)', () => {
  function fakeDocker() {
    const calls: string[] = [];
    const labels: Record<string, string>[] = [];
    const cli: DockerCli = {
      build: (request) => {
        calls.push('build');
        labels.push(request.labels);
        return Promise.resolve('sha256:1111');
      },
      composeBuild: () => Promise.reject(new Error('no compose in this test')),
      tag: () => Promise.resolve(),
      history: () => Promise.resolve([{ createdBy: 'COPY model /opt/model', size: 2000 }]),
      push: () => {
        calls.push('push');
        return Promise.resolve(`sha256:${'ab'.repeat(32)}`);
      },
    };
    const engine: DockerEngine = { withLogins: (_scope, work) => work({ build: cli, push: cli }) };
    return { engine, calls, labels };
  }

  const dockerInputs = (extra: object) => ({
    model: 'model',
    dockerfile: 'Dockerfile',
    'source-date-epoch': 1_700_000_000,
    'mlflow-model-version': 'churn/7',
    ...extra,
  });

  it('passes the labels to docker build and tags the pushed digest after the push', async () => {
    const dir = workdir();
    const docker = fakeDocker();
    const mlflow = fakeModelRegistry({ onTag: () => expect(docker.calls).toContain('push') });
    await runBuildImage(
      dockerInputs({ tag: ['registry.example/team/churn:v1'], push: true }),
      deps(dir, mlflow.registry, { docker: docker.engine }),
    );
    expect(docker.labels[0]).toMatchObject({
      'io.sluice.model.mlflow-model': 'churn',
      'io.sluice.model.mlflow-version': '7',
      'io.sluice.model.mlflow-run-id': 'run7',
    });
    expect(mlflow.tagged).toEqual([
      {
        'sluice.image': 'registry.example/team/churn:v1',
        'sluice.image-digest': `sha256:${'ab'.repeat(32)}`,
      },
    ]);
  });

  it('an image the engine keeps is tagged with its engine names and image ID, not a digest', async () => {
    const dir = workdir();
    const docker = fakeDocker();
    const mlflow = fakeModelRegistry();
    await runBuildImage(
      dockerInputs({ tag: ['registry.example/team/churn:v1'] }),
      deps(dir, mlflow.registry, { docker: docker.engine }),
    );
    expect(mlflow.tagged).toEqual([
      {
        'sluice.image': 'docker-daemon:registry.example/team/churn:v1',
        'sluice.image-id': 'sha256:1111',
      },
    ]);
  });

  it('an unknown version is exit 2 before docker build runs', async () => {
    const dir = workdir();
    const docker = fakeDocker();
    const error = await failure(
      runBuildImage(
        dockerInputs({ 'mlflow-model-version': 'churn/9' }),
        deps(dir, fakeModelRegistry().registry, { docker: docker.engine }),
      ),
    );
    expect(error).toBeInstanceOf(UsageError);
    expect(docker.calls).toEqual([]);
  });
});
