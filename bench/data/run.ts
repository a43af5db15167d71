/**
 * Issue 3's benchmark. On BENCH_ROWS rows × 12 columns as CSV and Parquet: validate-data with
 * the full schema (checks, profile, drift against a reference of the same size) and with the
 * same schema minus drift, beside raw DuckDB scans (the floor) of the current file alone and of
 * both files. On a BENCH_SUBSET-row subset: validate-data with exactly the Python validators'
 * checks (no drift) against Great Expectations and pandera, and the full run against Evidently
 * (the only peer doing drift). Every run is a child process under /usr/bin/time -v.
 *
 *   npx tsx bench/data/run.ts                   # BENCH_ROWS=10000000 BENCH_SUBSET=2000000
 *   BENCH_PEERS=skip npx tsx bench/data/run.ts  # peers' times from .tmp/bench-data/peers.json
 *   BENCH_PEERS=pandera,great_expectations …    # re-run only these peers
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
  /** validate-data with the full schema and a reference (drift), or the checks-only schema. */
  const sluice = (data: string, reference?: string): Measured =>
    measure(
      process.execPath,
      [
        cli,
        'validate-data',
        '--data',
        data,
        '--schema',
        reference ? files.schema : files.checksSchema,
        ...(reference ? ['--reference', reference] : []),
        '--format',
        'json',
      ],
      root,
    );
  const raw = (...scanned: string[]): Measured =>
    measure(process.execPath, ['--import', 'tsx', 'bench/data/raw-scan.ts', ...scanned], root);

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

  // Full run = checks + profile + drift against the reference (both files read);
  // checks = the same schema without drift (the current file only), as the validators do.
  const csvFull = run(`sluice CSV ${rows} full`, () => sluice(files.csv, files.referenceCsv));
  const csvChecks = run(`sluice CSV ${rows} checks`, () => sluice(files.csv));
  const pqFull = run(`sluice Parquet ${rows} full`, () =>
    sluice(files.parquet, files.referenceParquet),
  );
  const pqChecks = run(`sluice Parquet ${rows} checks`, () => sluice(files.parquet));
  const rawCsvBoth = run(`raw scan CSV ${rows} both`, () => raw(files.csv, files.referenceCsv));
  const rawCsv = run(`raw scan CSV ${rows}`, () => raw(files.csv));
  const rawPqBoth = run(`raw scan Parquet ${rows} both`, () =>
    raw(files.parquet, files.referenceParquet),
  );
  const rawPq = run(`raw scan Parquet ${rows}`, () => raw(files.parquet));
  const smallFull = run(`sluice CSV ${subset} full`, () =>
    sluice(files.subsetCsv, files.subsetReferenceCsv),
  );
  const smallChecks = run(`sluice CSV ${subset} checks`, () => sluice(files.subsetCsv));

  const peers = await runPeers(root, files, subset, run, path.join(dir, 'peers.json'));

  const out: BenchRow[] = [];
  const seconds = (name: string, m: Measured): void => {
    out.push({ name, value: m.seconds, unit: 's', goal: '', met: m.ok });
  };
  const ratio = (name: string, value: number, goal: string, met: boolean): void => {
    out.push({ name, value, unit: '×', goal, met });
  };
  seconds(`validate-data CSV ${rows}, checks + profile (no drift)`, csvChecks);
  seconds(`validate-data CSV ${rows}, checks + profile + drift vs ${rows}-row reference`, csvFull);
  seconds(`validate-data Parquet ${rows}, checks + profile (no drift)`, pqChecks);
  seconds(`validate-data Parquet ${rows}, checks + profile + drift`, pqFull);
  seconds(`raw DuckDB scan, current CSV`, rawCsv);
  seconds(`raw DuckDB scan, current + reference CSV`, rawCsvBoth);
  seconds(`raw DuckDB scan, current Parquet`, rawPq);
  seconds(`raw DuckDB scan, current + reference Parquet`, rawPqBoth);
  const vsRaw = (name: string, a: Measured, b: Measured): void => {
    const value = a.seconds / b.seconds;
    ratio(name, value, '≤ 1.5', value <= 1.5);
  };
  vsRaw('CSV, no drift vs raw scan of the file', csvChecks, rawCsv);
  vsRaw('CSV, with drift vs raw scan of both files', csvFull, rawCsvBoth);
  vsRaw('Parquet, no drift vs raw scan of the file', pqChecks, rawPq);
  vsRaw('Parquet, with drift vs raw scan of both files', pqFull, rawPqBoth);
  for (const [name, m] of [
    ['CSV full', csvFull],
    ['Parquet full', pqFull],
  ] as const)
    out.push({
      name: `peak RSS, ${name} ${rows}`,
      value: m.rssMb,
      unit: 'MB',
      goal: '≤ 1024',
      met: m.rssMb <= 1024,
    });
  seconds(`validate-data CSV ${subset}, same checks as GX/pandera (no drift)`, smallChecks);
  seconds(`validate-data CSV ${subset}, full (drift vs ${subset}-row reference)`, smallFull);
  for (const peer of peers) {
    out.push({
      name: `${peer.name} ${subset} rows${peer.earlier ? ' (earlier run)' : ''}`,
      value: peer.seconds,
      unit: 's',
      goal: '',
      met: true,
    });
  }
  // Same subset, same rows: the per-row speed ratio is the ratio of wall times.
  const validators = peers.filter((p) => p.name !== 'evidently');
  if (validators.length > 0) {
    const fastest = validators.reduce((a, b) => (a.seconds <= b.seconds ? a : b));
    const value = fastest.seconds / smallChecks.seconds;
    ratio(
      `same checks: per-row speed vs fastest validator (${fastest.name})`,
      value,
      '≥ 20',
      value >= 20,
    );
  }
  const evidently = peers.find((p) => p.name === 'evidently');
  if (evidently) {
    const value = evidently.seconds / smallFull.seconds;
    ratio('checks + profile + drift: per-row speed vs Evidently', value, '≥ 20', value >= 20);
  }
  writeFileSync(
    path.join(dir, 'results.json'),
    `${JSON.stringify({ date: new Date().toISOString(), rows, subset, results, table: out }, null, 2)}\n`,
  );
  return out;
}

interface PeerTime {
  name: string;
  seconds: number;
  rssMb: number;
  /** Taken from peers.json (an earlier run), not measured now. */
  earlier: boolean;
}

/**
 * The Python peers on the subset. BENCH_PEERS=skip reuses the times saved in peers.json (they do
 * not depend on sluice); BENCH_PEERS=pandera,great_expectations re-runs only those.
 */
async function runPeers(
  root: string,
  files: Awaited<ReturnType<typeof generate>>,
  subset: number,
  run: (name: string, work: () => Measured) => Measured,
  saved: string,
): Promise<PeerTime[]> {
  const peers: [string, string, string[]][] = [
    ['great_expectations', 'gx_check.py', [files.subsetCsv]],
    ['pandera', 'pandera_check.py', [files.subsetCsv]],
    ['evidently', 'evidently_check.py', [files.subsetCsv, files.subsetReferenceCsv]],
  ];
  const setting = process.env['BENCH_PEERS'] ?? 'all';
  const chosen = setting === 'all' ? peers.map((p) => p[0]) : setting.split(',');
  const earlier: Record<string, PeerTime> = existsSync(saved)
    ? (JSON.parse(readFileSync(saved, 'utf8')) as Record<string, PeerTime>)
    : {};
  const out: PeerTime[] = [];
  for (const [name, script, args] of peers) {
    const python = path.join(root, '.tmp', 'bench-peers', name, 'bin', 'python');
    if (!chosen.includes(name) || !existsSync(python)) {
      const before = earlier[name];
      if (before) out.push({ ...before, earlier: true });
      else log(`${name}: not run and no earlier time in ${saved}`);
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
    // A timed-out peer still gives a lower bound of its time.
    if (m.ok || m.note?.includes('ETIMEDOUT')) {
      const time = { name, seconds: m.seconds, rssMb: m.rssMb, earlier: false };
      out.push(time);
      earlier[name] = time;
    }
  }
  writeFileSync(saved, `${JSON.stringify(earlier, null, 2)}\n`);
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
