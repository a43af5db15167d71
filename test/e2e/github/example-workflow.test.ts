/**
 * The example project's delivery workflow (examples/churn/.github/workflows/deliver.yml) run by a
 * real GitHub Actions runner implementation: act (scripts/install/act.sh), in self-hosted mode
 * (jobs on this machine, no Docker). The GitHub API is a loopback server that checks every
 * request against GitHub's OpenAPI description.
 *
 * act cannot fetch remote actions and its workspace starts empty, so the test runs a prepared
 * copy of the published workflow, changed only where the runner's surroundings differ:
 * `sluice-ml/sluice/actions/<name>@v1` → `./.sluice/actions/<name>` (this checkout's actions and
 * committed dist/ bundles, copied into the project), `actions/checkout` → a copy of the project,
 * `actions/setup-python` → the cached venv with scikit-learn (scripts/install/mlflow.sh), the
 * staging deploy step → the test's own model server, and the staging addresses in rollout.yml →
 * the test's ports. Any other remote action fails the test: the example may not grow one that
 * this test cannot run.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startRegistry, type RunningRegistry } from '../../integration/services/registry.js';
import { startFakeGitHub } from '../support/fake-github.js';

const root = path.resolve(import.meta.dirname, '../../..');
const example = path.join(root, 'examples/churn');
const temp = mkdtempSync(path.join(os.tmpdir(), 'sluice-act-'));
const sluiceCache = process.env.SLUICE_CACHE_DIR || path.join(os.homedir(), '.cache', 'sluice');

let act: string;
let pythonBin: string;
let github: Awaited<ReturnType<typeof startFakeGitHub>>;
let registry: RunningRegistry;
const children: ChildProcess[] = [];

/** The installer's last line names the binary (instant when cached). */
function install(script: string, pattern: RegExp): string {
  const out = execFileSync('bash', [path.join(root, 'scripts/install', script)], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  const match = pattern.exec(out.trim());
  if (!match) throw new Error(`${script} did not name what it installed: ${out}`);
  return match[1]!;
}

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string>;
}
interface Workflow {
  jobs: Record<string, { 'runs-on': unknown; steps: Step[] }>;
}

/** The published workflow, made runnable on this machine (see the file comment). */
function prepareWorkflow(text: string): string {
  const workflow = parse(text) as Workflow;
  for (const job of Object.values(workflow.jobs)) {
    job['runs-on'] = 'ubuntu-latest';
    job.steps = job.steps.map((step): Step => {
      if (step.id === 'deploy-candidate')
        return { ...step, run: 'echo "the test runs the candidate at $SLUICE_TEST_CANDIDATE"' };
      if (!step.uses) return step;
      const sluice = /^sluice-ml\/sluice\/actions\/([a-z-]+)@v1$/.exec(step.uses);
      if (sluice) return { ...step, uses: `./.sluice/actions/${sluice[1]}` };
      if (step.uses.startsWith('actions/checkout@'))
        return { name: 'checkout (a copy)', run: 'cp -a "$SLUICE_TEST_PROJECT/." .' };
      if (step.uses.startsWith('actions/setup-python@'))
        return {
          name: 'setup-python (cached venv)',
          run: 'echo "$SLUICE_TEST_PYTHON" >> "$GITHUB_PATH"',
        };
      throw new Error(`the example uses ${step.uses}, which act cannot fetch here`);
    });
  }
  return stringify(workflow);
}

function git(dir: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'user.name=sluice', '-c', 'user.email=sluice@localhost', ...args],
    { cwd: dir, encoding: 'utf8' },
  ).trim();
}

/** The example as its own repository (origin acme/churn), with sluice's actions inside. */
function makeProject(name: string, ports: { router: number; stable: number; candidate: number }) {
  const dir = path.join(temp, name);
  cpSync(example, dir, { recursive: true });
  for (const part of ['actions', 'dist'])
    cpSync(path.join(root, part), path.join(dir, '.sluice', part), { recursive: true });
  const workflows = path.join(dir, '.github/workflows');
  const deliver = path.join(workflows, 'deliver.yml');
  writeFileSync(deliver, prepareWorkflow(readFileSync(deliver, 'utf8')));
  // Only deliver.yml runs here (the others are tested in fork-safe-workflow.test.ts).
  for (const other of ['model-ci.yml', 'post-comment.yml']) rmSync(path.join(workflows, other));
  const spec = readFileSync(path.join(dir, 'rollout.yml'), 'utf8')
    .replace('127.0.0.1:9901', `127.0.0.1:${ports.router}`)
    .replace('127.0.0.1:8081', `127.0.0.1:${ports.stable}`)
    .replace('127.0.0.1:8082', `127.0.0.1:${ports.candidate}`);
  writeFileSync(path.join(dir, 'rollout.yml'), spec);
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'remote', 'add', 'origin', 'https://github.com/acme/churn.git');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'churn model');
  return dir;
}

interface ActRun {
  status: number | null;
  output: string;
  jobs: Record<string, 'succeeded' | 'failed'>;
  /** Step name (`post <name>` for a post: step) → the outputs it set. */
  outputs: Record<string, Record<string, string>>;
}

/** act runs asynchronously: the fake GitHub API answers from this same process. */
async function runAct(
  dir: string,
  event: 'push' | 'pull_request',
  payload: object,
  vars: Record<string, string>,
): Promise<ActRun> {
  const home = mkdtempSync(path.join(temp, 'home-'));
  const eventFile = path.join(home, 'event.json');
  writeFileSync(eventFile, JSON.stringify(payload));
  const args = [
    event,
    '-e',
    eventFile,
    '-P',
    'ubuntu-latest=-self-hosted',
    '-s',
    'GITHUB_TOKEN=ghs_exampletoken',
  ];
  const env = {
    GITHUB_API_URL: github.url,
    SLUICE_CACHE_DIR: sluiceCache, // the DuckDB module installed by scripts/install/duckdb.sh
    SLUICE_TEST_PROJECT: dir,
    SLUICE_TEST_PYTHON: pythonBin,
    SLUICE_TEST_CANDIDATE: vars.candidate ?? '',
  };
  for (const [name, value] of Object.entries(env)) args.push('--env', `${name}=${value}`);
  for (const [name, value] of Object.entries(vars))
    if (name !== 'candidate') args.push('--var', `${name}=${value}`);
  const child = spawn(act, args, {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      XDG_CACHE_HOME: path.join(home, '.cache'),
      NO_COLOR: '1',
    },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill(), 120_000);
  const status = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  }).finally(() => clearTimeout(timer));
  const jobs: ActRun['jobs'] = {};
  for (const m of output.matchAll(/^\[deliver\/(\S+)\]\s+🏁\s+Job (succeeded|failed)/gmu))
    jobs[m[1]!] = m[2] as 'succeeded' | 'failed';
  // act prints a step's `::set-output::` lines after the line with its result.
  const outputs: Record<string, Record<string, string>> = {};
  const current: Record<string, string> = {};
  for (const line of output.split('\n')) {
    const result =
      /^\[deliver\/(\S+)\]\s+\S+\s+(?:Success|Failure) - (Main|Post) (.+?)(?: \[[^\]]*\])?$/u.exec(
        line,
      );
    if (result) current[result[1]!] = `${result[2] === 'Post' ? 'post ' : ''}${result[3]}`;
    const set = /^\[deliver\/(\S+)\]\s+\S+\s+::set-output:: ([\w-]+)=(.*)$/u.exec(line);
    if (set) (outputs[current[set[1]!] ?? '?'] ??= {})[set[2]!] = set[3]!;
  }
  return { status, output, jobs, outputs };
}

function pullRequest(dir: string, number: number): object {
  const sha = git(dir, 'rev-parse', 'HEAD');
  const repo = { full_name: 'acme/churn', name: 'churn', owner: { login: 'acme' } };
  return {
    number,
    repository: repo,
    pull_request: {
      number,
      head: { ref: 'feature', sha, repo },
      base: { ref: 'main', sha, repo },
    },
  };
}

async function started(child: ChildProcess, pattern: RegExp): Promise<RegExpMatchArray> {
  children.push(child);
  let seen = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${pattern} in: ${seen}`)), 15_000);
    const look = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = pattern.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
  });
}

beforeAll(async () => {
  act = install('act.sh', /^(\/\S+\/act)$/m);
  pythonBin = path.join(install('mlflow.sh', /(?:cached in|in) (\/\S+?)(?: in \d+ s)?$/m), 'bin');
  execFileSync('bash', [path.join(root, 'scripts/install/duckdb.sh')]);
  [github, registry] = await Promise.all([startFakeGitHub(), startRegistry()]);
}, 600_000);

afterAll(async () => {
  for (const child of children) child.kill();
  await Promise.all([github?.close(), registry?.stop()]);
  rmSync(temp, { recursive: true, force: true });
});

const GATE = "Gate the candidate against main's metrics";
const BUILD = 'Build the model image (no daemon; an OCI folder)';
const ROLLOUT = 'Canary to staging (10 % → 50 % → 100 %, rolled back on errors)';

describe('examples/churn deliver.yml under act', () => {
  const noStaging = { router: 1, stable: 1, candidate: 1 };

  it('a pull request: data valid, model trained and gated, one sticky comment, image built; a worse model fails the gate and updates it', async () => {
    const dir = makeProject('pr', noStaging);
    const vars = { BASE_IMAGE: 'scratch' };
    const good = await runAct(dir, 'pull_request', pullRequest(dir, 7), vars);
    expect(good.jobs, good.output).toEqual({ model: 'succeeded' });
    expect(good.outputs[GATE]?.passed).toBe('true');
    expect(good.outputs[BUILD]?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(good.output).toMatch(/wrote metrics\/candidate\.json: accuracy 0\.76/);
    expect(github.violations).toEqual([]);
    expect(good.output).not.toContain('ghs_exampletoken'); // the token never reaches the log
    expect(github.comments).toHaveLength(1);
    const body = github.comments[0]!.body;
    expect(body).toContain('## ✅ Quality gate');
    expect(body).toContain('## ✅ Data validation');
    expect(body).toContain('eval.slices.fr.recall');

    // The pull request's next commit regularises the model into uselessness (C=0.001).
    const train = path.join(dir, 'train.py');
    writeFileSync(
      train,
      readFileSync(train, 'utf8').replace('type=float, default=1.0', 'type=float, default=0.001'),
    );
    git(dir, 'commit', '-qam', 'stronger regularisation');
    const bad = await runAct(dir, 'pull_request', pullRequest(dir, 7), vars);
    expect(bad.jobs, bad.output).toEqual({ model: 'failed' });
    expect(bad.outputs[GATE]?.passed).toBe('false');
    expect(bad.outputs[GATE]?.['failed-metrics']).toContain('f1');
    expect(bad.output).not.toMatch(/Main Build the model image/);
    expect(github.violations).toEqual([]);
    expect(github.comments).toHaveLength(1); // the same comment, updated
    expect(github.comments[0]!.body).toContain('## ❌ Quality gate');
    expect(github.comments[0]!.body).toContain('## ✅ Data validation');
  }, 170_000);

  it('main: the image is pushed, then a canary that errs is rolled back in staging', async () => {
    const server = path.join(example, 'serve/model-server.mjs');
    const [stable, candidate] = await Promise.all([
      started(spawn('node', [server, 'stable']), /listening (\d+)/),
      started(spawn('node', [server, 'candidate', '10']), /listening (\d+)/),
    ]);
    const router = await started(
      spawn('node', [
        path.join(root, 'dist/cli/index.js'),
        'router',
        'serve',
        '--versions',
        `stable=http://127.0.0.1:${stable[1]},candidate=http://127.0.0.1:${candidate[1]}`,
        '--listen',
        '127.0.0.1:0',
        '--admin',
        '127.0.0.1:0',
      ]),
      /admin API on http:\/\/127\.0\.0\.1:(\d+)/,
    );
    const dir = makeProject('main', {
      router: Number(router[1]),
      stable: Number(stable[1]),
      candidate: Number(candidate[1]),
    });
    const sha = git(dir, 'rev-parse', 'HEAD');
    const run = await runAct(
      dir,
      'push',
      { ref: 'refs/heads/main', after: sha, repository: { full_name: 'acme/churn' } },
      { BASE_IMAGE: 'scratch', REGISTRY: registry.address, candidate: `127.0.0.1:${candidate[1]}` },
    );
    expect(run.jobs, run.output).toEqual({ model: 'succeeded', staging: 'failed' });
    const digest = run.outputs[BUILD]?.digest;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(run.outputs['Push it']?.digest).toBe(digest);
    // The post: step finds the rollout ended: it sets no output and writes no report over the
    // rollout's (which says the canary failed).
    expect(run.outputs[`post ${ROLLOUT}`]).toBeUndefined();
    const report = JSON.parse(readFileSync(run.outputs[ROLLOUT]!.report!, 'utf8')) as {
      verdict: string;
    };
    expect(report.verdict).toBe('fail');
    const manifest = await fetch(
      `http://${registry.address}/v2/acme/churn/churn/manifests/${sha}`,
      {
        method: 'HEAD',
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      },
    );
    expect(manifest.headers.get('docker-content-digest')).toBe(digest);
    expect(run.outputs[ROLLOUT]?.outcome).toBe('rolled-back');
    expect(run.output).toMatch(/traffic back on stable \(read back: stable 100 %\)/);
    // The rollout's post: step finds nothing left to undo.
    expect(run.output).toMatch(/rollout post: the last rollout \(candidate\) ended rolled-back/);
    expect(run.outputs[ROLLOUT]?.promoted).toBe('false');
    const state = (await (await fetch(`http://127.0.0.1:${router[1]}/state`)).json()) as {
      weights: Record<string, number>;
    };
    expect(state.weights).toMatchObject({ stable: 100 });
    expect(github.deployments.at(-1)).toMatchObject({ environment: 'staging' });
    expect(github.deployments.at(-1)!.states.at(-1)).toBe('failure');
    expect(github.violations).toEqual([]);
  }, 170_000);
});
