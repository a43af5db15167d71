/**
 * The example's training script (examples/churn/train.py, scikit-learn) logs each training to
 * MLflow when MLFLOW_TRACKING_URI is set, against a real `mlflow server` on 127.0.0.1, and
 * writes nothing but files when it is not.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureMlflow, sluice, startMlflow, type MlflowServer } from './support.js';

const root = path.resolve(import.meta.dirname, '../../..');
const train = path.join(root, 'examples/churn/train.py');
const dir = mkdtempSync(path.join(tmpdir(), 'sluice-example-train-'));
let server: MlflowServer;
let python: string;

async function run(args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await promisify(execFile)(python, [train, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: dir, ...env },
    timeout: 120_000,
  });
  return stdout;
}

beforeAll(async () => {
  const venv = ensureMlflow();
  python = path.join(venv, 'bin/python');
  server = await startMlflow(venv);
  await run(['--write-data', 'data/train.csv']);
}, 300_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('examples/churn/train.py', () => {
  it('without MLFLOW_TRACKING_URI: metrics, the model and the predictions, no MLflow run', async () => {
    const out = await run([
      '--out',
      'plain/candidate.json',
      '--model-dir',
      'plain/model',
      '--predictions',
      'plain/predictions.csv',
    ]);
    expect(out).not.toMatch(/MLflow/);
    expect(existsSync(path.join(dir, 'plain/model/model.joblib'))).toBe(true);
    const rows = readFileSync(path.join(dir, 'plain/predictions.csv'), 'utf8').trim().split('\n');
    expect(rows[0]).toBe('id,label,prediction,score,country');
    // The held-out fifth of the 4,000 seeded customers, one row each.
    expect(rows).toHaveLength(801);
    expect(rows[1]).toMatch(/^\d+,[01],[01],0\.\d{6},(US|DE|FR)$/);
    expect(existsSync(path.join(dir, 'plain/mlflow-run-id'))).toBe(false);
  }, 120_000);

  it('with MLFLOW_TRACKING_URI: one run with the parameters, the metrics and the model', async () => {
    const out = await run(
      [
        '--out',
        'logged/candidate.json',
        '--model-dir',
        'logged/model',
        '--predictions',
        'logged/predictions.csv',
      ],
      { MLFLOW_TRACKING_URI: server.url, GITHUB_SHA: 'a'.repeat(40) },
    );
    const runId = readFileSync(path.join(dir, 'logged/mlflow-run-id'), 'utf8').trim();
    expect(out).toContain(`logged MLflow run ${runId}`);
    const metrics = JSON.parse(readFileSync(path.join(dir, 'logged/candidate.json'), 'utf8')) as {
      accuracy: number;
      eval: { slices: { fr: { recall: number } } };
    };
    const response = await fetch(`${server.url}/api/2.0/mlflow/runs/get?run_id=${runId}`);
    const logged = (await response.json()) as {
      run: {
        data: {
          metrics: { key: string; value: number }[];
          params: { key: string; value: string }[];
          tags: { key: string; value: string }[];
        };
        inputs?: unknown;
        outputs?: { model_outputs?: unknown[] };
      };
    };
    const value = (key: string) => logged.run.data.metrics.find((m) => m.key === key)?.value;
    expect(value('accuracy')).toBe(metrics.accuracy);
    expect(value('recall_fr')).toBe(metrics.eval.slices.fr.recall);
    expect(logged.run.data.params).toContainEqual({ key: 'C', value: '1.0' });
    // MLflow 3 records the logged model as an output of the run.
    expect(logged.run.outputs?.model_outputs?.length).toBe(1);
    // The commit CI builds, for `--metrics mlflow:commit:<experiment>`.
    expect(logged.run.data.tags).toContainEqual({
      key: 'mlflow.source.git.commit',
      value: 'a'.repeat(40),
    });

    // The champion's predictions are the baseline of the next gate, example by example: the
    // same seeded model against its own logged predictions flips nothing.
    const gate = await sluice(
      [
        'quality-gate',
        '--predictions',
        path.join(dir, 'plain/predictions.csv'),
        '--baseline-predictions',
        `mlflow:runs:/${runId}`,
        '--score-column',
        'score',
        '--slice-columns',
        'country',
      ],
      { MLFLOW_TRACKING_URI: server.url },
      dir,
    );
    expect(gate.code, gate.stderr + gate.stdout).toBe(0);
    expect(gate.stdout).toContain('predictions.csv');
    expect(gate.stdout).toContain(`run ${runId.slice(0, 7)}: predictions.csv`);
    expect(gate.stdout).toContain('800 examples paired by id');
    expect(gate.stdout).toContain('Flips: 0 examples right → wrong, 0 examples wrong → right');
  }, 180_000);
});
