/**
 * `attach` against registries with and without the OCI referrers API, checked with curl and
 * skopeo: go-containerregistry's registry (referrers API on) lists the artifact under
 * `GET /v2/<repo>/referrers/<digest>`; distribution v3 (like 2.8, see commands.test.ts) has no
 * such API, so the artifact is found through the `sha256-<hex>` fallback tag.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandDeps } from '../../../src/core/commands/types.js';
import { ATTESTATION_ARTIFACT_TYPE } from '../../../src/core/image/attestations.js';
import { localDeps, runBuildImage } from '../../unit/image/helpers.js';
import { requireBinary } from '../services/binaries.js';
import { startRegistry, type RunningRegistry } from '../services/registry.js';
import { tempDir } from '../../unit/support/temp-dirs.js';

const run = promisify(execFile);
let repo: string;
let withApi: RunningRegistry;
let v3: RunningRegistry;

function deps(): CommandDeps {
  return localDeps(repo);
}

async function buildAndAttach(address: string, repository: string) {
  const result = await runBuildImage(
    {
      base: 'scratch',
      model: 'model',
      push: true,
      tag: [`${address}/${repository}:1`],
      attach: ['MODEL_CARD.md', 'gate.json'],
      platform: 'linux/amd64',
      'model-path': '/opt/model',
      'code-path': '/opt/app',
      'compression-level': 1,
      parallel: 3,
      'chunk-size': 16,
      'cache-dir': 'none',
      'docker-config': tempDir('sluice-referrers-dc-'),
      'source-date-epoch': 1_700_000_000,
      format: 'json',
    },
    deps(),
  );
  const digest = result.outputs!['digest']!;
  const [attached] = result.report!.data['attached'] as { digest: string; via: string }[];
  return { digest, attached: attached! };
}

/** curl, an independent client: status and body of a GET. */
async function curlGet(url: string, accept: string): Promise<{ status: number; body: string }> {
  const { stdout } = await run('curl', [
    '-sS',
    '-H',
    `accept: ${accept}`,
    '-w',
    '\n%{http_code}',
    url,
  ]);
  const cut = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) };
}

async function artifactSubject(address: string, repository: string, digest: string) {
  const { stdout } = await run('skopeo', [
    'inspect',
    '--raw',
    '--tls-verify=false',
    `docker://${address}/${repository}@${digest}`,
  ]);
  return JSON.parse(stdout) as {
    artifactType: string;
    subject: { digest: string };
    layers: { annotations: Record<string, string> }[];
  };
}

beforeAll(async () => {
  requireBinary('skopeo');
  requireBinary('curl');
  repo = tempDir('sluice-referrers-repo-');
  mkdirSync(join(repo, 'model'));
  writeFileSync(join(repo, 'model', 'model.onnx'), randomBytes(100_000));
  writeFileSync(join(repo, 'MODEL_CARD.md'), '# churn\n');
  writeFileSync(join(repo, 'gate.json'), '{"verdict": "pass"}');
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo });
  [withApi, v3] = await Promise.all([
    startRegistry({ implementation: 'referrers' }),
    startRegistry({ implementation: 'distribution-v3' }),
  ]);
});

afterAll(async () => {
  await Promise.all([withApi?.stop(), v3?.stop()]);
});

describe('attach', () => {
  it('on a registry with the referrers API: listed by GET /v2/<repo>/referrers/<digest>, no fallback tag', async () => {
    const { digest, attached } = await buildAndAttach(withApi.address, 'team/api');
    expect(attached.via).toBe('referrers');
    const listed = await curlGet(
      `http://${withApi.address}/v2/team/api/referrers/${digest}`,
      'application/vnd.oci.image.index.v1+json',
    );
    expect(listed.status).toBe(200);
    const index = JSON.parse(listed.body) as { manifests: { digest: string }[] };
    // Only the digest: this registry reports the config's media type as `artifactType`.
    expect(index.manifests.map((entry) => entry.digest)).toEqual([attached.digest]);
    const fallback = await curlGet(
      `http://${withApi.address}/v2/team/api/manifests/sha256-${digest.slice(7)}`,
      'application/vnd.oci.image.index.v1+json',
    );
    expect(fallback.status).toBe(404);
    const artifact = await artifactSubject(withApi.address, 'team/api', attached.digest);
    expect(artifact.subject.digest).toBe(digest);
    expect(
      artifact.layers.map((layer) => layer.annotations['org.opencontainers.image.title']),
    ).toEqual(['MODEL_CARD.md', 'gate.json']);
  });

  it('on distribution v3 (no referrers API): the sha256-<hex> fallback tag indexes the artifact', async () => {
    const { digest, attached } = await buildAndAttach(v3.address, 'team/fallback');
    const tag = `sha256-${digest.slice(7)}`;
    expect(attached.via).toBe(`tag:${tag}`);
    const api = await curlGet(
      `http://${v3.address}/v2/team/fallback/referrers/${digest}`,
      'application/vnd.oci.image.index.v1+json',
    );
    expect(api.status).toBe(404);
    const { stdout } = await run('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${v3.address}/team/fallback:${tag}`,
    ]);
    const index = JSON.parse(stdout) as { manifests: { digest: string; artifactType: string }[] };
    expect(index.manifests).toEqual([
      expect.objectContaining({ digest: attached.digest, artifactType: ATTESTATION_ARTIFACT_TYPE }),
    ]);
    expect(
      (await artifactSubject(v3.address, 'team/fallback', attached.digest)).subject.digest,
    ).toBe(digest);
    const image = await run('skopeo', [
      'inspect',
      '--tls-verify=false',
      `docker://${v3.address}/team/fallback:1`,
    ]);
    expect((JSON.parse(image.stdout) as { Digest: string }).Digest).toBe(digest);
  });

  it('attaching again adds to the fallback index instead of replacing it', async () => {
    const first = await buildAndAttach(v3.address, 'team/twice');
    writeFileSync(join(repo, 'gate.json'), '{"verdict": "pass", "run": 2}');
    const second = await buildAndAttach(v3.address, 'team/twice');
    expect(second.digest).toBe(first.digest);
    expect(second.attached.digest).not.toBe(first.attached.digest);
    const { stdout } = await run('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${v3.address}/team/twice:sha256-${first.digest.slice(7)}`,
    ]);
    expect(
      (JSON.parse(stdout) as { manifests: { digest: string }[] }).manifests.map((m) => m.digest),
    ).toEqual([first.attached.digest, second.attached.digest]);
  });
});
