/**
 * The validate-data action as a runner runs it, from a copy of dist/ outside the repository:
 * no node_modules beside the bundle, so DuckDB must come from sluice's cache folder (installed
 * there on first use; scripts/install/duckdb.sh warms it). Nothing native is in dist/.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const outside = mkdtempSync(path.join(os.tmpdir(), 'sluice-vd-action-'));

afterAll(() => rmSync(outside, { recursive: true, force: true }));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : [path.join(dir, entry.name)],
  );
}

function runAction(workspace: string, inputs: Record<string, string>) {
  const action = parse(
    readFileSync(path.join(root, 'actions/validate-data/action.yml'), 'utf8'),
  ) as { inputs: Record<string, { default?: string }>; runs: { using: string; main: string } };
  const runnerTemp = mkdtempSync(path.join(outside, 'runner-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? os.homedir(),
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: path.join(runnerTemp, 'output'),
    GITHUB_STEP_SUMMARY: path.join(runnerTemp, 'summary'),
    RUNNER_TEMP: runnerTemp,
    GITHUB_WORKSPACE: workspace,
  };
  if (process.env.SLUICE_CACHE_DIR) env.SLUICE_CACHE_DIR = process.env.SLUICE_CACHE_DIR;
  for (const [name, input] of Object.entries(action.inputs)) {
    const value = inputs[name] ?? (input.default?.startsWith('${{') ? '' : (input.default ?? ''));
    env[`INPUT_${name.toUpperCase()}`] = value;
  }
  writeFileSync(env.GITHUB_OUTPUT!, '');
  // action.yml points at ../../dist/validate-data/index.js: the same layout, copied outside.
  const main = path.join(outside, 'actions', 'validate-data', action.runs.main);
  const result = spawnSync(process.execPath, [main], {
    cwd: workspace,
    env,
    encoding: 'utf8',
    timeout: 300_000,
  });
  const outputs: Record<string, string> = {};
  for (const match of readFileSync(env.GITHUB_OUTPUT!, 'utf8').matchAll(
    /^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm,
  ))
    outputs[match[1]!] = match[3]!;
  const summary = existsSync(env.GITHUB_STEP_SUMMARY!)
    ? readFileSync(env.GITHUB_STEP_SUMMARY!, 'utf8')
    : '';
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, outputs, summary };
}

describe('validate-data action from a copy of dist/ outside the repo', () => {
  cpSync(path.join(root, 'dist'), path.join(outside, 'dist'), { recursive: true });
  const workspace = path.join(outside, 'workspace');
  cpSync(path.join(root, 'examples/churn'), workspace, { recursive: true });

  it('ships no native binary in dist/', () => {
    expect(filesUnder(path.join(outside, 'dist')).filter((f) => f.endsWith('.node'))).toEqual([]);
  });

  it('validates the churn example: drift on, verdict, outputs and step summary', () => {
    const run = runAction(workspace, { data: 'data/current.csv', schema: 'schema.yml' });
    expect(run.stderr).not.toMatch(/cannot install DuckDB/);
    expect([0, 1], run.stdout + run.stderr).toContain(run.code);
    expect(run.outputs['passed']).toMatch(/^(true|false)$/);
    expect(run.code).toBe(run.outputs['passed'] === 'true' ? 0 : 1);
    const report = JSON.parse(readFileSync(run.outputs['report']!, 'utf8')) as {
      verdict: string;
      data?: { checks?: unknown[]; drift?: { method: string }[] };
      checks?: unknown[];
      drift?: { method: string }[];
    };
    const body = report.data ?? report;
    expect(body.checks?.length).toBeGreaterThan(5);
    expect(body.drift?.map((d) => d.method).length).toBe(4);
    expect(run.summary).toContain('Data validation');
    // Markdown escapes the underscore; the profile names every column.
    expect(run.summary).toMatch(/customer\\?_id/);
    // The churn data has two negative spends: an annotation on the schema line of `min: 0`.
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^::error file=schema\.yml,line=7,col=\d+[^:]*::column `monthly_spend` range failed: observed 2 failing rows/m,
    );
  }, 300_000);

  it('a missing data file is exit 2 naming the file', () => {
    const run = runAction(workspace, { data: 'data/nope.csv', schema: 'schema.yml' });
    expect(run.code).toBe(2);
    expect(run.stdout + run.stderr).toContain('data/nope.csv');
  }, 120_000);
});
