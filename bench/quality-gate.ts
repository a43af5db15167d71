/**
 * Issue 2's benchmark, as ratios measured in one run (the machine is shared and noisy):
 * cold start of the action bundle against a bare `node -e 0`, gate + render of 10,000
 * metrics, and the bundle sizes. Issue 10's: `sluice quality-gate` on 1,000,000 metrics against
 * a baseline of as many, its time and peak memory against a floor measured in the same run
 * (a bare `node -e` that JSON.parses the same two files).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { evaluateGate } from '../src/core/gate/evaluate.js';
import { buildGateReport } from '../src/core/gate/report.js';
import { parseRules } from '../src/core/gate/rules.js';
import { parseMetrics } from '../src/core/metrics/parsers-all.js';
import { renderMarkdown } from '../src/core/report/render/markdown.js';

export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  goal: string;
  met: boolean;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function timeCommand(args: string[], env: Record<string, string>): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: 'ignore',
  });
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}`);
  return performance.now() - started;
}

function coldStart(root: string): BenchRow[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-'));
  const metrics = path.join(dir, 'metrics.json');
  writeFileSync(metrics, JSON.stringify({ accuracy: 0.91, f1: 0.8, loss: 0.2 }));
  const env = {
    INPUT_METRICS: metrics,
    INPUT_BASELINE: 'none',
    'INPUT_FAIL-ON-VERDICT': 'true',
    GITHUB_OUTPUT: path.join(dir, 'out'),
    GITHUB_STEP_SUMMARY: path.join(dir, 'summary'),
    RUNNER_TEMP: dir,
  };
  const bare: number[] = [];
  const action: number[] = [];
  for (let i = 0; i < 21; i++) {
    bare.push(timeCommand(['-e', '0'], {}));
    action.push(timeCommand([path.join(root, 'dist/quality-gate/index.js')], env));
  }
  const ratio = median(action) / median(bare);
  return [
    {
      name: 'cold start: node -e 0 (median of 21)',
      value: median(bare),
      unit: 'ms',
      goal: '',
      met: true,
    },
    {
      name: 'cold start: quality-gate action, real run (median of 21)',
      value: median(action),
      unit: 'ms',
      goal: '',
      met: true,
    },
    {
      name: 'cold start ratio action / bare node',
      value: ratio,
      unit: '×',
      goal: '≤ 1.5×',
      met: ratio <= 1.5,
    },
  ];
}

function gate10k(): BenchRow[] {
  const candidate: Record<string, number> = {};
  const baseline: Record<string, number> = {};
  for (let i = 0; i < 10_000; i++) {
    baseline[`slice_${i}.recall`] = 0.5 + (i % 400) / 1000;
    candidate[`slice_${i}.recall`] = 0.5 + ((i * 7) % 400) / 1000;
  }
  const started = performance.now();
  const rules = parseRules('metrics:\n  "*.recall":\n    max_regression: 0.05\n', 'rules.yml');
  const result = evaluateGate(
    [parseMetrics(JSON.stringify(candidate), 'json', 'candidate.json')],
    [parseMetrics(JSON.stringify(baseline), 'json', 'baseline.json')],
    rules,
    'baseline.json',
  );
  const markdown = renderMarkdown(buildGateReport(result, { key: 'quality-gate' }), {
    maxLength: 65_536,
  });
  const elapsed = performance.now() - started;
  return [
    {
      name: 'gate + render of 10,000 metrics',
      value: elapsed,
      unit: 'ms',
      goal: '< 1000 ms',
      met: elapsed < 1000,
    },
    {
      name: 'comment length for 10,000 metrics',
      value: markdown.length,
      unit: 'chars',
      goal: '≤ 65,536',
      met: markdown.length <= 65_536,
    },
  ];
}

/** Bytes of a bundle and every chunk it can load, statically or by import(). */
function reachableBytes(entry: string, seen = new Set<string>()): number {
  if (seen.has(entry)) return 0;
  seen.add(entry);
  const code = readFileSync(entry, 'utf8');
  let total = statSync(entry).size;
  for (const match of code.matchAll(/(?:from|import\()\s*["']([./][^"']+\.js)["']/g)) {
    total += reachableBytes(path.resolve(path.dirname(entry), match[1]!), seen);
  }
  return total;
}

function bundleSizes(root: string): BenchRow[] {
  const size = reachableBytes(path.join(root, 'dist/quality-gate/index.js'));
  return [
    {
      name: 'dist/quality-gate bundle (entry + every chunk it can load)',
      value: size / 1e6,
      unit: 'MB',
      goal: '≤ 2 MB',
      met: size <= 2e6,
    },
  ];
}

/** Wall time (ms) and peak RSS (MB) of one node process, read back from its own exit hook. */
function measure(args: string[], dir: string, cwd: string): { ms: number; mb: number } {
  const hook = path.join(dir, 'peak-rss.mjs');
  const out = path.join(dir, 'peak-rss.txt');
  writeFileSync(
    hook,
    `import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(${JSON.stringify(out)}, String(process.resourceUsage().maxRSS)));\n`,
  );
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--import', hook, ...args], {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 1 << 24,
  });
  const ms = performance.now() - started;
  if (result.status !== 0 && result.status !== 1)
    throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return { ms, mb: Number(readFileSync(out, 'utf8')) / 1024 };
}

const MILLION = 1_000_000;

/** A million metrics against a baseline: a third changed, one in a thousand new or removed. */
function million(root: string): BenchRow[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-1m-'));
  const candidate: string[] = [];
  const baseline: string[] = [];
  for (let i = 0; i < MILLION; i++) {
    const value = (0.5 + (i % 400) / 1000).toFixed(3);
    const changed = i % 3 === 0 ? (0.5 + ((i * 7) % 400) / 1000).toFixed(3) : value;
    if (i % 1000 !== 1) candidate.push(`"eval.slice_${i}.recall": ${changed}`);
    if (i % 1000 !== 2) baseline.push(`"eval.slice_${i}.recall": ${value}`);
  }
  const candidatePath = path.join(dir, 'candidate.json');
  const baselinePath = path.join(dir, 'baseline.json');
  writeFileSync(candidatePath, `{${candidate.join(',\n')}}\n`);
  writeFileSync(baselinePath, `{${baseline.join(',\n')}}\n`);
  candidate.length = 0;
  baseline.length = 0;
  const floor = measure(
    [
      '-e',
      `const fs = require('node:fs'); for (const f of process.argv.slice(1)) JSON.parse(fs.readFileSync(f, 'utf8'));`,
      candidatePath,
      baselinePath,
    ],
    dir,
    root,
  );
  const gate = measure(
    [
      '--import',
      'tsx',
      path.join(root, 'src/entrypoints/cli.ts'),
      'quality-gate',
      '--metrics',
      candidatePath,
      '--baseline',
      `file:${baselinePath}`,
      '--history',
      '0',
    ],
    dir,
    root,
  );
  rmSync(dir, { recursive: true, force: true });
  return [
    {
      name: 'floor: node -e JSON.parse of the 1,000,000-metric candidate and baseline',
      value: floor.ms,
      unit: 'ms',
      goal: '',
      met: true,
    },
    { name: 'floor: its peak RSS', value: floor.mb, unit: 'MB', goal: '', met: true },
    {
      name: 'quality-gate (terminal, from source via tsx) of 1,000,000 metrics vs a baseline',
      value: gate.ms,
      unit: 'ms',
      goal: '',
      met: true,
    },
    {
      name: 'its peak RSS',
      value: gate.mb,
      unit: 'MB',
      goal: '≤ 1024 MB',
      met: gate.mb <= 1024,
    },
    {
      name: 'time ratio quality-gate / floor',
      value: gate.ms / floor.ms,
      unit: '×',
      goal: '',
      met: true,
    },
    {
      name: 'peak RSS ratio quality-gate / floor',
      value: gate.mb / floor.mb,
      unit: '×',
      goal: '',
      met: true,
    },
  ];
}

export function benchQualityGate(root: string): BenchRow[] {
  return [...coldStart(root), ...gate10k(), ...bundleSizes(root), ...million(root)];
}
