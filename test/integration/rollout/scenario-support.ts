/**
 * What the rollout scenarios share: two processes serving the example's scikit-learn model
 * (examples/churn/serve/serve.py, see churn-model.ts) behind the built-in router, the real
 * `sluice rollout` CLI spawned against them (local platform, its state in a temp folder), and the
 * load generator sending traffic through the router (or nginx, HAProxy) for the whole rollout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  startBuiltinRouter,
  type RunningBuiltinRouter,
} from '../../../src/clients/routers/builtin/serve.js';
import { runLoad, type LoadResult } from '../services/load.js';
import type { ModelMode, ModelServer } from '../services/model-server.js';
import { startChurnServer } from './churn-model.js';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = path.join(root, 'src/entrypoints/cli.ts');
/** tsx's loader by file URL: the CLI runs in a temp folder, where `tsx` does not resolve. */
export const tsxLoader = pathToFileURL(path.join(root, 'node_modules/tsx/dist/loader.mjs')).href;

export interface Stack {
  stable: ModelServer;
  canary: ModelServer;
  router: RunningBuiltinRouter;
  dir: string;
  stop(): Promise<void>;
}

/** v1 (stable, healthy) and v2 (the canary, in `canaryMode`) behind a built-in router on v1. */
export async function startStack(canaryMode: ModelMode = { mode: 'healthy' }): Promise<Stack> {
  const [stable, canary] = await Promise.all([
    startChurnServer('v1'),
    startChurnServer('v2', canaryMode),
  ]);
  const router = await startBuiltinRouter({
    versions: { v1: stable.url, v2: canary.url },
    closeGraceMs: 1000,
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-scenario-'));
  return {
    stable,
    canary,
    router,
    dir,
    async stop() {
      await router.close();
      await Promise.all([stable.stop(), canary.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The weights the router reads back through its admin API. */
export async function routerWeights(adminAddress: string): Promise<Record<string, number>> {
  const response = await fetch(`${adminAddress}/state`);
  const state = (await response.json()) as { weights: Record<string, number> };
  return state.weights;
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  child: ChildProcess;
}

/** Spawns `sluice <args>` from source in `cwd`; `done` resolves when it exits. */
export function spawnCli(
  args: string[],
  cwd: string,
): { child: ChildProcess; output: () => string; done: Promise<CliRun> } {
  const child = spawn(process.execPath, ['--import', tsxLoader, cli, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', CI: '', GITHUB_ACTIONS: '', GITLAB_CI: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (stdout += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const done = new Promise<CliRun>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr, child })),
  );
  return { child, output: () => stdout + stderr, done };
}

/** The rollout's JSON report (written with `--output json=report.json`). */
export function readReport(dir: string): {
  verdict: string;
  outputs?: Record<string, string>;
  [key: string]: unknown;
} {
  return JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as {
    verdict: string;
  };
}

/** Where a rollout runs: its folder (spec, state, report) and, by default, the built-in router. */
export interface RolloutPlace {
  dir: string;
  router?: RunningBuiltinRouter;
}

/**
 * Runs `sluice rollout --spec spec.yml` (the spec written into the place's folder) while the load
 * generator sends `rate` req/s of churn-model requests through the router; the load starts
 * before the rollout and ends `tailMs` after it.
 */
export async function rolloutUnderLoad(
  place: RolloutPlace,
  spec: string,
  options: {
    rate?: number;
    tailMs?: number;
    during?: (run: ReturnType<typeof spawnCli>) => Promise<void> | void;
    args?: string[];
    /** Where users' traffic goes (default: the built-in router). */
    target?: string;
    /** How the router is read back at the end (default: the built-in router's admin API). */
    readWeights?: () => Promise<Record<string, number>>;
  } = {},
): Promise<{ run: CliRun; load: LoadResult; weights: Record<string, number>; ms: number }> {
  const target = options.target ?? place.router?.address;
  const readWeights =
    options.readWeights ?? (place.router && (() => routerWeights(place.router!.adminAddress)));
  if (!target || !readWeights) throw new Error('rolloutUnderLoad: no router to send users through');
  writeFileSync(path.join(place.dir, 'spec.yml'), spec);
  let ms = 0;
  const { result: run, load } = await underLoad(
    { url: target, rate: options.rate ?? 100, tailMs: options.tailMs },
    async () => {
      const started = Date.now();
      const cliRun = spawnCli(
        ['rollout', '--spec', 'spec.yml', '--output', 'json=report.json', ...(options.args ?? [])],
        place.dir,
      );
      if (options.during) await options.during(cliRun);
      const done = await cliRun.done;
      ms = Date.now() - started;
      return done;
    },
  );
  return { run, load, weights: await readWeights(), ms };
}

/**
 * Users for as long as `work` runs (and `tailMs` after): consecutive 1 s windows of the load
 * generator at `rate` req/s to `url`, churn-model request bodies, what they saw merged.
 */
export async function underLoad<T>(
  options: { url: string; rate?: number; tailMs?: number },
  work: () => Promise<T>,
): Promise<{ result: T; load: LoadResult }> {
  let stop = false;
  const windows: Promise<LoadResult>[] = [];
  const loop = (async () => {
    while (!stop) {
      const window = runLoad({
        url: options.url,
        durationMs: 1000,
        rate: options.rate ?? 100,
        concurrency: 32,
      });
      windows.push(window);
      await window;
    }
  })();
  try {
    const result = await work();
    await new Promise((resolve) => setTimeout(resolve, options.tailMs ?? 500));
    stop = true;
    await loop;
    return { result, load: mergeLoads(await Promise.all(windows)) };
  } finally {
    stop = true;
    await loop;
  }
}

function mergeLoads(results: LoadResult[]): LoadResult {
  const out: LoadResult = {
    sent: 0,
    ok: 0,
    failures: [],
    byVersion: {},
    latencies: [],
    sequence: [],
    retriedStale: 0,
  };
  for (const r of results) {
    out.sent += r.sent;
    out.ok += r.ok;
    out.failures.push(...r.failures);
    out.retriedStale += r.retriedStale;
    out.latencies.push(...r.latencies.filter((v) => v !== undefined));
    out.sequence.push(...r.sequence.filter((v) => v !== undefined));
    for (const [v, n] of Object.entries(r.byVersion))
      out.byVersion[v] = (out.byVersion[v] ?? 0) + n;
  }
  return out;
}

/** A built-in router spec for the stack, with `body` (providers, templates, steps) appended. */
export function builtinSpec(stack: Stack, body: string): string {
  return `strategy: canary
stable: { name: v1, url: ${stack.stable.url} }
canary: { name: v2, url: ${stack.canary.url} }
router: { type: builtin, admin: ${stack.router.adminAddress} }
${body}`;
}

/** One customer, in train.py's scaled features (the churn model takes four). */
export const PROBE_BODY = '{"features":[0.2,0.4,0.5,1]}';

/** An http-probe provider on both versions, POSTing a prediction request. */
/**
 * The canary the router scenarios run: 20 % then 50 %, each judged by the probe's error rate
 * (a `probe` provider, as probeProvider writes it).
 */
export const ERROR_RATE_STEPS = `templates:
  health:
    metrics:
      - name: error_rate
        provider: probe
        query: error_rate
        interval: 1s
        count: 2
        failureCondition: { max: 0.02 }
steps:
  - setWeight: 20
  - analysis: { templates: [health] }
  - setWeight: 50
  - analysis: { templates: [health] }
`;

export function probeProvider(stack: Stack, rate = 40): string {
  return `probe:
    type: http-probe
    path: /predict
    body: '${PROBE_BODY}'
    rate: ${rate}
    timeout: 2s
    endpoints: { v1: ${stack.stable.url}, v2: ${stack.canary.url} }`;
}
