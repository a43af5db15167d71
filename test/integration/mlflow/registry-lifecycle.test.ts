/**
 * The MLflow endpoints that write back and search, each in the use a registry user expects, on a
 * real `mlflow server` seeded by the scikit-learn training script (versions 1 and 2 registered
 * from their logged models, `champion` on 1; version 3 registered from `runs:/<run>/model`, with
 * no `model_id`):
 * - `sluice rollout --mlflow-challenger-alias` sets the alias on the canary's version as the
 *   rollout starts and DELETEs it when it ends (promoted, rolled back, or left unfinished and
 *   aborted), through the built-in router in front of two model servers;
 * - `quality-gate --mlflow-tag-version` writes `sluice.gate.failed` on a failing gate, and a
 *   later passing gate deletes it (model-versions/delete-tag);
 * - a version without `model_id` is gated on the metrics of the logged model its run logged,
 *   found with logged-models/search.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  startBuiltinRouter,
  type RunningBuiltinRouter,
} from '../../../src/clients/routers/builtin/serve.js';
import { startModelServer, type ModelServer } from '../services/model-server.js';
import {
  ensureMlflow,
  sluice,
  startMlflow,
  trainAndRegister,
  type MlflowServer,
  type Seeded,
} from './support.js';

let server: MlflowServer;
let seeded: Seeded;
let work: string;

beforeAll(async () => {
  const venv = ensureMlflow();
  server = await startMlflow(venv);
  work = mkdtempSync(path.join(tmpdir(), 'sluice-mlflow-life-'));
  seeded = await trainAndRegister(server, {
    model: 'churn',
    versions: [{ C: 1.0 }, { C: 0.5 }, { C: 0.2, register: 'run' }],
    champion: 1,
  });
}, 600_000);

afterAll(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const root = path.resolve(import.meta.dirname, '../../..');
const tsxLoader = pathToFileURL(path.join(root, 'node_modules/tsx/dist/loader.mjs')).href;

/** `sluice <args>` from source, running: the test watches MLflow meanwhile (or kills it). */
function start(args: string[], cwd: string) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(MLFLOW_|GITHUB_|GITLAB_|CI)/.test(key)),
  );
  const child = spawn(
    process.execPath,
    ['--import', tsxLoader, path.join(root, 'src/entrypoints/cli.ts'), ...args],
    {
      cwd,
      env: { ...clean, NO_COLOR: '1', MLFLOW_TRACKING_URI: server.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (output += t));
  child.stderr.setEncoding('utf8').on('data', (t: string) => (output += t));
  let finished = false;
  const done = new Promise<{ code: number | null; output: string }>((resolve) =>
    child.once('close', (code) => {
      finished = true;
      resolve({ code, output });
    }),
  );
  return { child, done, finished: () => finished, output: () => output };
}

const api = (route: string) => `${server.url}/api/2.0/mlflow/${route}`;

/** The version an alias points at, or undefined when the model has no such alias. */
async function aliasVersion(alias: string): Promise<string | undefined> {
  const response = await fetch(api(`registered-models/alias?name=churn&alias=${alias}`));
  if (!response.ok) return undefined;
  const body = (await response.json()) as { model_version: { version: string } };
  return body.model_version.version;
}

async function versionTags(version: string): Promise<Record<string, string>> {
  const response = await fetch(api(`model-versions/get?name=churn&version=${version}`));
  const body = (await response.json()) as {
    model_version: { tags?: { key: string; value: string }[] };
  };
  return Object.fromEntries((body.model_version.tags ?? []).map((t) => [t.key, t.value]));
}

async function setAlias(alias: string, version: string): Promise<void> {
  const response = await fetch(api('registered-models/alias'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'churn', alias, version }),
  });
  expect(response.ok).toBe(true);
}

describe('rollout --mlflow-challenger-alias', () => {
  let stable: ModelServer;
  let canary: ModelServer;
  let router: RunningBuiltinRouter;
  let dir: string;

  afterEach(async () => {
    await router?.close();
    await Promise.all([stable?.stop(), canary?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function stack(canaryFails: boolean) {
    [stable, canary] = await Promise.all([
      startModelServer('v1'),
      startModelServer(
        'v2',
        canaryFails ? { mode: 'errors', errorRate: 100 } : { mode: 'healthy' },
      ),
    ]);
    router = await startBuiltinRouter({
      versions: { v1: stable.url, v2: canary.url },
      closeGraceMs: 200,
    });
    dir = mkdtempSync(path.join(tmpdir(), 'sluice-mlflow-rollout-'));
  }

  /** Canary at 50 %, a pause (long when the test kills the run), an error-rate analysis. */
  function spec(pause: string): string {
    return `strategy: canary
stable: { name: v1, url: ${stable.url} }
canary: { name: v2, url: ${canary.url} }
router: { type: builtin, admin: ${router.adminAddress} }
providers:
  probe:
    type: http-probe
    rate: 20
    timeout: 2s
    endpoints: { v1: ${stable.url}, v2: ${canary.url} }
templates:
  health:
    metrics:
      - { name: error_rate, provider: probe, query: error_rate, interval: 1s, count: 1, failureCondition: { max: 0.05 } }
steps:
  - setWeight: 50
  - pause: ${pause}
  - analysis: { templates: [health] }
`;
  }

  /** Runs the rollout, watching the challenger alias while it runs; its report's notes. */
  async function rollout(args: string[]) {
    writeFileSync(path.join(dir, 'spec.yml'), spec('2s'));
    const run = start(
      ['rollout', '--spec', 'spec.yml', '--output', 'json=report.json', ...args],
      dir,
    );
    const seen = new Set<string>();
    while (!run.finished()) {
      const version = await aliasVersion('challenger');
      if (version) seen.add(version);
      await new Promise((r) => setTimeout(r, 200));
    }
    const result = await run.done;
    const document = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as {
      report: { notes: { text: string }[] };
    };
    return { result, seen, notes: document.report.notes.map((n) => n.text).join('\n') };
  }

  it('promoted: challenger on version 2 while it ran, then removed; champion moved to 2', async () => {
    await stack(false);
    await setAlias('champion', '1');
    const { result, seen, notes } = await rollout([
      '--mlflow-promote-alias',
      'churn@champion=2',
      '--mlflow-challenger-alias',
      'challenger',
    ]);
    expect(result.code, result.output).toBe(0);
    expect([...seen]).toEqual(['2']);
    expect(await aliasVersion('challenger')).toBeUndefined();
    expect(await aliasVersion('champion')).toBe('2');
    expect(notes).toMatch(/set `churn@challenger` to version 2 for the rollout/);
    expect(notes).toMatch(/moved `churn@champion` from version 1 to version 2/);
    expect(notes).toMatch(/removed `churn@challenger` \(version 2\): the rollout is over/);
  });

  it('rolled back: challenger removed, champion left on version 1', async () => {
    await stack(true);
    await setAlias('champion', '1');
    const { result, seen, notes } = await rollout([
      '--mlflow-promote-alias',
      'churn@champion=2',
      '--mlflow-challenger-alias',
      'challenger',
    ]);
    expect(result.code, result.output).toBe(1);
    expect([...seen]).toEqual(['2']);
    expect(await aliasVersion('challenger')).toBeUndefined();
    expect(await aliasVersion('champion')).toBe('1');
    expect(notes).toMatch(/`churn@champion` left where it was/);
    expect(notes).toMatch(/removed `churn@challenger` \(version 2\)/);
  });

  it('killed mid-rollout: `sluice rollout abort` puts traffic back and removes the challenger', async () => {
    await stack(false);
    writeFileSync(path.join(dir, 'spec.yml'), spec('10m'));
    const run = start(
      ['rollout', '--spec', 'spec.yml', '--mlflow-challenger-alias', 'churn@challenger=2'],
      dir,
    );
    const weights = async () =>
      (
        (await (await fetch(`${router.adminAddress}/state`)).json()) as {
          weights: Record<string, number>;
        }
      ).weights;
    const deadline = Date.now() + 60_000;
    // The canary has its share (the alias was set before traffic moved): kill the job the way
    // a runner's cancel without a grace period does.
    while ((await weights()).v2 !== 50) {
      if (Date.now() > deadline || run.finished())
        throw new Error(`never at 50 %: ${run.output()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await aliasVersion('challenger')).toBe('2');
    run.child.kill('SIGKILL');
    await run.done;
    expect(await aliasVersion('challenger')).toBe('2');
    const abort = await sluice(['rollout', 'abort'], { MLFLOW_TRACKING_URI: server.url }, dir);
    expect(abort.code, abort.stdout + abort.stderr).toBe(0);
    expect(await aliasVersion('challenger')).toBeUndefined();
    expect(abort.stdout + abort.stderr).toMatch(/removed `churn@challenger` \(version 2\)/);
    expect(await weights()).toEqual({ v1: 100, v2: 0 });
  });
});

describe('quality-gate --mlflow-tag-version: stale failures', () => {
  it('a failing gate tags sluice.gate.failed; a later passing gate of the version removes it', async () => {
    writeFileSync(path.join(work, 'strict.yml'), 'metrics:\n  accuracy: {min: 0.999}\n');
    writeFileSync(path.join(work, 'loose.yml'), 'metrics:\n  accuracy: {min: 0.1}\n');
    const gate = (rules: string) =>
      sluice(
        [
          'quality-gate',
          '--metrics',
          'mlflow:churn/2',
          '--baseline',
          'none',
          '--rules',
          rules,
          '--mlflow-tag-version',
          'candidate',
        ],
        { MLFLOW_TRACKING_URI: server.url },
        work,
      );
    const failed = await gate('strict.yml');
    expect(failed.code, failed.stderr).toBe(1);
    expect(await versionTags('2')).toMatchObject({
      'sluice.gate': 'failed',
      'sluice.gate.failed': 'accuracy',
    });
    const passed = await gate('loose.yml');
    expect(passed.code, passed.stderr).toBe(0);
    const tags = await versionTags('2');
    expect(tags['sluice.gate']).toBe('passed');
    expect(tags).not.toHaveProperty('sluice.gate.failed');
    expect(passed.stdout).toMatch(
      /removed sluice\.gate\.failed=accuracy \(an earlier gate's failures, which no longer hold\)/,
    );
  });
});

describe('a version registered from runs:/<run>/model (no model_id)', () => {
  it("is gated on its run's logged model, found by logged-models/search", async () => {
    const v3 = seeded.versions[2]!;
    expect(v3.registered_model_id ?? undefined).toBeUndefined();
    const result = await sluice(
      ['quality-gate', '--metrics', 'mlflow:churn/3', '--baseline', 'none', '--format', 'json'],
      { MLFLOW_TRACKING_URI: server.url },
      work,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      `logged model ${v3.model_id} (logged by run ${v3.run_id} as \`model\`; the version has no model_id)`,
    );
    expect(result.stdout).toContain(String(v3.metrics.accuracy));
  });
});
