/**
 * .github/workflows/self-test.yml run here the way the GitHub runner runs a job: on a checkout
 * (a copy of the actions, dist/ and the example, committed to a fresh git repository), each
 * `uses: ./…` step from its action.yml (INPUT_* with defaults, GITHUB_OUTPUT, GITHUB_STATE,
 * GITHUB_STEP_SUMMARY, the event payload), each `run:` step with bash -e, `${{ }}` expressions
 * filled in, `if: always()` steps after a failure, `post:` steps at the end in reverse order,
 * and every process a step left behind ended with the job. Third-party steps (checkout) are
 * what the copy stands for. An expression or `if:` this runner does not know fails the test,
 * so the workflow stays within what is run here. GitHub's API is a closed loopback port.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { tempDir } from '../unit/support/temp-dirs.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const workflowText = readFileSync(path.join(root, '.github/workflows/self-test.yml'), 'utf8');

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string | number | boolean>;
  env?: Record<string, string>;
}
interface Job {
  steps: Step[];
  env?: Record<string, string>;
}
interface ActionYml {
  inputs?: Record<string, { default?: string }>;
  runs: { using: string; main: string; post?: string };
}
interface StepResult {
  label: string;
  status: 'success' | 'failure' | 'skipped';
  outputs: Record<string, string>;
  log: string;
}

/** `name=value` lines and `name<<DELIMITER` blocks of a GitHub file command. */
function readFileCommand(file: string): Record<string, string> {
  const values: Record<string, string> = {};
  if (!existsSync(file)) return values;
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const block = /^([^=<]+)<<(.+)$/.exec(line);
    if (block) {
      const end = lines.indexOf(block[2]!, i + 1);
      if (end < 0) throw new Error(`${file}: ${block[1]} block never ends`);
      values[block[1]!] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (line.includes('=')) {
      values[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return values;
}

/** A checkout of this repository's runnable parts, as a fresh one-commit repository. */
function checkout(): { workspace: string; sha: string } {
  const workspace = path.join(tempDir('sluice-self-test-'), 'sluice');
  mkdirSync(workspace);
  for (const part of ['action.yml', 'actions', 'dist', 'examples/churn', 'package.json'])
    cpSync(path.join(root, part), path.join(workspace, part), { recursive: true });
  const git = (...args: string[]) => {
    const result = spawnSync('git', args, { cwd: workspace, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    return result.stdout.trim();
  };
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git(
    '-c',
    'user.name=self-test',
    '-c',
    'user.email=self-test@localhost',
    'commit',
    '-q',
    '-m',
    'checkout',
  );
  return { workspace, sha: git('rev-parse', 'HEAD') };
}

/** Runs one job of the workflow; resolves with every step's result, post steps included. */
async function runJob(workflow: { jobs: Record<string, Job> }, name: string) {
  const job = workflow.jobs[name]!;
  const { workspace, sha } = checkout();
  const runnerTemp = tempDir('sluice-runner-temp-');
  const eventPath = path.join(tempDir('sluice-event-'), 'event.json');
  writeFileSync(eventPath, JSON.stringify({ ref: 'refs/heads/main', after: sha }));
  const base: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? os.homedir(),
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: 'sluice-ml/sluice',
    GITHUB_SHA: sha,
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_REF_TYPE: 'branch',
    GITHUB_RUN_ID: '1',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'http://127.0.0.1:9', // nothing listens there: any API call fails here
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: runnerTemp,
    RUNNER_OS: 'Linux',
    ...(process.env.SLUICE_CACHE_DIR ? { SLUICE_CACHE_DIR: process.env.SLUICE_CACHE_DIR } : {}),
    ...job.env,
  };
  const outputs: Record<string, Record<string, string>> = {};
  const expand = (text: string): string =>
    text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, expression: string) => {
      const step = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expression);
      if (step) return outputs[step[1]!]?.[step[2]!] ?? '';
      if (expression === 'runner.temp') return runnerTemp;
      if (expression === 'github.workspace') return workspace;
      if (expression === 'github.token') return ''; // no token on this machine
      throw new Error(`self-test.yml: this runner does not know \${{ ${expression} }}`);
    });
  const groups: number[] = [];
  const exec = (command: string, args: string[], env: Record<string, string>) =>
    new Promise<{ code: number | null; log: string }>((resolve) => {
      // Its own process group, so what it leaves running can be ended with the job.
      const child = spawn(command, args, { cwd: workspace, env, detached: true });
      if (child.pid) groups.push(child.pid);
      let log = '';
      child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, log });
      });
    });

  const results: StepResult[] = [];
  try {
    const posts: { label: string; main: string; env: Record<string, string> }[] = [];
    let failed = false;
    let index = 0;
    for (const step of job.steps) {
      index += 1;
      const label = step.id ?? step.name ?? step.uses ?? `step ${index}`;
      if (step.if !== undefined && step.if !== 'always()')
        throw new Error(`self-test.yml: this runner does not know if: ${step.if}`);
      if (failed && step.if !== 'always()') {
        results.push({ label, status: 'skipped', outputs: {}, log: '' });
        continue;
      }
      const files = tempDir('sluice-step-');
      const env: Record<string, string> = {
        ...base,
        GITHUB_OUTPUT: path.join(files, 'output'),
        GITHUB_STATE: path.join(files, 'state'),
        GITHUB_STEP_SUMMARY: path.join(files, 'summary'),
      };
      for (const [key, value] of Object.entries(step.env ?? {})) env[key] = expand(String(value));
      for (const file of [env.GITHUB_OUTPUT!, env.GITHUB_STATE!, env.GITHUB_STEP_SUMMARY!])
        writeFileSync(file, '');
      let run: { code: number | null; log: string };
      if (step.run !== undefined) {
        const script = path.join(files, 'script.sh');
        writeFileSync(script, expand(step.run));
        run = await exec('bash', ['--noprofile', '--norc', '-e', script], env);
      } else if (step.uses?.startsWith('./')) {
        const dir = path.join(workspace, step.uses);
        const action = parse(readFileSync(path.join(dir, 'action.yml'), 'utf8')) as ActionYml;
        expect(action.runs.using, step.uses).toBe('node24');
        for (const [input, spec] of Object.entries(action.inputs ?? {})) {
          const given = step.with?.[input];
          env[`INPUT_${input.replace(/ /g, '_').toUpperCase()}`] = expand(
            given !== undefined ? String(given) : (spec.default ?? ''),
          );
        }
        for (const input of Object.keys(step.with ?? {}))
          expect(action.inputs ?? {}, `${step.uses} has an input ${input}`).toHaveProperty(input);
        run = await exec(process.execPath, [path.resolve(dir, action.runs.main)], env);
        if (action.runs.post) posts.push({ label, main: path.resolve(dir, action.runs.post), env });
      } else {
        // A third-party action (checkout): the copied workspace is what it would have made.
        expect(step.uses, 'only actions/checkout is stood in for').toMatch(/^actions\/checkout@/);
        run = { code: 0, log: '' };
      }
      const status = run.code === 0 ? 'success' : 'failure';
      if (status === 'failure') failed = true;
      if (step.id) outputs[step.id] = readFileCommand(env.GITHUB_OUTPUT!);
      results.push({ label, status, outputs: outputs[step.id ?? ''] ?? {}, log: run.log });
    }
    for (const post of posts.reverse()) {
      const state = readFileCommand(post.env.GITHUB_STATE!);
      const env = { ...post.env };
      for (const [key, value] of Object.entries(state)) env[`STATE_${key}`] = value;
      const run = await exec(process.execPath, [post.main], env);
      const status = run.code === 0 ? 'success' : 'failure';
      results.push({ label: `post ${post.label}`, status, outputs: {}, log: run.log });
    }
  } finally {
    // The runner ends what the job's steps left running.
    for (const group of groups) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // the group is gone already
      }
    }
  }
  const report = results.map((r) => `${r.status.padEnd(7)} ${r.label}\n${r.log}`).join('\n');
  return { results, report, workspace };
}

const workflow = parse(workflowText) as { jobs: Record<string, Job> };

beforeAll(() => {
  // The DuckDB module the data actions load on first use (a no-op when it is there).
  const install = spawnSync('bash', [path.join(root, 'scripts/install/duckdb.sh')], {
    encoding: 'utf8',
  });
  expect(install.status, `${install.stdout}${install.stderr}`).toBe(0);
});

describe('self-test.yml, run as the runner runs it', () => {
  it.each(Object.keys(workflow.jobs))('job %s: every step succeeds', async (name) => {
    const { results, report, workspace } = await runJob(workflow, name);
    expect(
      results.filter((r) => r.status !== 'success').map((r) => r.label),
      report,
    ).toEqual([]);
    expect(results.length).toBe(
      workflow.jobs[name]!.steps.length +
        (workflow.jobs[name]!.steps.some((s) => s.uses === './actions/rollout') ? 1 : 0),
    );
    // Nothing a step wrote went into the checkout: reports and images are in RUNNER_TEMP.
    const status = spawnSync('git', ['status', '--porcelain'], {
      cwd: workspace,
      encoding: 'utf8',
    });
    expect(status.stdout, 'files left in the checkout').toBe('');
  });

  it('the results the assertions checked are really there', async () => {
    const { results, report } = await runJob(workflow, 'gate-and-data');
    const byLabel = new Map(results.map((r) => [r.label, r]));
    expect(byLabel.get('gate-same')?.outputs.passed, report).toBe('true');
    expect(byLabel.get('gate')?.outputs.passed).toBe('false');
    expect(byLabel.get('data')?.outputs.passed).toBe('false');
    expect(byLabel.get('data-reference')?.outputs.passed).toBe('true');
    expect(byLabel.get('comment')?.log).toContain('no PR/MR comment written');
  });

  it('a wrong expectation fails its job, and always() steps still run', async () => {
    const broken = parse(
      workflowText.replace('test "$AGAIN" = "$DIGEST"', 'test "$AGAIN" != "$DIGEST"'),
    ) as { jobs: Record<string, Job> };
    const { results } = await runJob(broken, 'images');
    const statuses = results.map((r) => r.status);
    expect(statuses).toContain('failure');
    expect(statuses.at(-1)).toBe('skipped'); // push-image's check, after the failure
    const served = await runJob(
      parse(
        workflowText.replace('test "$OUTCOME" = promoted', 'test "$OUTCOME" = rolled-back'),
      ) as {
        jobs: Record<string, Job>;
      },
      'rollout',
    );
    const check = served.results.find((r) => r.label.startsWith('rollout promoted v2'));
    expect(check?.status).toBe('failure');
    expect(check?.log).toContain('outcome=promoted');
    const stop = served.results.find((r) => r.label === 'stop the servers');
    expect(stop?.status).toBe('success');
  });

  it('refuses an expression it does not run', async () => {
    const unknown = parse(
      workflowText.replace('${{ runner.temp }}/comment.md', '${{ github.event.nope }}/comment.md'),
    ) as { jobs: Record<string, Job> };
    await expect(runJob(unknown, 'gate-and-data')).rejects.toThrow('github.event.nope');
  });
});
