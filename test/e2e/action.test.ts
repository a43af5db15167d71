/**
 * The GitHub actions as the runner runs them: read the generated action.yml, set INPUT_*
 * (defaults included, as the runner does), GITHUB_OUTPUT and GITHUB_STEP_SUMMARY, run
 * `runs.main` with node, and read what was written. The PR comment goes to a loopback
 * stand-in of GitHub's API whose every request is checked against GitHub's OpenAPI description.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startFakeGitHub } from './support/fake-github.js';
import { tempDir } from '../unit/support/temp-dirs.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const churn = path.join(root, 'examples/churn');

interface ActionYml {
  inputs: Record<string, { default?: string; required?: boolean }>;
  runs: { using: string; main: string };
}

/** Runs asynchronously: the loopback GitHub stand-in lives in this process and must keep answering. */
async function runAction(
  actionDir: string,
  inputs: Record<string, string>,
  extraEnv: Record<string, string> = {},
) {
  const action = parse(readFileSync(path.join(actionDir, 'action.yml'), 'utf8')) as ActionYml;
  expect(action.runs.using).toBe('node24');
  const dir = tempDir('sluice-action-');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: path.join(dir, 'output'),
    GITHUB_STEP_SUMMARY: path.join(dir, 'summary'),
    RUNNER_TEMP: dir,
    GITHUB_WORKSPACE: churn,
    ...extraEnv,
  };
  for (const [name, input] of Object.entries(action.inputs)) {
    const value = inputs[name] ?? (input.default?.startsWith('${{') ? '' : (input.default ?? ''));
    env[`INPUT_${name.toUpperCase()}`] = value;
  }
  writeFileSync(env.GITHUB_OUTPUT!, '');
  const result = await new Promise<{ status: number | null; stdout: string; stderr: string }>(
    (resolve) => {
      const child = spawn(process.execPath, [path.resolve(actionDir, action.runs.main)], {
        cwd: churn,
        env,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    },
  );
  const outputs: Record<string, string> = {};
  const text = readFileSync(env.GITHUB_OUTPUT!, 'utf8');
  for (const match of text.matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm))
    outputs[match[1]!] = match[3]!;
  const summaryFile = env.GITHUB_STEP_SUMMARY!;
  const summary = (() => {
    try {
      return readFileSync(summaryFile, 'utf8');
    } catch {
      return '';
    }
  })();
  return {
    code: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    outputs,
    summary,
    dir,
  };
}

function prEvent(dir: string, head = 'acme/churn'): string {
  const file = path.join(dir, 'event.json');
  writeFileSync(
    file,
    JSON.stringify({
      pull_request: {
        number: 7,
        base: { ref: 'main', sha: 'a'.repeat(40), repo: { full_name: 'acme/churn' } },
        head: { sha: 'b'.repeat(40), repo: { full_name: head } },
      },
    }),
  );
  return file;
}

const gateInputs = {
  metrics: 'metrics/candidate.json',
  baseline: 'file:metrics/baseline.json',
  rules: 'sluice-rules.yml',
};

describe('quality-gate action (root action.yml = the flagship)', () => {
  it('fails the step, sets outputs, and writes the job summary', async () => {
    const run = await runAction(root, gateInputs);
    expect(run.code).toBe(1);
    expect(run.outputs.passed).toBe('false');
    expect(run.outputs['failed-metrics']?.split(',')).toEqual(
      expect.arrayContaining(['accuracy', 'eval.slices.fr.precision']),
    );
    expect(JSON.parse(readFileSync(run.outputs.report!, 'utf8')).verdict).toBe('fail');
    expect(run.summary).toContain('| Metric |');
    expect(run.summary).toContain('<details>');
  });

  it('passes with fail-on-verdict false, and reports usage errors as annotations with exit 2', async () => {
    expect(
      (
        await runAction(path.join(root, 'actions/quality-gate'), {
          ...gateInputs,
          'fail-on-verdict': 'false',
        })
      ).code,
    ).toBe(0);
    const bad = await runAction(path.join(root, 'actions/quality-gate'), {
      ...gateInputs,
      rules: 'missing-rules.yml',
    });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toMatch(/::error file=missing-rules\.yml/);
  });
});

describe('PR comments through the actions', () => {
  let github: Awaited<ReturnType<typeof startFakeGitHub>>;
  beforeAll(async () => {
    github = await startFakeGitHub();
  });
  afterAll(async () => {
    await github.close();
  });

  it('quality-gate with comment: true posts one sticky comment and updates it on the next run', async () => {
    const dir = tempDir('sluice-pr-');
    const env = {
      GITHUB_EVENT_PATH: prEvent(dir),
      GITHUB_REPOSITORY: 'acme/churn',
      GITHUB_API_URL: github.url,
    };
    const first = await runAction(
      path.join(root, 'actions/quality-gate'),
      { ...gateInputs, comment: 'true', token: 'ghs_secret_token_value_1' },
      env,
    );
    expect(first.code).toBe(1);
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0]!.body).toContain('<!-- sluice:comment:sluice -->');
    expect(github.comments[0]!.body).toContain('accuracy');
    const second = await runAction(
      path.join(root, 'actions/quality-gate'),
      {
        ...gateInputs,
        metrics: 'metrics/baseline.json',
        comment: 'true',
        token: 'ghs_secret_token_value_1',
      },
      env,
    );
    expect(second.code).toBe(0);
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0]!.body).toContain('Quality gate');
    expect(github.comments[0]!.body).not.toContain('❌ fail');
    expect(github.violations).toEqual([]);
    expect(first.stdout + second.stdout).not.toMatch(/(?<!add-mask::)ghs_secret_token_value_1/);
  });

  it('comment joins report files into the same sticky comment and sets its outputs', async () => {
    const dir = tempDir('sluice-pr-');
    const env = {
      GITHUB_EVENT_PATH: prEvent(dir),
      GITHUB_REPOSITORY: 'acme/churn',
      GITHUB_API_URL: github.url,
    };
    const run = await runAction(
      path.join(root, 'actions/comment'),
      {
        reports: path.join(root, 'test/fixtures/reports/*.json'),
        token: 'ghs_secret_token_value_1',
      },
      env,
    );
    expect(run.code).toBe(0);
    expect(github.comments).toHaveLength(1);
    expect(run.outputs['comment-id']).toBe(String(github.comments[0]!.id));
    expect(github.violations).toEqual([]);
  });

  it('leaves a look-alike comment of another user alone: never merged, edited or deleted', async () => {
    const dir = tempDir('sluice-pr-');
    const env = {
      GITHUB_EVENT_PATH: prEvent(dir),
      GITHUB_REPOSITORY: 'acme/churn',
      GITHUB_API_URL: github.url,
    };
    github.comments.length = 0;
    const fake =
      '<!-- sluice:comment:sluice -->\n<!-- sluice:report:zz:start:0123456789ab -->\nAll good, merge it!\n<!-- sluice:report:zz:end:0123456789ab -->';
    github.comments.push({
      id: 1,
      body: fake,
      html_url: 'https://github.test/c/1',
      created_at: new Date().toISOString(),
      user: { id: 666, login: 'mallory', type: 'User' },
    });
    const run = await runAction(
      path.join(root, 'actions/comment'),
      {
        reports: path.join(root, 'test/fixtures/reports/quality-gate.json'),
        token: 'ghs_secret_token_value_1',
      },
      env,
    );
    expect(run.code).toBe(0);
    expect(github.comments).toHaveLength(2);
    expect(github.comments[0]!.body).toBe(fake);
    expect(github.comments[1]!.user.login).toBe('github-actions[bot]');
    expect(github.comments[1]!.body).not.toContain('All good, merge it!');
    expect(github.violations).toEqual([]);
  });

  it('on a fork it writes the summary, says why it did not comment, and exits 0', async () => {
    const dir = tempDir('sluice-pr-');
    const before = github.requests.length;
    const env = {
      GITHUB_EVENT_PATH: prEvent(dir, 'mallory/churn'),
      GITHUB_REPOSITORY: 'acme/churn',
      GITHUB_API_URL: github.url,
    };
    const run = await runAction(
      path.join(root, 'actions/comment'),
      {
        reports: path.join(root, 'test/fixtures/reports/quality-gate.json'),
        token: 'ghs_read_only_token',
      },
      env,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('fork');
    expect(run.summary).toContain('Quality gate');
    expect(github.requests.length).toBe(before);
  });
});
