/**
 * The workflow_run half of the fork-safe pattern (examples/churn/.github/workflows/post-comment.yml)
 * trusts nothing from the artifact: its PR-number step is run here with bash and a stand-in `gh`
 * that answers as GitHub's "get a pull request" would.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { tempDir } from '../unit/support/temp-dirs.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const workflow = parse(
  readFileSync(path.join(root, 'examples/churn/.github/workflows/post-comment.yml'), 'utf8'),
) as {
  jobs: { comment: { steps: { id?: string; run?: string; env?: Record<string, string> }[] } };
};
const step = workflow.jobs.comment.steps.find((s) => s.id === 'pr')!;

/** PRs the stand-in knows: number → "head_sha head_repo". */
const pulls: Record<string, string> = {
  '7': 'abc123 someone/fork',
  '8': 'def456 acme/churn',
};

function runStep(artifactNumber: string, headSha: string, headRepo: string) {
  const dir = tempDir('sluice-pr-step-');
  mkdirSync(path.join(dir, 'reports'));
  mkdirSync(path.join(dir, 'bin'));
  writeFileSync(path.join(dir, 'reports/pr-number'), artifactNumber);
  const gh = path.join(dir, 'bin/gh');
  const cases = Object.entries(pulls)
    .map(([n, head]) => `  repos/acme/churn/pulls/${n}) echo '${head}' ;;`)
    .join('\n');
  writeFileSync(
    gh,
    `#!/usr/bin/env bash\n[ "$1" = api ] || exit 2\n[ -n "$GH_TOKEN" ] || exit 4\ncase "$2" in\n${cases}\n  *) echo 'gh: Not Found (HTTP 404)' >&2; exit 1 ;;\nesac\n`,
  );
  chmodSync(gh, 0o755);
  const output = path.join(dir, 'output');
  writeFileSync(output, '');
  const result = spawnSync('bash', ['-e', '-c', step.run!], {
    cwd: dir,
    encoding: 'utf8',
    env: {
      TMPDIR: tmpdir(),
      PATH: `${path.join(dir, 'bin')}:${process.env.PATH ?? ''}`,
      GITHUB_OUTPUT: output,
      GITHUB_REPOSITORY: 'acme/churn',
      GH_TOKEN: 'ghs_x',
      HEAD_SHA: headSha,
      HEAD_REPO: headRepo,
    },
  });
  return { status: result.status, stdout: result.stdout, output: readFileSync(output, 'utf8') };
}

describe('post-comment.yml checks the PR number from the artifact', () => {
  it('passes the env it needs from the workflow_run event, not from the artifact', () => {
    expect(step.env).toMatchObject({
      HEAD_SHA: '${{ github.event.workflow_run.head_sha }}',
      HEAD_REPO: '${{ github.event.workflow_run.head_repository.full_name }}',
    });
    expect(step.run).not.toContain('${{');
  });

  it('posts for the pull request whose head is the commit the run built', () => {
    const result = runStep('7\n', 'abc123', 'someone/fork');
    expect(result.status).toBe(0);
    expect(result.output).toBe('number=7\n');
  });

  it('refuses a number naming another pull request', () => {
    const result = runStep('8', 'abc123', 'someone/fork');
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain('names pull request #8');
    expect(result.output).toBe('');
  });

  it('refuses a number of no pull request, and an empty one', () => {
    expect(runStep('999', 'abc123', 'someone/fork').output).toBe('');
    expect(runStep('999', 'abc123', 'someone/fork').status).not.toBe(0);
    const empty = runStep('x', 'abc123', 'someone/fork');
    expect(empty.status).not.toBe(0);
    expect(empty.stdout).toContain('no pull request number');
  });
});

describe('model-ci.yml keeps the PR number when the gate failed', () => {
  const modelCi = parse(
    readFileSync(path.join(root, 'examples/churn/.github/workflows/model-ci.yml'), 'utf8'),
  ) as {
    jobs: {
      'quality-gate': { steps: { name?: string; if?: string; run?: string; uses?: string }[] };
    };
  };
  const steps = modelCi.jobs['quality-gate'].steps;
  const keep = steps.find((s) => s.run?.includes('pr-number'))!;

  it('writes reports/pr-number even when the gate wrote no report (exit 2: no reports/)', () => {
    const dir = tempDir('sluice-model-ci-');
    const script = keep.run!.replace('${{ github.event.pull_request.number }}', '42');
    const result = spawnSync('bash', ['-e', '-c', script], { cwd: dir, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(path.join(dir, 'reports/pr-number'), 'utf8')).toBe('42\n');
  });

  it('runs that step and the upload after a failing gate', () => {
    expect(keep.if).toBe('always()');
    expect(steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))?.if).toBe('always()');
  });
});
