/**
 * The CLI inside a GitLab merge request pipeline (GITLAB_CI=true and the predefined
 * variables), commenting through a loopback stand-in of GitLab's notes API.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitLab } from './support/fake-gitlab.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const churn = path.join(root, 'examples/churn');

function sluice(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'dist/cli/index.js'), ...args], {
      cwd: churn,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('sticky merge request notes on GitLab', () => {
  let gitlab: Awaited<ReturnType<typeof startFakeGitLab>>;
  let mr: Record<string, string>;
  beforeAll(async () => {
    gitlab = await startFakeGitLab();
    mr = {
      GITLAB_CI: 'true',
      CI_API_V4_URL: gitlab.apiUrl,
      CI_PROJECT_ID: '42',
      CI_MERGE_REQUEST_IID: '5',
      CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main',
      CI_JOB_URL: 'https://gitlab.test/acme/churn/-/jobs/1',
    };
  });
  afterAll(() => gitlab.close());

  const gate = [
    'quality-gate',
    '--metrics',
    'metrics/candidate.json',
    '--baseline',
    'file:metrics/baseline.json',
    '--rules',
    'sluice-rules.yml',
    '--comment',
  ];

  it('creates one note with a project token, then updates it', async () => {
    const first = await sluice(gate, { ...mr, SLUICE_GITLAB_TOKEN: 'glpat-secret-value-123' });
    expect(first.code).toBe(1);
    expect(gitlab.notes).toHaveLength(1);
    expect(gitlab.notes[0]!.body).toContain('<!-- sluice:comment:sluice -->');
    const second = await sluice([...gate.slice(0, 2), 'metrics/baseline.json', ...gate.slice(3)], {
      ...mr,
      SLUICE_GITLAB_TOKEN: 'glpat-secret-value-123',
    });
    expect(second.code).toBe(0);
    expect(gitlab.notes).toHaveLength(1);
    expect(gitlab.notes[0]!.body).not.toContain('❌');
    expect(gitlab.requests.every((r) => r.auth === 'private')).toBe(true);
    expect(first.stdout + first.stderr + second.stdout + second.stderr).not.toContain(
      'glpat-secret-value-123',
    );
  });

  it('with only CI_JOB_TOKEN, says it cannot write notes and what to set', async () => {
    // The gate fails here: its verdict keeps exit 1, and the comment's error is still told.
    const failing = await sluice(gate, { ...mr, CI_JOB_TOKEN: 'job-token-value-456' });
    expect(failing.code).toBe(1);
    // A passing gate whose comment cannot be written exits with the comment's error.
    const passing = await sluice([...gate.slice(0, 2), 'metrics/baseline.json', ...gate.slice(3)], {
      ...mr,
      CI_JOB_TOKEN: 'job-token-value-456',
    });
    expect(passing.code).toBe(2);
    for (const run of [failing, passing]) {
      expect(run.stderr).toContain('CI_JOB_TOKEN');
      expect(run.stderr).toContain('SLUICE_GITLAB_TOKEN');
      expect(run.stderr).not.toContain('job-token-value-456');
    }
  });

  it('outside a merge request pipeline it reports without commenting, exit as the verdict says', async () => {
    const { CI_MERGE_REQUEST_IID: _iid, ...branch } = mr;
    const before = gitlab.requests.length;
    const run = await sluice(gate, { ...branch, SLUICE_GITLAB_TOKEN: 'glpat-secret-value-123' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('not a merge request pipeline');
    expect(gitlab.requests.length).toBe(before);
  });
});
