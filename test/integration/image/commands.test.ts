import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildImageInputs } from '../../../src/core/commands/build-image.js';
import type { CommandDeps } from '../../../src/core/commands/types.js';
import { UsageError } from '../../../src/core/errors.js';
import { localDeps, runBuildImage, runPushImage } from '../../unit/image/helpers.js';
import { requireBinary } from '../services/binaries.js';
import { startRegistry, type RunningRegistry } from '../services/registry.js';
import { tempDir } from '../../unit/support/temp-dirs.js';

const run = promisify(execFile);
const COMMIT_TIME = 1_700_000_000;
let repo: string;
let registry: RunningRegistry;
let secured: RunningRegistry;
let dockerConfig: string;

function deps(): CommandDeps {
  return localDeps(repo);
}

function buildInputs(extra: Partial<BuildImageInputs>): Partial<BuildImageInputs> {
  return {
    base: 'scratch',
    model: 'model',
    code: 'app',
    push: false,
    platform: 'linux/amd64',
    'model-path': '/opt/model',
    'code-path': '/opt/app',
    'compression-level': 1,
    parallel: 3,
    'chunk-size': 16,
    'cache-dir': join(repo, '.cache'),
    'docker-config': dockerConfig,
    format: 'json',
    ...extra,
  };
}

async function skopeoInspect(
  ref: string,
  ...flags: string[]
): Promise<{ Digest: string; Labels: Record<string, string>; Created: string; Layers: string[] }> {
  const { stdout } = await run('skopeo', ['inspect', ...flags, ref]);
  return JSON.parse(stdout) as {
    Digest: string;
    Labels: Record<string, string>;
    Created: string;
    Layers: string[];
  };
}

beforeAll(async () => {
  requireBinary('skopeo');
  requireBinary('git');
  repo = tempDir('sluice-image-repo-');
  mkdirSync(join(repo, 'model'));
  mkdirSync(join(repo, 'app'));
  writeFileSync(join(repo, 'model', 'model.onnx'), randomBytes(300_000));
  writeFileSync(join(repo, 'model', 'labels.txt'), 'cat\ndog\n');
  writeFileSync(join(repo, 'app', 'serve.py'), 'print("serving")\n');
  writeFileSync(join(repo, 'metrics.json'), '{"accuracy": 0.93}');
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: repo,
      env: {
        ...process.env,
        GIT_AUTHOR_DATE: `@${COMMIT_TIME} +0000`,
        GIT_COMMITTER_DATE: `@${COMMIT_TIME} +0000`,
      },
    });
  git('init', '-q', '-b', 'main');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-q', '-m', 'model');
  git('remote', 'add', 'origin', 'https://ci-user:hunter2@git.example.invalid/team/model.git');
  [registry, secured] = await Promise.all([
    startRegistry(),
    startRegistry({ htpasswd: { username: 'robot', password: 'r0b0t-pw' } }),
  ]);
  dockerConfig = tempDir('sluice-docker-config-');
  writeFileSync(
    join(dockerConfig, 'config.json'),
    JSON.stringify({
      auths: { [secured.address]: { auth: Buffer.from('robot:r0b0t-pw').toString('base64') } },
    }),
  );
});

afterAll(async () => {
  await Promise.all([registry?.stop(), secured?.stop()]);
});

describe('build-image', () => {
  it('pushes and reports {digest, image, size, layers}; labels from git and the model; created = commit time', async () => {
    const result = await runBuildImage(
      buildInputs({
        tag: [
          `${registry.address}/team/model:{short-sha}`,
          `${registry.address}/team/model:{model-version}`,
        ],
        push: true,
        'model-name': 'churn',
        'model-version': '1.4.0',
        'mlflow-run-id': 'abc123',
        'metrics-file': 'metrics.json',
        cmd: '["python", "/opt/app/serve.py"]',
        port: '8080',
        env: ['MODEL_DIR=/opt/model'],
      }),
      deps(),
    );
    const data = result.report!.data as {
      digest: string;
      image: string;
      size: number;
      layers: { digest: string }[];
    };
    expect(data.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(data.image).toMatch(new RegExp(`^${registry.address}/team/model:[a-f0-9]{7}$`));
    expect(data.size).toBeGreaterThan(300_000);
    expect(data.layers.length).toBe(2);
    expect(result.outputs).toEqual({ digest: data.digest, image: data.image });
    const inspected = await skopeoInspect(
      `docker://${registry.address}/team/model:1.4.0`,
      '--tls-verify=false',
    );
    expect(inspected.Digest).toBe(data.digest);
    expect(inspected.Created).toBe(
      new Date(COMMIT_TIME * 1000).toISOString().replace('.000Z', 'Z'),
    );
    expect(inspected.Labels['org.opencontainers.image.source']).toBe(
      'https://git.example.invalid/team/model',
    );
    expect(inspected.Labels['org.opencontainers.image.revision']).toMatch(/^[a-f0-9]{40}$/);
    expect(inspected.Labels['io.sluice.model.version']).toBe('1.4.0');
    expect(inspected.Labels['io.sluice.model.mlflow-run-id']).toBe('abc123');
    expect(inspected.Labels['io.sluice.model.metrics.digest']).toMatch(/^sha256:/);
    expect(JSON.stringify(inspected)).not.toContain('hunter2');
  });

  it('gives the same digest on a rebuild in another checkout, and SOURCE_DATE_EPOCH sets created', async () => {
    const a = await runBuildImage(
      buildInputs({ 'source-date-epoch': 1_600_000_000, 'cache-dir': 'none' }),
      deps(),
    );
    const b = await runBuildImage(buildInputs({ 'source-date-epoch': 1_600_000_000 }), deps());
    expect(b.outputs!['digest']).toBe(a.outputs!['digest']);
    const layout = tempDir('sluice-out-');
    const archive = join(layout, 'image.tar');
    const c = await runBuildImage(
      buildInputs({
        'source-date-epoch': 1_600_000_000,
        output: [`oci:${layout}/oci:v1`, `docker-archive:${archive}:team/model:v1`],
      }),
      deps(),
    );
    expect(c.outputs!['digest']).toBe(a.outputs!['digest']);
    const fromLayout = await skopeoInspect(`oci:${layout}/oci:v1`);
    expect(fromLayout.Created).toBe('2020-09-13T12:26:40Z');
    const fromArchive = await skopeoInspect(`docker-archive:${archive}`);
    expect(fromArchive.Layers).toHaveLength(2);
  });

  it('rejects a registry reference as --output and --push without a tag, as usage errors', async () => {
    await expect(
      runBuildImage(buildInputs({ output: [`${registry.address}/x:1`] }), deps()),
    ).rejects.toThrow(UsageError);
    await expect(runBuildImage(buildInputs({ push: true }), deps())).rejects.toThrow(
      /--push needs/,
    );
  });
});

describe('attachments', () => {
  it('attaches the model card and gate report to the image digest (fallback tag on a registry without referrers)', async () => {
    writeFileSync(join(repo, 'MODEL_CARD.md'), '# churn\nAccuracy 0.93\n');
    writeFileSync(join(repo, 'gate.json'), '{"verdict": "pass"}');
    const result = await runBuildImage(
      buildInputs({
        tag: [`${registry.address}/team/attested:1`],
        push: true,
        attach: ['MODEL_CARD.md', 'gate.json'],
      }),
      deps(),
    );
    const digest = result.outputs!['digest']!;
    const attached = result.report!.data['attached'] as { digest: string; via: string }[];
    expect(attached).toHaveLength(1);
    const fallbackTag = `sha256-${digest.replace('sha256:', '')}`;
    expect(attached[0]!.via).toBe(`tag:${fallbackTag}`);
    const { stdout: indexText } = await run('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${registry.address}/team/attested:${fallbackTag}`,
    ]);
    const index = JSON.parse(indexText) as {
      manifests: { digest: string; artifactType: string }[];
    };
    expect(index.manifests.map((entry) => entry.digest)).toEqual([attached[0]!.digest]);
    const { stdout: artifactText } = await run('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${registry.address}/team/attested@${attached[0]!.digest}`,
    ]);
    const artifact = JSON.parse(artifactText) as {
      subject: { digest: string };
      layers: { mediaType: string; annotations: Record<string, string> }[];
    };
    expect(artifact.subject.digest).toBe(digest);
    expect(
      artifact.layers.map((layer) => [
        layer.annotations['org.opencontainers.image.title'],
        layer.mediaType,
      ]),
    ).toEqual([
      ['MODEL_CARD.md', 'text/markdown'],
      ['gate.json', 'application/json'],
    ]);
  });
});

describe('push-image', () => {
  it('promotes by digest to a registry that takes its credentials from the Docker config', async () => {
    const built = await runBuildImage(
      buildInputs({ tag: [`${registry.address}/staging/model:rc`], push: true }),
      deps(),
    );
    const digest = built.outputs!['digest']!;
    const result = await runPushImage(
      {
        from: `${registry.address}/staging/model@${digest}`,
        to: [`${secured.address}/prod/model:1.0`],
        parallel: 3,
        'chunk-size': 16,
        'docker-config': dockerConfig,
      },
      deps(),
    );
    expect(result.outputs).toEqual({ digest });
    const inspected = await skopeoInspect(
      `docker://${secured.address}/prod/model:1.0`,
      '--tls-verify=false',
      '--creds=robot:r0b0t-pw',
    );
    expect(inspected.Digest).toBe(digest);
  });
});
