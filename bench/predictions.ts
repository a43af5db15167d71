/**
 * Issue 16's benchmark: `quality-gate --predictions` on BENCH_PREDICTIONS_ROWS (default 10 M)
 * predictions × 2 models with 20 slices and 1,000 bootstrap resamples (accuracy, precision,
 * recall, F1, ROC AUC from a continuous score, McNemar), beside the same computation in Python
 * (bench/predictions.py: pandas + numpy + scikit-learn, run in the venv scripts/install/mlflow.sh
 * makes). The data (Parquet) is generated in a temporary folder, removed after. Goal: ≥ 20×.
 *
 *   npx tsx bench/run.ts predictions                          # 10 M rows
 *   BENCH_PREDICTIONS_ROWS=1000000 npx tsx bench/run.ts predictions
 *   BENCH_PREDICTIONS_PY_MEASURED=20 …   # Python resamples run and timed (default 1000 at
 *                                        # ≤ 100 k rows, else 10); the rest added at that rate
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDuckDbEngine } from '../src/clients/duckdb/engine.js';
import type { BenchRow } from './quality-gate.js';

const RESAMPLES = 1000;
const SLICES = 20;

interface Measured {
  seconds: number;
  rssMb: number;
  stdout: string;
}

/** A command under /usr/bin/time -v: wall time, peak RSS, its standard output. */
function measure(command: string, args: string[], cwd: string): Measured {
  const result = spawnSync('/usr/bin/time', ['-v', command, ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
  });
  const stderr = result.stderr ?? '';
  const status = Number(/Exit status: (\d+)/.exec(stderr)?.[1] ?? result.status);
  // quality-gate exits 1 when the gate fails: still a complete run.
  if (result.error || status > 1)
    throw new Error(
      `${command} ${args.join(' ')} failed:\n${stderr.split('\n').slice(-25).join('\n')}`,
    );
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(
    stderr,
  )!;
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)!;
  return {
    seconds: Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]),
    rssMb: Number(rss[1]) / 1024,
    stdout: result.stdout,
  };
}

/**
 * Two models' predictions on the same examples: a binary label (40 % positive), a continuous
 * score per model (a logistic of the label's signal plus noise; the candidate a little worse in
 * one slice), the prediction `score > 0.5`, and a slice column of 20 values. Uniforms come
 * from hashes of the id, so the files are the same on every run.
 */
export async function generate(dir: string, rows: number): Promise<void> {
  const engine = await createDuckDbEngine();
  try {
    const u = (salt: number) => `((hash(i * ${salt} + ${salt}) % 1000003) + 0.5) / 1000003.0`;
    const normal = (salt: number) => `sqrt(-2 * ln(${u(salt)})) * cos(2 * pi() * ${u(salt + 1)})`;
    const side = (candidate: boolean, file: string) => {
      const signal = candidate ? `CASE WHEN i % ${SLICES} = 3 THEN 0.9 ELSE 1.2 END` : '1.2';
      return `COPY (SELECT i AS id, label, (score > 0.5)::INT AS prediction, score, segment FROM (
        SELECT i, label, 1 / (1 + exp(-(${signal} * (2 * label - 1) + ${normal(candidate ? 11 : 5)}))) AS score,
          'segment-' || lpad((i % ${SLICES})::VARCHAR, 2, '0') AS segment
        FROM (SELECT i, (${u(3)} < 0.4)::INT AS label FROM range(${rows}) t(i)))) TO '${path.join(dir, file)}' (FORMAT parquet)`;
    };
    await engine.query(side(false, 'base.parquet'));
    await engine.query(side(true, 'cand.parquet'));
  } finally {
    await engine.close();
  }
}

/** The Python venv with pandas, numpy, scikit-learn and scipy (mlflow.sh installs it, cached). */
function pythonOf(root: string): string {
  const result = spawnSync('bash', [path.join(root, 'scripts/install/mlflow.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const venv = / in (\/\S+)/.exec(result.stdout.trim().split('\n').at(-1) ?? '')?.[1];
  if (result.status !== 0 || !venv)
    throw new Error(`scripts/install/mlflow.sh failed: ${result.stdout}`);
  return path.join(venv, 'bin', 'python');
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

export async function benchPredictions(root: string): Promise<BenchRow[]> {
  const rows = Number(process.env['BENCH_PREDICTIONS_ROWS'] ?? 10_000_000);
  const measured = Number(
    process.env['BENCH_PREDICTIONS_PY_MEASURED'] ?? (rows <= 100_000 ? RESAMPLES : 10),
  );
  const python = pythonOf(root);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-predictions-'));
  try {
    log(`generating ${rows} predictions × 2 models in ${dir}`);
    await generate(dir, rows);
    log('sluice quality-gate --predictions …');
    const sluice = measure(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(root, 'src/entrypoints/cli.ts'),
        'quality-gate',
        '--predictions',
        path.join(dir, 'cand.parquet'),
        '--baseline-predictions',
        path.join(dir, 'base.parquet'),
        '--score-column',
        'score',
        '--slice-columns',
        'segment',
        '--bootstrap-resamples',
        String(RESAMPLES),
        '--format',
        'json',
      ],
      // tsx resolves from the project.
      root,
    );
    log(`  ${sluice.seconds.toFixed(1)} s, ${sluice.rssMb.toFixed(0)} MB`);
    log(`python (pandas + numpy + scikit-learn), ${measured} of ${RESAMPLES} resamples timed …`);
    const py = measure(
      python,
      [
        path.join(root, 'bench/predictions.py'),
        'base.parquet',
        'cand.parquet',
        '--resamples',
        String(RESAMPLES),
        '--measured',
        String(measured),
      ],
      dir,
    );
    const answer = JSON.parse(py.stdout.trim().split('\n').at(-1)!) as {
      estimated_total_s: number;
      read_s: number;
      point: { baseline: number[]; candidate: number[] };
    };
    log(
      `  ${py.seconds.toFixed(1)} s measured, ${answer.estimated_total_s.toFixed(1)} s for ${RESAMPLES} resamples, ${py.rssMb.toFixed(0)} MB`,
    );
    // Both computed the same thing: the point AUCs agree.
    const report = JSON.parse(sluice.stdout) as {
      predictions: { metrics: { key: string; baseline: number; candidate: number }[] };
    };
    const auc = report.predictions.metrics.find((m) => m.key === 'auc')!;
    const agree =
      Math.abs(auc.baseline - answer.point.baseline[4]!) < 1e-9 &&
      Math.abs(auc.candidate - answer.point.candidate[4]!) < 1e-9;
    if (!agree)
      throw new Error(
        `AUC differs: sluice ${auc.baseline}/${auc.candidate}, python ${answer.point.baseline[4]}/${answer.point.candidate[4]}`,
      );
    const ratio = answer.estimated_total_s / sluice.seconds;
    const size = rows >= 1_000_000 ? `${rows / 1_000_000} M` : `${rows / 1000} k`;
    const what = `${size} predictions × 2 models, ${SLICES} slices, ${RESAMPLES} resamples, AUC + 4 metrics`;
    return [
      {
        name: `predictions: sluice (from source via tsx), ${what}`,
        value: sluice.seconds,
        unit: 's',
        goal: '',
        met: true,
      },
      {
        name: 'predictions: sluice peak RSS',
        value: sluice.rssMb,
        unit: 'MB',
        goal: '',
        met: true,
      },
      {
        name: `predictions: Python (pandas + numpy + scikit-learn)${measured < RESAMPLES ? `, ${measured} resamples timed, the rest at that rate` : ''}`,
        value: answer.estimated_total_s,
        unit: 's',
        goal: '',
        met: true,
      },
      { name: 'predictions: Python peak RSS', value: py.rssMb, unit: 'MB', goal: '', met: true },
      {
        name: 'predictions: time ratio Python / sluice',
        value: ratio,
        unit: '×',
        goal: '≥ 20×',
        met: ratio >= 20,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
