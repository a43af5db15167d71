/**
 * The npm package as a user gets it: `npm pack` of this checkout (its committed dist/),
 * installed with `npm install <tarball>` into a clean folder, every command run through
 * node_modules/.bin/sluice. Checks that `files` in package.json ships what the CLI loads and
 * nothing else (no src/, test/, scripts/), and that the package installs no dependencies.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI_COMMANDS } from '../../src/inputs/index.js';
import { tempDir } from '../unit/support/temp-dirs.js';

const ROOT = join(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};

let packed: string[] = [];
let installed: string;
let consumer: string;
let installLog: string;

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: process.env['HOME'] ?? homedir(),
      TMPDIR: process.env['TMPDIR'] ?? '/tmp',
      NO_COLOR: '1',
      // validate-data finds DuckDB where scripts/install/duckdb.sh put it.
      ...(process.env['SLUICE_CACHE_DIR']
        ? { SLUICE_CACHE_DIR: process.env['SLUICE_CACHE_DIR'] }
        : {}),
      ...env,
    },
    timeout: 60_000,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the installed CLI in the consumer's folder. */
function sluice(...args: string[]) {
  return run(join(consumer, 'node_modules/.bin/sluice'), args, consumer);
}

/** Every file the CLI entry can load: its static and dynamic relative imports, transitively. */
function reachable(dir: string, entry: string): string[] {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(join(dir, file), 'utf8');
    for (const match of text.matchAll(/(?:\bfrom|\bimport\()\s*["'](\.{1,2}\/[^"']+)["']/g))
      queue.push(normalize(join(dirname(file), match[1]!)));
  }
  return [...seen].sort();
}

beforeAll(() => {
  const duckdb = run('bash', [join(ROOT, 'scripts/install/duckdb.sh')], ROOT);
  expect(duckdb.status, duckdb.stderr).toBe(0);
  const out = tempDir('sluice-pack-');
  const pack = run('npm', ['pack', '--json', '--pack-destination', out], ROOT);
  expect(pack.status, pack.stderr).toBe(0);
  const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  packed = info!.files.map((file) => file.path).sort();
  consumer = tempDir('sluice-consumer-');
  writeFileSync(join(consumer, 'package.json'), '{ "name": "consumer", "private": true }\n');
  const install = run(
    'npm',
    ['install', '--no-audit', '--no-fund', join(out, info!.filename)],
    consumer,
  );
  installLog = install.stdout + install.stderr;
  expect(install.status, installLog).toBe(0);
  installed = join(consumer, 'node_modules', pkg.name);
});

describe('the packed files', () => {
  it('are the CLI bundle, its chunks and licenses, the README and package.json: no sources, tests or scripts', () => {
    const outside = packed.filter(
      (file) => !file.startsWith('dist/') && !['README.md', 'package.json'].includes(file),
    );
    expect(outside).toEqual([]);
    expect(packed).toContain('dist/cli/index.js');
    expect(packed).toContain('dist/licenses.txt');
    expect(packed.filter((file) => /^(src|test|scripts|bench|examples)\//.test(file))).toEqual([]);
  });

  it('hold every file the CLI can load', () => {
    const needed = reachable(installed, 'dist/cli/index.js');
    expect(needed.length).toBeGreaterThan(10);
    expect(needed.filter((file) => !packed.includes(file))).toEqual([]);
  });

  it('install without dependencies and without an engine warning', () => {
    expect(installLog).not.toMatch(/EBADENGINE/);
    const modules = readdirSync(join(consumer, 'node_modules')).filter((n) => !n.startsWith('.'));
    expect(modules).toEqual([pkg.name.split('/')[0]]);
  });
});

describe('node_modules/.bin/sluice', () => {
  it('says its version and lists every command', () => {
    expect(sluice('--version').stdout.trim()).toBe(pkg.version);
    const help = sluice('--help');
    expect(help.status).toBe(0);
    for (const command of CLI_COMMANDS) expect(help.stdout).toContain(command.name);
  });

  it.each(CLI_COMMANDS.map((command) => command.name))('%s --help', (name) => {
    const help = sluice(name, '--help');
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain(`sluice ${name}`);
  });

  it('runs quality-gate, infer-schema, validate-data, comment and build-image', () => {
    const work = consumer;
    writeFileSync(join(work, 'baseline.json'), '{"accuracy": 0.80, "f1": 0.70}\n');
    writeFileSync(join(work, 'candidate.json'), '{"accuracy": 0.74, "f1": 0.71}\n');
    writeFileSync(join(work, 'rules.yml'), 'metrics:\n  accuracy:\n    max_regression: 0.01\n');
    const gate = sluice(
      'quality-gate',
      ...[
        '--metrics',
        'candidate.json',
        '--baseline',
        'file:baseline.json',
        '--rules',
        'rules.yml',
      ],
      ...['--output', 'json=reports/quality-gate.json'],
    );
    expect(gate.status, gate.stderr).toBe(1);
    const report = JSON.parse(readFileSync(join(work, 'reports/quality-gate.json'), 'utf8')) as {
      verdict: string;
    };
    expect(report.verdict).toBe('fail');

    const rows = ['id,age,plan'];
    for (let i = 1; i <= 200; i++)
      rows.push(`${i},${20 + (i % 50)},${i % 3 === 0 ? 'pro' : 'free'}`);
    writeFileSync(join(work, 'data.csv'), `${rows.join('\n')}\n`);
    const inferred = sluice('infer-schema', '--data', 'data.csv', '--output', 'schema.yml');
    expect(inferred.status, inferred.stderr).toBe(0);
    expect(readFileSync(join(work, 'schema.yml'), 'utf8')).toMatch(/age/);
    const valid = sluice('validate-data', '--data', 'data.csv', '--schema', 'schema.yml');
    expect(valid.status, valid.stdout + valid.stderr).toBe(0);
    writeFileSync(join(work, 'bad.csv'), `${rows.join('\n')}\n201,,enterprise\n`);
    const invalid = sluice(
      ...['validate-data', '--data', 'bad.csv', '--schema', 'schema.yml'],
      ...['--output', 'json=reports/validate-data.json'],
    );
    expect(invalid.status, invalid.stdout + invalid.stderr).toBe(1);

    const comment = sluice(
      ...['comment', '--reports', 'reports/quality-gate.json', 'reports/validate-data.json'],
      ...['--preview', 'comment.md'],
    );
    expect(comment.status, comment.stderr).toBe(0);
    expect(readFileSync(join(work, 'comment.md'), 'utf8')).toContain('accuracy');

    mkdirSync(join(work, 'model'));
    writeFileSync(join(work, 'model', 'weights.bin'), Buffer.alloc(50_000, 7));
    const image = sluice(
      ...['build-image', '--model', 'model', '--output', `oci:${join(work, 'image')}:v1`],
      ...['--cache-dir', 'none', '--source-date-epoch', '1700000000', '--format', 'json'],
    );
    expect(image.status, image.stderr).toBe(0);
    expect((JSON.parse(image.stdout) as { digest: string }).digest).toMatch(
      /^sha256:[0-9a-f]{64}$/,
    );
    expect(existsSync(join(work, 'image', 'index.json'))).toBe(true);
  });
});
