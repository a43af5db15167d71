import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactList, removePipelines, ROOT, runPipeline, type PipelineRun } from './pipeline.js';

/** The build-image component's wiring under gitlab-ci-local, with the stand-in CLI. */
const FAKE = join(ROOT, 'test/e2e/gitlab/fixtures/fake-sluice.mjs');

beforeAll(() => {
  const install = spawnSync('bash', [join(ROOT, 'scripts/install/gitlab-ci-local.sh')], {
    encoding: 'utf8',
  });
  expect(install.status, `${install.stdout}${install.stderr}`).toBe(0);
});
afterAll(removePipelines);

describe('GitLab build-image component', () => {
  let run: PipelineRun;
  const seen = (job: string): { env: Record<string, string> } =>
    JSON.parse(
      readFileSync(
        join(run.dir, '.gitlab-ci-local/builds', job, 'sluice-reports/seen-build-image.json'),
        'utf8',
      ),
    );

  beforeAll(() => {
    run = runPipeline({
      ci: [
        'include:',
        '  - local: templates/build-image.yml',
        '    inputs:',
        '      model: model/',
        `      sluice: node ${FAKE}`,
        '  - local: templates/build-image.yml',
        '    inputs:',
        '      job-name: build-no-cache',
        '      model: model/',
        '      cache-dir: none',
        `      sluice: node ${FAKE}`,
        '',
      ].join('\n'),
      files: { 'model/weights.bin': 'w' },
    });
  });

  it('runs with its defaults, passing no report targets as image destinations', () => {
    expect(run.jobs, run.output).toEqual({ 'build-image': 'PASS', 'build-no-cache': 'PASS' });
    expect(seen('build-image').env.SLUICE_OUTPUT).toBe('');
  });

  it('keeps the layer cache in the cached folder, and `cache-dir: none` turns it off', () => {
    expect(seen('build-image').env.SLUICE_CACHE_DIR).toBe(
      join(run.dir, '.gitlab-ci-local/builds/build-image/.sluice-cache/tools'),
    );
    expect(seen('build-no-cache').env.SLUICE_CACHE_DIR).toBe('none');
  });

  it('publishes the report files it asks the command for: dotenv for later jobs', () => {
    expect(seen('build-image').env.SLUICE_REPORT_OUTPUT).toContain(
      'dotenv=sluice-reports/build-image.env',
    );
    expect(artifactList(run, 'build-image')).toContain(
      '.gitlab-ci-reports/dotenv/sluice-reports/build-image.env',
    );
  });
});
