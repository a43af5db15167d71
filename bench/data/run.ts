/**
 * Issue 3's benchmark: validate-data (full checks, profile and drift against a reference of
 * the same size) on BENCH_ROWS rows × 12 columns as CSV and Parquet; beside it, on a
 * BENCH_SUBSET-row subset, the same work by Great Expectations, pandera and Evidently (each in
 * its own venv from bench/data/setup-peers.sh) and a raw DuckDB scan of the same files (the
 * floor). Every run is a child process under /usr/bin/time -v, for wall time and peak RSS.
 *
 *   npx tsx bench/data/run.ts            # BENCH_ROWS=10000000 BENCH_SUBSET=2000000 by default
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from '../quality-gate.js';
import { generate } from './generate.js';

interface Measured {
  seconds: number;
  rssMb: number;
  ok: boolean;
  note?: string;
}

/** Runs a command under /usr/bin/time -v; stdout is dropped (the JSON report of a 10 M-row run). */
function measure(command: string, args: string[], cwd: string, timeoutS = 1200): Measured {
  const result = spawnSync('/usr/bin/time', ['-v', command, ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: timeoutS * 1000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const stderr = result.stderr ?? '';
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(
    stderr,
  );
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  const seconds = wall
    ? Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3])
    : timeoutS;
  // validate-data exits 1 when the data fails its checks: still a complete run.
  const status = /Exit status: (\d+)/.exec(stderr)?.[1];
  const ok = result.error === undefined && (status === undefined || Number(status) <= 1);
  return {
    seconds,
    rssMb: rss ? Number(rss[1]) / 1024 : Number.NaN,
    ok,
    ...(ok
      ? {}
      : { note: result.error ? String(result.error) : stderr.split('\n').slice(-15).join('\n') }),
  };
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

export async function benchData(root: string): Promise<BenchRow[]> {
  const rows = Number(process.env['BENCH_ROWS'] ?? 10_000_000);
  const subset = Number(process.env['BENCH_SUBSET'] ?? 2_000_000);
  const dir = path.join(root, '.tmp', 'bench-data');
  log(`generating ${rows} + ${subset} rows into ${dir} (reused when present)…`);
  const files = await generate(dir, rows, subset);

  // The CLI bundle of the current sources, built beside the data (dist/ is the lead's).
  const cliDir = path.join(dir, 'cli');
  const build = spawnSync(
    process.execPath,
    [
      'scripts/build.mjs',
      '--out',
      path.relative(root, cliDir),
      '--entry',
      'cli=src/entrypoints/cli.ts',
    ],
    { cwd: root, stdio: 'inherit' },
  );
  if (build.status !== 0) throw new Error('building the CLI bundle failed');
  const cli = path.join(cliDir, 'cli', 'index.js');
  const sluice = (data: string, reference: string): Measured =>
    measure(
      process.execPath,
      [
        cli,
        'validate-data',
        '--data',
        data,
        '--schema',
        files.schema,
        '--reference',
        reference,
        '--format',
        'json',
      ],
      root,
    );
  const raw = (data: string, reference: string): Measured =>
    measure(process.execPath, ['--import', 'tsx', 'bench/data/raw-scan.ts', data, reference], root);

  const out: BenchRow[] = [];
  const results: Record<string, Measured> = {};
  const run = (name: string, work: () => Measured): Measured => {
    log(`${name}…`);
    const m = work();
    results[name] = m;
    log(
      `  ${m.ok ? '' : 'FAILED '}${m.seconds.toFixed(1)} s, peak RSS ${m.rssMb.toFixed(0)} MB${m.note ? `\n${m.note}` : ''}`,
    );
    return m;
  };

  const csv = run(`sluice CSV ${rows}`, () => sluice(files.csv, files.referenceCsv));
  const parquet = run(`sluice Parquet ${rows}`, () =>
    sluice(files.parquet, files.referenceParquet),
  );
  const rawCsv = run(`raw DuckDB scan CSV ${rows}`, () => raw(files.csv, files.referenceCsv));
  const rawParquet = run(`raw DuckDB scan Parquet ${rows}`, () =>
    raw(files.parquet, files.referenceParquet),
  );
  const small = run(`sluice CSV ${subset}`, () =>
    sluice(files.subsetCsv, files.subsetReferenceCsv),
  );

  const peers: [string, string, string[]][] = [
    ['great_expectations', 'gx_check.py', [files.subsetCsv]],
    ['pandera', 'pandera_check.py', [files.subsetCsv]],
    ['evidently', 'evidently_check.py', [files.subsetCsv, files.subsetReferenceCsv]],
  ];
  const peerTimes: { name: string; perRow: number }[] = [];
  // BENCH_PEERS=skip: only validate-data and the raw scans (the peers' numbers do not change).
  for (const [name, script, args] of process.env['BENCH_PEERS'] === 'skip' ? [] : peers) {
    const python = path.join(root, '.tmp', 'bench-peers', name, 'bin', 'python');
    if (!existsSync(python)) {
      log(`${name}: not installed (bench/data/setup-peers.sh); skipped`);
      continue;
    }
    const m = run(`${name} ${subset}`, () =>
      measure(
        python,
        [path.join('bench/data/peers', script), ...args],
        root,
        Number(process.env['PEER_TIMEOUT_S'] ?? 900),
      ),
    );
    if (m.ok) peerTimes.push({ name, perRow: m.seconds / subset });
    else if (m.note?.includes('ETIMEDOUT')) peerTimes.push({ name, perRow: m.seconds / subset });
    out.push({ name: `${name}, ${subset} rows`, value: m.seconds, unit: 's', goal: '', met: true });
    out.push({ name: `${name} peak RSS`, value: m.rssMb, unit: 'MB', goal: '', met: true });
  }

  const perRow = csv.seconds / rows;
  out.unshift(
    {
      name: `validate-data CSV, ${rows} rows + ${rows}-row reference`,
      value: csv.seconds,
      unit: 's',
      goal: '',
      met: csv.ok,
    },
    {
      name: `validate-data Parquet, ${rows} + ${rows} rows`,
      value: parquet.seconds,
      unit: 's',
      goal: '',
      met: parquet.ok,
    },
    {
      name: `validate-data CSV, ${subset} + ${subset} rows`,
      value: small.seconds,
      unit: 's',
      goal: '',
      met: small.ok,
    },
    {
      name: `raw DuckDB scan of both CSV files`,
      value: rawCsv.seconds,
      unit: 's',
      goal: '',
      met: rawCsv.ok,
    },
    {
      name: `raw DuckDB scan of both Parquet files`,
      value: rawParquet.seconds,
      unit: 's',
      goal: '',
      met: rawParquet.ok,
    },
    {
      name: 'CSV vs raw scan',
      value: csv.seconds / rawCsv.seconds,
      unit: '×',
      goal: '≤ 1.5',
      met: csv.seconds / rawCsv.seconds <= 1.5,
    },
    {
      name: 'Parquet vs raw scan',
      value: parquet.seconds / rawParquet.seconds,
      unit: '×',
      goal: '≤ 1.5',
      met: parquet.seconds / rawParquet.seconds <= 1.5,
    },
    { name: 'peak RSS, CSV', value: csv.rssMb, unit: 'MB', goal: '≤ 1024', met: csv.rssMb <= 1024 },
    {
      name: 'peak RSS, Parquet',
      value: parquet.rssMb,
      unit: 'MB',
      goal: '≤ 1024',
      met: parquet.rssMb <= 1024,
    },
  );
  if (peerTimes.length > 0) {
    const fastest = peerTimes.reduce((a, b) => (a.perRow <= b.perRow ? a : b));
    const ratio = fastest.perRow / perRow;
    out.splice(9, 0, {
      name: `per-row speed vs fastest Python peer (${fastest.name})`,
      value: ratio,
      unit: '×',
      goal: '≥ 20',
      met: ratio >= 20,
    });
  }
  writeFileSync(
    path.join(dir, 'results.json'),
    `${JSON.stringify({ date: new Date().toISOString(), rows, subset, results, table: out }, null, 2)}\n`,
  );
  return out;
}

function table(rows: BenchRow[]): string {
  return [
    '| benchmark | value | goal | met |',
    '|---|---:|---|---|',
    ...rows.map(
      (row) =>
        `| ${row.name} | ${row.value.toFixed(row.unit === '×' ? 2 : row.unit === 'MB' ? 0 : 1)} ${row.unit} | ${row.goal} | ${row.goal ? (row.met ? 'yes' : 'NO') : ''} |`,
    ),
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  console.log(table(await benchData(root)));
}
