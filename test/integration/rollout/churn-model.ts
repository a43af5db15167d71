/**
 * The example's real model for the rollout scenarios: examples/churn/train.py (scikit-learn)
 * trains it once per test run (the first test file to ask; the others wait for and reuse the
 * folder, keyed by train.py's content and the venv), and examples/churn/serve/serve.py serves
 * it, as many processes as a scenario needs, each in one of the fault modes.
 * The Python comes from scripts/install/mlflow.sh's venv (it installs scikit-learn for this).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { customerBody } from '../services/load.js';
import type { ModelMode, ModelServer } from '../services/model-server.js';
import { ensureMlflow } from '../mlflow/support.js';
const root = path.resolve(import.meta.dirname, '../../..');
const example = path.join(root, 'examples/churn');
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** One thread for numpy's BLAS: two cores are shared by every process of the run. */
const pythonEnv = (): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: os.tmpdir(),
  TMPDIR: os.tmpdir(),
  PYTHONDONTWRITEBYTECODE: '1',
  OMP_NUM_THREADS: '1',
  OPENBLAS_NUM_THREADS: '1',
});

let python: string | undefined;
export function venvPython(): string {
  python ??= path.join(ensureMlflow(), 'bin/python');
  return python;
}

let trained: Promise<string> | undefined;

/**
 * The folder holding model.joblib and features.json, trained by train.py on its seeded table.
 * Made in a private folder and renamed into place, so test files running at once never see half
 * a model; the one that loses the race drops its copy.
 */
export function churnModelDir(): Promise<string> {
  trained ??= (async () => {
    const py = venvPython();
    const key = createHash('sha256')
      .update(readFileSync(path.join(example, 'train.py')))
      .update(py)
      .digest('hex')
      .slice(0, 16);
    const cache = path.join(root, '.tmp', `churn-model-${key}`);
    if (existsSync(path.join(cache, 'model.joblib'))) return cache;
    mkdirSync(path.dirname(cache), { recursive: true });
    const work = `${cache}.${process.pid}.partial`;
    rmSync(work, { recursive: true, force: true });
    const run = (args: string[]) =>
      promisify(execFile)(py, [path.join(example, 'train.py'), ...args], {
        cwd: work,
        env: pythonEnv(),
        timeout: 120_000,
      });
    mkdirSync(work, { recursive: true });
    try {
      await run(['--write-data', 'train.csv']);
      await run(['--data', 'train.csv', '--out', 'metrics.json', '--model-dir', 'model']);
      try {
        renameSync(path.join(work, 'model'), cache);
      } catch (error) {
        // Another test file renamed its (identical, seeded) model there first.
        if (!existsSync(path.join(cache, 'model.joblib'))) throw error;
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    return cache;
  })();
  return trained;
}

/** serve.py's flags for a fault mode. */
function serveFlags(mode: ModelMode): string[] {
  switch (mode.mode) {
    case 'healthy':
      return [];
    case 'errors':
      return ['--errors', String(mode.errorRate)];
    case 'slow':
      return ['--latency-ms', String(mode.latencyMs)];
    case 'crash':
      return ['--crash-after', String(mode.crashAfter)];
    case 'wrong':
      return ['--flip'];
  }
}

/** A request body the churn model takes: train.py's four scaled features, varied by `index`. */
export const churnBody = customerBody;

/** serve.py on a free 127.0.0.1 port, answering as `name`, in `mode`. */
export async function startChurnServer(
  name: string,
  mode: ModelMode = { mode: 'healthy' },
): Promise<ModelServer> {
  const modelDir = await churnModelDir();
  const child = spawn(
    venvPython(),
    [
      path.join(example, 'serve/serve.py'),
      '--model-dir',
      modelDir,
      '--version',
      name,
      ...serveFlags(mode),
    ],
    { env: pythonEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  let exited = false;
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    if (stderr.length < 8192) stderr += text;
  });
  child.once('exit', () => {
    exited = true;
    running.delete(child);
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve.py ${name} did not listen within 30 s: ${stderr}`));
    }, 30_000);
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      const match = /listening (\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve.py ${name} exited with ${code} before listening: ${stderr}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    name,
    port,
    url,
    pid: child.pid!,
    alive: () => !exited,
    setMode() {
      return Promise.reject(new Error('serve.py takes its mode at start (flags)'));
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
