/**
 * The example project's `.gitlab-ci.yml` (examples/churn) run by gitlab-ci-local with the real
 * CLI: training table → validate-data → train → quality-gate → build-image → push-image (a
 * registry on 127.0.0.1) → rollout (a canary that errs, rolled back). The published file
 * includes the components from the project `sluice-ml/sluice`; the run includes this checkout's
 * (`include: local:`) with `sluice: node dist/cli/index.js`, the Python image is the cached venv
 * with scikit-learn (scripts/install/mlflow.sh), the staging host is the test's model servers and
 * router, and the base image is `scratch` (a CI/CD variable): nothing else in the file is changed.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startRegistry, type RunningRegistry } from '../../integration/services/registry.js';
import { artifactList, removePipelines, ROOT, runPipeline, type PipelineRun } from './pipeline.js';

const CLI = join(ROOT, 'dist/cli/index.js');
const EXAMPLE = join(ROOT, 'examples/churn');
const children: ChildProcess[] = [];
let registry: RunningRegistry;
let run: PipelineRun;
let routerAdmin: string;

interface Include {
  project?: string;
  file?: string;
  local?: string;
  ref?: string;
  inputs?: Record<string, unknown>;
}
interface Job {
  image?: string;
  before_script?: string[];
  tags?: string[];
}

/** The published pipeline on this machine (see the file comment). */
function preparePipeline(text: string, python: string): string {
  const ci = parse(text) as Record<string, unknown> & { include: Include[] };
  ci.include = ci.include.map((include) => {
    if (include.project !== 'sluice-ml/sluice' || !include.file)
      throw new Error(`the example includes ${JSON.stringify(include)}, not a sluice component`);
    return {
      local: include.file.replace('gitlab-templates/', 'templates/'),
      inputs: { ...include.inputs, sluice: `node ${CLI}` },
    };
  });
  for (const [name, value] of Object.entries(ci)) {
    const job = value as Job;
    if (typeof job !== 'object' || job === null || Array.isArray(job)) continue;
    if (job.image?.startsWith('python:'))
      job.before_script = [`export PATH="${python}:$PATH"`, ...(job.before_script ?? [])];
    if (name === 'rollout') {
      job.before_script = ['echo "the test runs the candidate"'];
      delete job.tags;
    }
  }
  return stringify(ci);
}

function exampleFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(EXAMPLE, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = relative(EXAMPLE, join(entry.parentPath, entry.name));
    if (path.startsWith('.github/') || path === '.gitlab-ci.yml') continue;
    files[path] = readFileSync(join(EXAMPLE, path), 'utf8');
  }
  return files;
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
  const install = spawnSync('bash', [join(ROOT, 'scripts/install/gitlab-ci-local.sh')], {
    encoding: 'utf8',
  });
  expect(install.status, `${install.stdout}${install.stderr}`).toBe(0);
  const mlflow = execFileSync('bash', [join(ROOT, 'scripts/install/mlflow.sh')], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  const venv = /(?:cached in|in) (\/\S+?)(?: in \d+ s)?$/m.exec(mlflow.trim())?.[1];
  if (!venv) throw new Error(`scripts/install/mlflow.sh did not name its venv: ${mlflow}`);

  registry = await startRegistry();
  const server = join(EXAMPLE, 'serve/model-server.mjs');
  const [stable, candidate] = await Promise.all([
    started(spawn('node', [server, 'stable']), /listening (\d+)/),
    started(spawn('node', [server, 'candidate', '10']), /listening (\d+)/),
  ]);
  const router = await started(
    spawn('node', [
      CLI,
      'router',
      'serve',
      '--versions',
      `stable=http://127.0.0.1:${stable[1]},candidate=http://127.0.0.1:${candidate[1]}`,
      '--listen',
      '127.0.0.1:0',
      '--admin',
      '127.0.0.1:0',
    ]),
    /admin API on (http:\/\/127\.0\.0\.1:\d+)/,
  );
  routerAdmin = router[1]!;
  const files = exampleFiles();
  files['rollout.yml'] = files['rollout.yml']!.replace('http://127.0.0.1:9901', routerAdmin)
    .replace('127.0.0.1:8081', `127.0.0.1:${stable[1]}`)
    .replace('127.0.0.1:8082', `127.0.0.1:${candidate[1]}`);
  run = runPipeline({
    ci: preparePipeline(readFileSync(join(EXAMPLE, '.gitlab-ci.yml'), 'utf8'), join(venv, 'bin')),
    files,
    variables: {
      CI_REGISTRY_IMAGE: `${registry.address}/acme/churn`,
      CI_DEFAULT_BRANCH: 'main',
      BASE_IMAGE: 'scratch', // no registry but the test's here
    },
  });
}, 300_000);

afterAll(async () => {
  for (const child of children) child.kill();
  await registry?.stop();
  removePipelines();
});

describe('examples/churn .gitlab-ci.yml under gitlab-ci-local', () => {
  it('runs every job; the canary that errs is rolled back (the rollout job fails)', () => {
    expect(run.jobs, run.output).toEqual({
      'training-table': 'PASS',
      'validate-data': 'PASS',
      train: 'PASS',
      'quality-gate': 'PASS',
      'build-image': 'PASS',
      'push-image': 'PASS',
      rollout: 'FAIL',
    });
  });

  it('keeps the JUnit, metrics and dotenv reports of each sluice job', () => {
    // (The rollout job's own reports are not among its artifacts under gitlab-ci-local 4.73.0:
    // importing artifacts again for the after_script drops what the script wrote in
    // sluice-reports/. A GitLab runner keeps the folder; the log below shows the verdict.)
    for (const job of ['validate-data', 'quality-gate', 'build-image', 'push-image']) {
      const kept = artifactList(run, job);
      for (const suffix of ['junit.xml', 'metrics.txt', 'env'])
        expect(kept, `${job}: ${kept.join(', ')}`).toContain(`sluice-reports/${job}.${suffix}`);
    }
    const junit = run.artifact('quality-gate', 'sluice-reports/quality-gate.junit.xml') ?? '';
    expect(junit).toMatch(/<testsuite[^>]*failures="0"/);
    expect(junit).toContain('eval.slices.fr.recall');
    const metrics = run.artifact('quality-gate', 'sluice-reports/quality-gate.metrics.txt') ?? '';
    expect(metrics).toMatch(/accuracy/);
    // dotenv: job outputs later jobs (and the environment) can read.
    const dotenv = (job: string) => run.artifact(job, `sluice-reports/${job}.env`) ?? '';
    expect(dotenv('validate-data')).toMatch(/^SLUICE_VALIDATE_DATA_VERDICT=pass$/m);
    expect(dotenv('quality-gate')).toMatch(/^SLUICE_QUALITY_GATE_VERDICT=pass$/m);
    expect(dotenv('build-image')).toMatch(/^SLUICE_BUILD_IMAGE_VERDICT=pass$/m);
    expect(dotenv('push-image')).toMatch(/^SLUICE_PUSH_IMAGE_VERDICT=pass$/m);
    // The after_script's clean-up (nothing left to undo) keeps its report apart: it never
    // replaces the rolled-back rollout's junit / metrics / dotenv with a passing one.
    expect(run.output).toMatch(/rollout\s+> ❌ Rollout of candidate: FAIL/);
    expect(dotenv('rollout')).not.toMatch(/VERDICT=pass/);
    const abort = JSON.parse(
      run.artifact('rollout', 'sluice-reports/rollout-abort.json') ?? 'null',
    ) as { verdict?: string } | null;
    expect(abort?.verdict).toBe('pass');
  });

  it('pushed the image it built, and left all traffic on stable', async () => {
    const built = run.artifact('build-image', 'sluice-reports/build-image.env') ?? '';
    const digest = /^SLUICE_BUILD_IMAGE_DIGEST=(sha256:[0-9a-f]{64})$/m.exec(built)?.[1];
    expect(digest, built).toBeDefined();
    const pushed = run.artifact('push-image', 'sluice-reports/push-image.env') ?? '';
    expect(pushed).toContain(`SLUICE_PUSH_IMAGE_DIGEST=${digest}`);
    const sha = /^CI_COMMIT_SHA=|[0-9a-f]{40}/.exec(
      spawnSync('git', ['rev-parse', 'HEAD'], { cwd: run.dir, encoding: 'utf8' }).stdout,
    )?.[0];
    const manifest = await fetch(
      `http://${registry.address}/v2/acme/churn/churn/manifests/${sha}`,
      {
        method: 'HEAD',
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      },
    );
    expect(manifest.headers.get('docker-content-digest')).toBe(digest);
    const state = (await (await fetch(`${routerAdmin}/state`)).json()) as {
      weights: Record<string, number>;
    };
    expect(state.weights).toMatchObject({ stable: 100 });
    expect(run.output).toMatch(/traffic back on stable \(read back: stable 100 %\)/);
  });
});
