/**
 * What the rollout scenarios share: two model server processes behind the built-in router, the
 * real `sluice rollout` CLI spawned against them (local platform, its state in a temp folder), and
 * the load generator sending traffic through the router for the whole rollout.
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
import { startModelServer, type ModelMode, type ModelServer } from '../services/model-server.js';

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
    startModelServer('v1'),
    startModelServer('v2', canaryMode),
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

/**
 * Runs `sluice rollout --spec spec.yml` (the spec written into the stack's folder) while the load
 * generator sends `rate` req/s through the router; the load starts before the rollout and ends
 * `tailMs` after it.
 */
export async function rolloutUnderLoad(
  stack: Stack,
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
  writeFileSync(path.join(stack.dir, 'spec.yml'), spec);
  let stopLoad = false;
  const loads: Promise<LoadResult>[] = [];
  const rate = options.rate ?? 100;
  // Consecutive 1 s load windows, so the load lasts exactly as long as the rollout does.
  const loop = (async () => {
    while (!stopLoad) {
      const window = runLoad({
        url: options.target ?? stack.router.address,
        durationMs: 1000,
        rate,
        concurrency: 32,
      });
      loads.push(window);
      await window;
    }
  })();
  const started = Date.now();
  const cliRun = spawnCli(
    ['rollout', '--spec', 'spec.yml', '--output', 'json=report.json', ...(options.args ?? [])],
    stack.dir,
  );
  if (options.during) await options.during(cliRun);
  const run = await cliRun.done;
  const ms = Date.now() - started;
  await new Promise((resolve) => setTimeout(resolve, options.tailMs ?? 500));
  stopLoad = true;
  await loop;
  const results = await Promise.all(loads);
  const load = mergeLoads(results);
  const weights = await (options.readWeights ?? (() => routerWeights(stack.router.adminAddress)))();
  return { run, load, weights, ms };
}

export function mergeLoads(results: LoadResult[]): LoadResult {
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

/** An http-probe provider on both versions, POSTing a prediction request. */
export function probeProvider(stack: Stack, rate = 40): string {
  return `probe:
    type: http-probe
    path: /predict
    body: '{"features":[1,1]}'
    rate: ${rate}
    timeout: 2s
    endpoints: { v1: ${stack.stable.url}, v2: ${stack.canary.url} }`;
}
