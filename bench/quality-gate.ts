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

/** Runs of each side; interleaved (and in alternating order) so drift of a shared machine cancels. */
const COLD_START_RUNS = 41;

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
  const entry = path.join(root, 'dist/quality-gate/index.js');
  const bare: number[] = [];
  const action: number[] = [];
  // One warm-up of each: the first spawn pays for the page cache, not for sluice.
  timeCommand(['-e', '0'], {});
  timeCommand([entry], env);
  for (let i = 0; i < COLD_START_RUNS; i++) {
    if (i % 2 === 0) {
      bare.push(timeCommand(['-e', '0'], {}));
      action.push(timeCommand([entry], env));
    } else {
      action.push(timeCommand([entry], env));
      bare.push(timeCommand(['-e', '0'], {}));
    }
  }
  rmSync(dir, { recursive: true, force: true });
  const ratio = median(action) / median(bare);
  const runs = `median of ${COLD_START_RUNS}, interleaved`;
  return [
    {
      name: `cold start: node -e 0 (${runs})`,
      value: median(bare),
      unit: 'ms',
      goal: '',
      met: true,
    },
    {
      name: `cold start: quality-gate action, real run (${runs})`,
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

/**
 * The bundle files an entry loads: with `dynamic`, every chunk it can load (static imports and
 * `import()`), else only what is read before its first line runs. esbuild's minified ESM writes
 * `import{a}from"./x.js"`, `import"./x.js"` (a chunk kept for its side effects),
 * `export*from"./x.js"` and `import("./x.js")`; bare specifiers (node:, externals) are not files.
 */
export function bundleFiles(
  entry: string,
  dynamic: boolean,
  seen = new Set<string>(),
): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  const code = readFileSync(entry, 'utf8');
  const pattern = /\b(from|import)\s*(\(?)\s*["']([./][^"']*\.js)["']/g;
  for (const [, , paren, specifier] of code.matchAll(pattern)) {
    if (paren && !dynamic) continue;
    bundleFiles(path.resolve(path.dirname(entry), specifier!), dynamic, seen);
  }
  return seen;
}

function totalBytes(files: Set<string>): number {
  let total = 0;
  for (const file of files) total += statSync(file).size;
  return total;
}

function bundleSizes(root: string): BenchRow[] {
  const entry = path.join(root, 'dist/quality-gate/index.js');
  const all = bundleFiles(entry, true);
  const start = bundleFiles(entry, false);
  return [
    {
      name: `dist/quality-gate bundle (entry + every chunk it can load: ${all.size} files)`,
      value: totalBytes(all) / 1e6,
      unit: 'MB',
      goal: '≤ 2 MB',
      met: totalBytes(all) <= 2e6,
    },
    {
      name: `dist/quality-gate read at start (entry + its static imports: ${start.size} files)`,
      value: totalBytes(start) / 1e6,
      unit: 'MB',
      goal: '',
      met: true,
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
