/**
 * The CLI contract, through the committed bundle (what users run): one test per exit code,
 * the JSON contract on stdout, and bad input that names the file and place.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../unit/support/temp-dirs.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/cli/index.js');
const churn = path.join(root, 'examples/churn');

function sluice(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    ...options.env,
  };
  const result = spawnSync(process.execPath, [cli, ...args], {
    cwd: options.cwd ?? churn,
    env,
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const gate = [
  'quality-gate',
  '--metrics',
  'metrics/candidate.json',
  '--baseline',
  'file:metrics/baseline.json',
  '--rules',
  'sluice-rules.yml',
];

describe('sluice CLI', () => {
  it('exit 0: the gate passes, and --format json carries the contract', () => {
    const run = sluice([
      'quality-gate',
      '--metrics',
      'metrics/baseline.json',
      '--baseline',
      'file:metrics/baseline.json',
      '--rules',
      'sluice-rules.yml',
      '--format',
      'json',
    ]);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.verdict).toBe('pass');
    expect(json.metrics.length).toBeGreaterThan(5);
    for (const metric of json.metrics) {
      expect(Object.keys(metric).sort()).toEqual([
        'baseline',
        'candidate',
        'delta',
        'file',
        'name',
        'rule',
        'status',
      ]);
    }
  });

  it('exit 1: the gate fails, naming the failed metrics; deltas are decimal-exact', () => {
    const run = sluice([...gate, '--format', 'json']);
    expect(run.code).toBe(1);
    const json = JSON.parse(run.stdout);
    expect(json.verdict).toBe('fail');
    const accuracy = json.metrics.find((m: { name: string }) => m.name === 'accuracy');
    expect(accuracy).toMatchObject({
      file: 'metrics/candidate.json',
      baseline: 0.7475,
      candidate: 0.7388,
      delta: -0.0087,
      status: 'fail',
      rule: 'accuracy',
    });
    expect(
      json.metrics
        .filter((m: { status: string }) => m.status === 'fail')
        .map((m: { name: string }) => m.name),
    ).toEqual(expect.arrayContaining(['accuracy', 'eval.slices.fr.precision']));
  });

  it('the terminal table is the default output and shows the verdict', () => {
    const run = sluice(gate);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/Quality gate: FAIL/);
    expect(run.stdout).toMatch(/accuracy\s+0\.7475\s+0\.7388\s+-0\.0087/);
  });

  it('writes several formats with repeated --output', () => {
    const dir = tempDir('sluice-cli-');
    const run = sluice([
      ...gate,
      '--output',
      `json=${dir}/r.json`,
      '--output',
      `junit=${dir}/j.xml`,
      `--output=openmetrics=${dir}/m.txt`,
      '--output',
      `dotenv=${dir}/o.env`,
      '--output',
      `markdown=${dir}/c.md`,
    ]);
    expect(run.code).toBe(1);
    const read = (file: string) =>
      spawnSync('cat', [path.join(dir, file)], { encoding: 'utf8' }).stdout;
    expect(JSON.parse(read('r.json')).schema).toBe('sluice.report/v1');
    expect(read('j.xml')).toContain('<testsuites');
    expect(read('m.txt')).toMatch(/# EOF\n?$/);
    expect(read('o.env')).toContain('SLUICE_QUALITY_GATE_PASSED=false');
    expect(read('c.md')).toContain('<details>');
  });

  it('exit 2: a typo in the rules file names the file, the line and the allowed keys', () => {
    const dir = tempDir('sluice-cli-');
    writeFileSync(
      path.join(dir, 'rules.yml'),
      'metrics:\n  accuracy:\n    min: 0.8\n    max_regresion: 0.01\n',
    );
    writeFileSync(path.join(dir, 'm.json'), '{"accuracy": 0.9}');
    const run = sluice(
      ['quality-gate', '--metrics', 'm.json', '--baseline', 'none', '--rules', 'rules.yml'],
      { cwd: dir },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('rules.yml:4');
    expect(run.stderr).toContain('max_regresion');
    expect(run.stderr).toContain('max_regression');
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace for a user's mistake
  });

  it('exit 2: malformed metrics, a folder instead of a file, an unknown flag, an unknown command', () => {
    const dir = tempDir('sluice-cli-');
    writeFileSync(path.join(dir, 'bad.json'), '{"accuracy": 0.9,\n "f1": }');
    mkdirSync(path.join(dir, 'folder.json'));
    const bad = sluice(['quality-gate', '--metrics', 'bad.json', '--baseline', 'none'], {
      cwd: dir,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('bad.json:2');
    const folder = sluice(['quality-gate', '--metrics', 'folder.json', '--baseline', 'none'], {
      cwd: dir,
    });
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain('folder.json');
    const flag = sluice(['quality-gate', '--metric', 'x.json']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('did you mean --metrics?');
    expect(sluice(['qualitygate']).code).toBe(2);
  });

  it('exit 3: the forge API cannot be reached', () => {
    const dir = tempDir('sluice-cli-');
    const event = path.join(dir, 'event.json');
    writeFileSync(
      event,
      JSON.stringify({
        pull_request: {
          number: 1,
          base: { ref: 'main', sha: 'a'.repeat(40), repo: { full_name: 'acme/m' } },
          head: { sha: 'b'.repeat(40), repo: { full_name: 'acme/m' } },
        },
      }),
    );
    const run = sluice(
      [
        'comment',
        '--reports',
        path.join(root, 'test/fixtures/reports/quality-gate.json'),
        '--token',
        'ghs_not_a_real_token_123',
      ],
      {
        env: {
          GITHUB_ACTIONS: 'true',
          GITHUB_REPOSITORY: 'acme/m',
          GITHUB_EVENT_PATH: event,
          GITHUB_API_URL: 'http://127.0.0.1:59999',
        },
      },
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('::error::could not reach the GitHub API');
    // The runner learns the secret through add-mask; no other line may carry it.
    const lines = (run.stdout + run.stderr)
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'));
    expect(lines.join('\n')).not.toContain('ghs_not_a_real_token_123');
  });

  it('reads inputs from SLUICE_* environment variables, flags winning', () => {
    const run = sluice(['quality-gate', '--format', 'json'], {
      env: {
        SLUICE_METRICS: 'metrics/candidate.json',
        SLUICE_BASELINE: 'file:metrics/baseline.json',
        SLUICE_RULES: 'sluice-rules.yml',
        SLUICE_FORMAT: 'terminal',
      },
    });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).verdict).toBe('fail');
  });

  it('NaN and Infinity fail a rule that touches them, and are flagged when no rule does', () => {
    const dir = tempDir('sluice-cli-');
    writeFileSync(path.join(dir, 'c.json'), '{"accuracy": NaN, "loss": Infinity}');
    writeFileSync(path.join(dir, 'rules.yml'), 'metrics:\n  accuracy: { min: 0.5 }\n');
    const gated = sluice(
      [
        'quality-gate',
        '--metrics',
        'c.json',
        '--baseline',
        'none',
        '--rules',
        'rules.yml',
        '--format',
        'json',
      ],
      { cwd: dir },
    );
    expect(gated.code).toBe(1);
    const rows = JSON.parse(gated.stdout).metrics as {
      name: string;
      candidate: unknown;
      status: string;
    }[];
    expect(rows.find((m) => m.name === 'accuracy')).toMatchObject({
      candidate: 'NaN',
      status: 'fail',
    });
    const ungated = sluice(['quality-gate', '--metrics', 'c.json', '--baseline', 'none'], {
      cwd: dir,
    });
    expect(ungated.code).toBe(0);
    expect(ungated.stdout).toContain('loss is Infinity in c.json');
  });

  it('prints help and the version', () => {
    const help = sluice(['quality-gate', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--metrics');
    expect(help.stdout).toContain('SLUICE_METRICS');
    expect(sluice(['--version']).stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
  it('validate-data names a failed check once on the terminal, with its schema line', () => {
    const env: Record<string, string> = {};
    if (process.env.SLUICE_CACHE_DIR) env.SLUICE_CACHE_DIR = process.env.SLUICE_CACHE_DIR;
    const run = sluice(['validate-data', '--data', 'data/current.csv', '--schema', 'schema.yml'], {
      env,
    });
    expect(run.code, run.stderr).toBe(1);
    // Once: in its row of the checks table, with the schema line its rule is written on.
    const mentions = `${run.stdout}${run.stderr}`.match(/^\s*range\s+monthly_spend\b.*$/gm);
    expect(mentions?.[0]).toMatch(/schema\.yml:7\b/);
    expect(mentions).toHaveLength(1);
    expect(run.stdout).toContain('23 passing checks');
  }, 120_000);

  it('build-image writes its report files where `--report-output` says, apart from image outputs', () => {
    const dir = tempDir('sluice-cli-');
    mkdirSync(path.join(dir, 'model'));
    writeFileSync(path.join(dir, 'model', 'weights.bin'), 'w');
    const run = sluice(
      [
        'build-image',
        '--model',
        'model',
        '--output',
        'oci:out:v1',
        '--report-output',
        'json=reports/build.json',
        '--report-output',
        'dotenv=reports/build.env',
      ],
      { cwd: dir },
    );
    expect(run.code, run.stderr).toBe(0);
    const env = readFileSync(path.join(dir, 'reports', 'build.env'), 'utf8');
    expect(env).toMatch(/^SLUICE_BUILD_IMAGE_DIGEST=sha256:[0-9a-f]{64}$/m);
    expect(env).toContain('SLUICE_BUILD_IMAGE_IMAGE=oci:out:v1');
    const json = JSON.parse(readFileSync(path.join(dir, 'reports', 'build.json'), 'utf8')) as {
      verdict: string;
    };
    expect(json.verdict).toBe('pass');
  });
});
