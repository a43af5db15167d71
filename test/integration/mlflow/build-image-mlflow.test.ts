/**
 * build-image's write-back against a real MLflow tracking server (SQLite backend, 127.0.0.1),
 * seeded by the example's scikit-learn training script with one version of `churn`: a
 * daemonless image written to an OCI layout carries the version in its labels, and the version
 * carries the image's reference and digest in its tags, read back through MLflow's REST API.
 * The CLI runs from source.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OciLayoutSource } from '../../../src/core/image/oci-layout.js';
import { resolveImage } from '../../../src/core/image/platform.js';
import {
  ensureMlflow,
  freePort,
  sluice,
  startMlflow,
  trainAndRegister,
  type MlflowServer,
  type Seeded,
} from './support.js';

let server: MlflowServer;
let seeded: Seeded;
let work: string;

beforeAll(async () => {
  const venv = ensureMlflow();
  server = await startMlflow(venv);
  seeded = await trainAndRegister(server, { model: 'churn', versions: [{ C: 1.0 }], champion: 1 });
  work = mkdtempSync(path.join(tmpdir(), 'sluice-mlflow-image-'));
  mkdirSync(path.join(work, 'model'));
  writeFileSync(path.join(work, 'model', 'weights.bin'), 'weights');
}, 600_000);

afterAll(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const build = (layout: string, version: string) =>
  sluice(
    [
      'build-image',
      '--base',
      'scratch',
      '--model',
      'model',
      '--platform',
      'linux/amd64',
      '--cache-dir',
      'none',
      '--source-date-epoch',
      '1700000000',
      '--output',
      `oci:${layout}:v1`,
      '--mlflow-model-version',
      version,
      '--format',
      'json',
    ],
    { MLFLOW_TRACKING_URI: server.url },
    work,
  );

describe('build-image with mlflow-model-version against a real MLflow server', () => {
  it('labels the image with the version and tags the version with the image and its digest', async () => {
    const layout = path.join(work, 'layout');
    const { code, stdout, stderr } = await build(layout, 'churn/1');
    expect(stderr).not.toMatch(/error/i);
    expect(code).toBe(0);
    const { report } = JSON.parse(stdout) as {
      report: { outputs: { digest: string }; notes: { text: string }[] };
    };
    const digest = report.outputs.digest;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(report.notes.map((note) => note.text).join('\n')).toMatch(
      /Labelled the image with version 1 of `churn` and tagged it in MLflow at 127\.0\.0\.1:\d+: sluice\.image=oci:/,
    );

    const answer = (await (
      await fetch(`${server.url}/api/2.0/mlflow/model-versions/get?name=churn&version=1`)
    ).json()) as { model_version: { tags?: { key: string; value: string }[] } };
    expect(answer.model_version.tags).toEqual(
      expect.arrayContaining([
        { key: 'sluice.image', value: `oci:${layout}:v1` },
        { key: 'sluice.image-digest', value: digest },
      ]),
    );

    const { config } = await resolveImage(new OciLayoutSource(layout, 'v1'), {
      os: 'linux',
      architecture: 'amd64',
    });
    const version = seeded.versions[0]!;
    expect(config.config?.Labels).toMatchObject({
      'io.sluice.model.mlflow-model': 'churn',
      'io.sluice.model.mlflow-version': '1',
      'io.sluice.model.mlflow-model-id': version.model_id,
      'io.sluice.model.mlflow-run-id': version.run_id,
      'org.opencontainers.image.title': 'churn',
      'org.opencontainers.image.version': '1',
    });
  });

  it('models:/churn@champion: the version behind the alias, as MLflow resolves it', async () => {
    const layout = path.join(work, 'alias');
    const { code, stdout, stderr } = await build(layout, 'models:/churn@champion');
    expect(stderr).not.toMatch(/error/i);
    expect(code).toBe(0);
    expect(stdout).toContain('Labelled the image with version 1 of `churn`');
    const { config } = await resolveImage(new OciLayoutSource(layout, 'v1'), {
      os: 'linux',
      architecture: 'amd64',
    });
    expect(config.config?.Labels).toMatchObject({
      'io.sluice.model.mlflow-version': '1',
      'org.opencontainers.image.version': '1',
    });
    const missing = await build(path.join(work, 'no-alias'), 'churn@staging');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/has no alias `staging` on `churn`; nothing was built/);
  });

  it('an unknown version is exit 2 naming it, and nothing is written', async () => {
    const layout = path.join(work, 'missing');
    const { code, stderr } = await build(layout, 'churn/42');
    expect(code).toBe(2);
    expect(stderr).toMatch(/has no version 42 of `churn`; nothing was built/);
    expect(existsSync(layout)).toBe(false);
  });

  it('a server that is down is exit 3 naming it, and nothing is written', async () => {
    const layout = path.join(work, 'down');
    const port = await freePort();
    const { code, stderr } = await sluice(
      [
        'build-image',
        '--base',
        'scratch',
        '--model',
        'model',
        '--output',
        `oci:${layout}:v1`,
        '--mlflow-model-version',
        'churn/1',
      ],
      { MLFLOW_TRACKING_URI: `http://127.0.0.1:${port}` },
      work,
    );
    expect(code).toBe(3);
    expect(stderr).toContain(`127.0.0.1:${port}`);
    expect(existsSync(layout)).toBe(false);
  });
});
