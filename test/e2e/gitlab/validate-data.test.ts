import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DUCKDB_NODE_API_VERSION } from '../../../src/clients/duckdb/load-module.js';
import { removePipelines, ROOT, runPipeline } from './pipeline.js';

/** The validate-data component under gitlab-ci-local with the real CLI and DuckDB from its cache. */
const CLI = join(ROOT, 'dist/cli/index.js');
const churn = (path: string): string => readFileSync(join(ROOT, 'examples/churn', path), 'utf8');
const project = {
  'schema.yml': churn('schema.yml'),
  'data/current.csv': churn('data/current.csv'),
  'data/reference.csv': churn('data/reference.csv'),
  'data/ragged.csv': 'customer_id,country\n1,US\n2\n',
};
const pipeline = (data: string): string =>
  [
    'include:',
    '  - local: templates/validate-data.yml',
    '    inputs:',
    `      data: ${data}`,
    '      schema: schema.yml',
    `      sluice: node ${CLI}`,
    '',
  ].join('\n');

beforeAll(() => {
  const install = spawnSync('bash', [join(ROOT, 'scripts/install/gitlab-ci-local.sh')], {
    encoding: 'utf8',
  });
  expect(install.status, `${install.stdout}${install.stderr}`).toBe(0);
  expect(existsSync(CLI), `${CLI} is missing: run \`npm run build\``).toBe(true);
});
afterAll(removePipelines);

describe('GitLab validate-data component with the real CLI', () => {
  it('checks the churn data, measures drift and keeps every report', () => {
    const run = runPipeline({ ci: pipeline('data/current.csv'), files: project });
    const report = JSON.parse(
      run.artifact('validate-data', 'sluice-reports/validate-data.json') ?? 'null',
    ) as { verdict: string; checks: { status: string }[]; drift: { method: string }[] } | null;
    expect(report, run.output).not.toBeNull();
    // The job's status follows the verdict: exit 1 for failing data, never 2 or 3.
    expect(run.jobs['validate-data'], run.output).toBe(
      report?.verdict === 'pass' ? 'PASS' : 'FAIL',
    );
    expect(report?.checks.length).toBeGreaterThan(5);
    expect(report?.drift.length).toBe(4);
    expect(run.artifact('validate-data', 'sluice-reports/validate-data.junit.xml')).toContain(
      '<testcase',
    );
    // DuckDB went into the folder the component's `cache:` keeps, not into the runner's home.
    const tools = join(run.dir, '.gitlab-ci-local/builds/validate-data/.sluice-cache/tools');
    expect(readdirSync(tools)).toContain(`duckdb-node-api-${DUCKDB_NODE_API_VERSION}`);
  }, 300_000);

  it('fails a ragged CSV naming the file (exit 2)', () => {
    const run = runPipeline({ ci: pipeline('data/ragged.csv'), files: project });
    expect(run.jobs['validate-data'], run.output).toBe('FAIL');
    expect(run.output).toMatch(/validate-data\s+finished in .*FAIL 2\b/);
    expect(run.output).toContain('ragged.csv');
  }, 300_000);
});
