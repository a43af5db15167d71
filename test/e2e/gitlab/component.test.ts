import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactList, removePipelines, ROOT, runPipeline, type PipelineRun } from './pipeline.js';

const FAKE = join(ROOT, 'test/e2e/gitlab/fixtures/fake-sluice.mjs');
const CLI = join(ROOT, 'dist/cli/index.js');
const fixture = (path: string): string => readFileSync(join(ROOT, 'test/fixtures', path), 'utf8');

beforeAll(() => {
  const install = spawnSync('bash', [join(ROOT, 'scripts/install/gitlab-ci-local.sh')], {
    encoding: 'utf8',
  });
  expect(install.status, `${install.stdout}${install.stderr}`).toBe(0);
});
afterAll(removePipelines);

describe('GitLab components wire inputs to sluice (stand-in CLI)', () => {
  let run: PipelineRun;
  let seen: { argv: string[]; env: Record<string, string> };

  beforeAll(() => {
    run = runPipeline({
      ci: [
        'stages: [test, report]',
        'include:',
        '  - local: templates/quality-gate.yml',
        '    inputs:',
        '      metrics: "a.json, b.json"',
        '      baseline: file:base.json',
        '      comment: true',
        '      pull-request: "7"',
        `      sluice: node ${FAKE}`,
        '  - local: templates/comment.yml',
        '    inputs:',
        '      stage: report',
        '      job-name: post-comment',
        '      reports: sluice-reports/quality-gate.json',
        '      token-variable: MY_BOT_TOKEN',
        `      sluice: node ${FAKE}`,
        '',
      ].join('\n'),
      variables: { SLUICE_GITLAB_TOKEN: 'glpat-default-secret', MY_BOT_TOKEN: 'glpat-bot-secret' },
    });
    seen = JSON.parse(
      run.artifact('quality-gate', 'sluice-reports/seen-quality-gate.json') ?? '{}',
    );
  });

  it('runs both jobs, the comment job under its own name and stage', () => {
    expect(run.jobs, run.output).toEqual({ 'quality-gate': 'PASS', 'post-comment': 'PASS' });
    expect(run.output).toMatch(/post-comment\s+starting shell \(report\)/);
  });

  it('runs `sluice <command>` with every input in a SLUICE_* variable', () => {
    expect(seen.argv).toEqual(['quality-gate']);
    expect(seen.env).toMatchObject({
      SLUICE_METRICS: 'a.json, b.json',
      SLUICE_BASELINE: 'file:base.json',
      SLUICE_RULES: '',
      SLUICE_FORMAT: 'terminal',
      SLUICE_COMMENT: 'true',
      SLUICE_FAIL_ON_VERDICT: 'true',
      SLUICE_COMMENT_KEY: 'sluice',
      SLUICE_REPORT_KEY: 'quality-gate',
      SLUICE_PULL_REQUEST: '7',
    });
    expect(seen.env.SLUICE_OUTPUT!.split('\n')).toEqual([
      'json=sluice-reports/quality-gate.json',
      'junit=sluice-reports/quality-gate.junit.xml',
      'openmetrics=sluice-reports/quality-gate.metrics.txt',
      'dotenv=sluice-reports/quality-gate.env',
    ]);
  });

  it('reads the token from the masked variable the input names, never from an input', () => {
    expect(seen.env.SLUICE_TOKEN).toBe('glpat-default-secret');
    expect(
      readFileSync(join(run.dir, '.gitlab-ci-local/expanded-gitlab-ci.yml'), 'utf8'),
    ).not.toContain('glpat-');
  });

  it('keeps the reports as artifacts, with the dotenv report for later jobs', () => {
    expect(artifactList(run, 'quality-gate')).toEqual(
      expect.arrayContaining([
        'sluice-reports/quality-gate.json',
        'sluice-reports/quality-gate.env',
      ]),
    );
    expect(
      run.artifact('quality-gate', '.gitlab-ci-reports/dotenv/sluice-reports/quality-gate.env'),
    ).toBe('SLUICE_VERDICT=fail\n');
  });

  it('keeps the reports when the job fails (artifacts: when: always)', () => {
    const failed = runPipeline({
      ci: `include:\n  - local: templates/quality-gate.yml\n    inputs:\n      metrics: a.json\n      baseline: file:fail.json\n      sluice: node ${FAKE}\n`,
    });
    expect(failed.jobs, failed.output).toEqual({ 'quality-gate': 'FAIL' });
    expect(failed.status).not.toBe(0);
    expect(failed.artifact('quality-gate', 'sluice-reports/quality-gate.json')).toBe(
      '{"verdict":"fail"}\n',
    );
  });

  it('rejects an input its spec does not allow before any job runs', () => {
    const rejected = runPipeline({
      ci: `include:\n  - local: templates/quality-gate.yml\n    inputs:\n      metrics: a.json\n      baseline: svn:trunk\n      sluice: node ${FAKE}\n`,
    });
    expect(rejected.status).not.toBe(0);
    expect(rejected.output).toContain('does not match required regex');
    expect(rejected.jobs).toEqual({});
  });

  it('requires the required inputs', () => {
    // quality-gate takes `metrics` or `predictions` (its command checks one is given):
    // validate-data's `data` is a required input GitLab itself enforces.
    const rejected = runPipeline({ ci: `include:\n  - local: templates/validate-data.yml\n` });
    expect(rejected.status).not.toBe(0);
    expect(rejected.output).toMatch(/data.*required value has not been provided/);
  });
});

describe('GitLab quality-gate component with the real CLI (dist/cli/index.js)', () => {
  const project = {
    'metrics/candidate.json': fixture('metrics/candidate.json'),
    'metrics/candidate-pass.json': fixture('metrics/candidate-pass.json'),
    'metrics/baseline.json': fixture('metrics/baseline.json'),
    'rules.yml': fixture('rules/rules.yml'),
  };
  const pipeline = (candidate: string): string =>
    [
      'stages: [test, report]',
      'include:',
      '  - local: templates/quality-gate.yml',
      '    inputs:',
      `      metrics: metrics/${candidate}`,
      '      baseline: file:metrics/baseline.json',
      '      rules: rules.yml',
      `      sluice: node ${CLI}`,
      '  - local: templates/comment.yml',
      '    inputs:',
      '      stage: report',
      '      reports: sluice-reports/quality-gate.json',
      `      sluice: node ${CLI}`,
      '',
    ].join('\n');

  beforeAll(() => {
    expect(existsSync(CLI), `${CLI} is missing: run \`npm run build\``).toBe(true);
  });

  it.each([
    ['candidate-pass.json', 'PASS', 'pass'],
    ['candidate.json', 'FAIL', 'fail'],
  ])('%s: the job %s and writes every report', (candidate, job, verdict) => {
    const run = runPipeline({ ci: pipeline(candidate), files: project });
    expect(run.jobs['quality-gate'], run.output).toBe(job);
    // A failed gate is exit 1 (verdict), not 2 (usage) or 3 (infrastructure).
    if (job === 'FAIL') expect(run.output).toMatch(/quality-gate\s+finished in .*FAIL 1\b/);
    const report = JSON.parse(
      run.artifact('quality-gate', 'sluice-reports/quality-gate.json') ?? 'null',
    );
    expect(report, run.output).toMatchObject({ verdict });
    expect(report.metrics.length).toBeGreaterThan(0);
    expect(run.artifact('quality-gate', 'sluice-reports/quality-gate.junit.xml')).toContain(
      '<testsuite',
    );
    expect(run.artifact('quality-gate', 'sluice-reports/quality-gate.metrics.txt')).toMatch(/\S/);
    expect(run.artifact('quality-gate', 'sluice-reports/quality-gate.env')).toMatch(/^[A-Z_]+=/m);
    // The comment job runs also after a failed gate (`when: always` by default). No merge
    // request and no token here: it says why it did not comment, exit 0.
    expect(run.jobs.comment, run.output).toBe('PASS');
    expect(run.output).toContain('no PR/MR comment written');
  });
});
