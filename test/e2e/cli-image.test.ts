/**
 * The CLI's container image as the release builds it: scripts/image/cli-image.sh (sluice's own
 * daemonless build-image) into an OCI folder, a loopback registry and a Docker engine the test
 * starts; then every command run in it with `docker run --network none` as the image's non-root
 * user, on a mounted workspace: DuckDB is inside the image, nothing is downloaded. Two builds of
 * the same checkout give the same digest.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cacheFolder, DUCKDB_NODE_API_VERSION } from '../../src/clients/duckdb/load-module.js';
import { CLI_COMMANDS } from '../../src/inputs/index.js';
import { requireBinary } from '../integration/services/binaries.js';
import { startDockerd, type RunningDockerd } from '../integration/services/dockerd.js';
import { startRegistry, type RunningRegistry } from '../integration/services/registry.js';
import { tempDir } from '../unit/support/temp-dirs.js';

const ROOT = join(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const IMAGE = `sluice-cli-e2e:${pkg.version}`;
const COMMIT_TIME = 1_700_000_000;
/** The image's compressed size today is about 70 MiB (gzip level 1): a budget, not a goal. */
const SIZE_BUDGET = 90 * 1024 * 1024;

let dockerd: RunningDockerd;
let registry: RunningRegistry;
let workspace: string;
let first: BuildJson;
let second: BuildJson;

interface BuildJson {
  digest: string;
  size: number;
  layers: { title: string; size: number }[];
}

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program without blocking the event loop (dockerd's stderr is read by this process). */
function exec(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {},
): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd ?? ROOT,
        env: options.env ?? { ...process.env, DOCKER_HOST: dockerd.host, NO_COLOR: '1' },
        timeout: options.timeout ?? 60_000,
        maxBuffer: 32 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code;
        resolve({ status: error ? (typeof code === 'number' ? code : null) : 0, stdout, stderr });
      },
    );
  });
}

/** One sluice command in the image, on the mounted workspace, with no network. */
function sluice(args: string[], docker: string[] = []): Promise<Ran> {
  return exec('docker', [
    'run',
    '--rm',
    '--network',
    'none',
    '-v',
    `${workspace}:/work`,
    ...docker,
    IMAGE,
    ...args,
  ]);
}

/** Node inside the image, for what the CLI cannot show (the user, /tmp, what is absent). */
async function inImage(script: string): Promise<string> {
  const ran = await exec('docker', [
    'run',
    '--rm',
    '--network',
    'none',
    '--entrypoint',
    '/usr/local/bin/node',
    IMAGE,
    '-e',
    script,
  ]);
  expect(ran.status, ran.stderr).toBe(0);
  return ran.stdout.trim();
}

async function buildImage(...args: string[]): Promise<BuildJson> {
  const ran = await exec('bash', ['scripts/image/cli-image.sh', ...args, '--format', 'json'], {
    env: {
      ...process.env,
      DOCKER_HOST: dockerd.host,
      // The DuckDB scripts/install/duckdb.sh put in sluice's cache: no download here.
      SLUICE_IMAGE_DUCKDB: duckdbFolder(),
      SOURCE_DATE_EPOCH: String(COMMIT_TIME),
    },
    timeout: 120_000,
  });
  expect(ran.status, ran.stderr + ran.stdout).toBe(0);
  return JSON.parse(ran.stdout) as BuildJson;
}

function duckdbFolder(): string {
  const folder = cacheFolder(process.env);
  if (!existsSync(join(folder, 'node_modules', '@duckdb', 'node-api', 'package.json')))
    throw new Error(
      `@duckdb/node-api@${DUCKDB_NODE_API_VERSION} is not in ${folder}: run \`bash scripts/install/duckdb.sh\` first`,
    );
  return folder;
}

function git(...args: string[]) {
  return exec('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], {
    cwd: workspace,
    env: {
      PATH: process.env['PATH'],
      HOME: workspace,
      GIT_AUTHOR_DATE: `@${COMMIT_TIME} +0000`,
      GIT_COMMITTER_DATE: `@${COMMIT_TIME} +0000`,
    },
  });
}

beforeAll(async () => {
  for (const binary of ['docker', 'dockerd', 'git', 'ldd', 'dpkg']) requireBinary(binary);
  duckdbFolder();
  [dockerd, registry] = await Promise.all([startDockerd(), startRegistry()]);
  const oci = tempDir('sluice-cli-image-oci-');
  // The release's way (pushed to a registry) and a local one (docker load), in one build.
  first = await buildImage(
    '--tag',
    `${registry.address}/sluice-ml/sluice:${pkg.version}`,
    '--push',
    '--output',
    `oci:${oci}:${pkg.version}`,
    '--output',
    `docker-daemon:${IMAGE}`,
  );
  second = await buildImage('--output', `oci:${tempDir('sluice-cli-image-oci2-')}`);

  // A workspace the image's user (65532) writes in, as a runner's checkout mounted at /work.
  workspace = tempDir('sluice-cli-image-ws-');
  chmodSync(workspace, 0o777);
  mkdirSync(join(workspace, 'metrics'));
  mkdirSync(join(workspace, 'model'));
  writeFileSync(join(workspace, 'metrics', 'good.json'), '{"accuracy": 0.91, "f1": 0.88}\n');
  writeFileSync(join(workspace, 'metrics', 'bad.json'), '{"accuracy": 0.91, "f1": 0.88}\n');
  writeFileSync(
    join(workspace, 'rules.yml'),
    'metrics:\n  accuracy:\n    direction: higher\n    max_regression: 0.01\n',
  );
  writeFileSync(join(workspace, 'model', 'weights.bin'), 'w'.repeat(10_000));
  const rows = Array.from({ length: 50 }, (_, i) => `${i + 1},${20 + (i % 40)},city${i % 7}`);
  writeFileSync(join(workspace, 'data.csv'), `id,age,city\n${rows.join('\n')}\n`);
  writeFileSync(join(workspace, 'bad.csv'), `id,age,city\n1,34,a\n1,,b\n`);
  for (const step of [
    ['init', '-q', '-b', 'main'],
    ['add', '.'],
    ['commit', '-q', '-m', 'baseline'],
  ])
    expect((await git(...step)).status).toBe(0);
  // The candidates: one within the rule, one that regressed.
  writeFileSync(join(workspace, 'metrics', 'good.json'), '{"accuracy": 0.905, "f1": 0.88}\n');
  writeFileSync(join(workspace, 'metrics', 'bad.json'), '{"accuracy": 0.8, "f1": 0.88}\n');
});

afterAll(async () => {
  // Stopping the engine removes its data root, with every image and container in it.
  await Promise.all([dockerd?.stop(), registry?.stop()]);
});

describe('the CLI image', () => {
  it('is reproducible: a second build of the same checkout has the same digest', () => {
    expect(first.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(second.digest).toBe(first.digest);
    expect(first.size).toBeLessThan(SIZE_BUDGET);
  });

  it('is in the registry under that digest, and runs once pulled from it', async () => {
    const ref = `${registry.address}/sluice-ml/sluice:${pkg.version}`;
    const head = await fetch(
      `http://${registry.address}/v2/sluice-ml/sluice/manifests/${pkg.version}`,
      {
        method: 'HEAD',
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      },
    );
    expect(head.headers.get('docker-content-digest')).toBe(first.digest);
    expect((await exec('docker', ['pull', '-q', ref])).status).toBe(0);
    const ran = await exec('docker', ['run', '--rm', '--network', 'none', ref, '--version']);
    expect(ran.stdout.trim()).toBe(pkg.version);
  });

  it('runs as a non-root user with a writable /tmp, node at the pinned line, and nothing else', async () => {
    const facts = JSON.parse(
      await inImage(
        `const fs = require('node:fs');
         console.log(JSON.stringify({
           uid: process.getuid(), gid: process.getgid(), home: require('node:os').homedir(),
           tmp: (fs.statSync('/tmp').mode & 0o7777).toString(8), node: process.versions.node,
           shell: fs.existsSync('/bin/sh'), npm: fs.existsSync('/usr/local/bin/npm'),
           duckdb: require('/opt/sluice/node_modules/@duckdb/node-api/package.json').version,
         }))`,
      ),
    ) as Record<string, unknown>;
    expect(facts).toEqual({
      uid: 65532,
      gid: 65532,
      home: '/tmp',
      tmp: '1777',
      node: expect.stringMatching(/^20\./),
      shell: false,
      npm: false,
      duckdb: DUCKDB_NODE_API_VERSION,
    });
    const inspected = await exec('docker', [
      'image',
      'inspect',
      IMAGE,
      '--format',
      '{{json .Config}}',
    ]);
    const config = JSON.parse(inspected.stdout) as {
      User: string;
      Entrypoint: string[];
      WorkingDir: string;
      Labels: Record<string, string>;
    };
    expect(config.User).toBe('65532:65532');
    expect(config.Entrypoint).toEqual(['/usr/local/bin/node', '/opt/sluice/cli/index.js']);
    expect(config.WorkingDir).toBe('/work');
    expect(config.Labels).toMatchObject({
      'org.opencontainers.image.version': pkg.version,
      'org.opencontainers.image.source': 'https://github.com/sluice-ml/sluice',
      'org.opencontainers.image.licenses': 'Apache-2.0',
    });
  });

  it('carries the licenses of what it holds', async () => {
    const listing = JSON.parse(
      await inImage(
        `const fs = require('node:fs');
         console.log(JSON.stringify([fs.readdirSync('/usr/share/doc').sort(),
           fs.existsSync('/opt/sluice/licenses.txt')]))`,
      ),
    ) as [string[], boolean];
    expect(listing[0]).toEqual(expect.arrayContaining(['git', 'libc6', 'libstdc++6', 'node']));
    expect(listing[1]).toBe(true);
  });

  it('prints its version and every command', async () => {
    const version = await sluice(['--version']);
    expect(version.stdout.trim()).toBe(pkg.version);
    const help = await sluice(['--help']);
    expect(help.status).toBe(0);
    for (const command of CLI_COMMANDS) expect(help.stdout).toContain(command.name);
  });

  it.each(CLI_COMMANDS.map((command) => command.name))('%s --help', async (name) => {
    const ran = await sluice([name, '--help']);
    expect(ran.status, ran.stderr).toBe(0);
    expect(ran.stdout).toContain(`sluice ${name}`);
  });

  it('quality-gate against a git baseline (git is in the image): a pass and a fail, reports written', async () => {
    const pass = await sluice([
      'quality-gate',
      '--metrics',
      'metrics/good.json',
      '--baseline',
      'git:HEAD',
      '--rules',
      'rules.yml',
      '--output',
      'json=gate.json',
    ]);
    expect(pass.status, pass.stderr + pass.stdout).toBe(0);
    expect(JSON.parse(readFileSync(join(workspace, 'gate.json'), 'utf8'))).toMatchObject({
      command: 'quality-gate',
      verdict: 'pass',
    });
    const fail = await sluice([
      'quality-gate',
      '--metrics',
      'metrics/bad.json',
      '--baseline',
      'git:HEAD',
      '--rules',
      'rules.yml',
      '--output',
      'json=gate-failed.json',
    ]);
    expect(fail.status, fail.stderr + fail.stdout).toBe(1);
    expect(fail.stdout).toContain('accuracy');
  });

  it("runs the README's docker line as written (the image under its GHCR name)", async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const line = /^docker run .*ghcr\.io\/sluice-ml\/sluice:(\S+) .*$/m.exec(readme);
    expect(line, 'a docker run line in the README').not.toBeNull();
    expect(line![1], 'the README pins the version package.json says').toBe(pkg.version);
    const ghcr = `ghcr.io/sluice-ml/sluice:${pkg.version}`;
    expect((await exec('docker', ['tag', IMAGE, ghcr])).status).toBe(0);
    writeFileSync(join(workspace, 'metrics.json'), '{"accuracy": 0.91}\n');
    expect((await git('add', 'metrics.json')).status).toBe(0);
    expect((await git('commit', '-q', '-m', 'metrics')).status).toBe(0);
    expect((await git('update-ref', 'refs/remotes/origin/main', 'HEAD')).status).toBe(0);
    const ran = await exec('bash', ['-c', line![0]], { cwd: workspace });
    expect(ran.status, ran.stderr + ran.stdout).toBe(0);
    expect(ran.stdout).toContain('Quality gate: PASS');
  });

  it('infer-schema and validate-data run DuckDB inside the image, with no network', async () => {
    const inferred = await sluice(['infer-schema', '--data', 'data.csv']);
    expect(inferred.status, inferred.stderr).toBe(0);
    expect(parse(inferred.stdout)).toMatchObject({ columns: { id: {}, age: {}, city: {} } });
    expect(inferred.stderr + inferred.stdout).not.toMatch(/installing|npm/i);
    writeFileSync(join(workspace, 'schema.yml'), inferred.stdout);
    const valid = await sluice(['validate-data', '--data', 'data.csv', '--schema', 'schema.yml']);
    expect(valid.status, valid.stderr + valid.stdout).toBe(0);
    const invalid = await sluice([
      'validate-data',
      '--data',
      'bad.csv',
      '--schema',
      'schema.yml',
      '--output',
      'json=validation.json',
    ]);
    expect(invalid.status, invalid.stderr + invalid.stdout).toBe(1);
    expect(JSON.parse(readFileSync(join(workspace, 'validation.json'), 'utf8'))).toMatchObject({
      command: 'validate-data',
      verdict: 'fail',
    });
  });

  it('comment --preview writes the sticky comment body of the reports', async () => {
    expect(existsSync(join(workspace, 'gate-failed.json')), 'the quality-gate test ran').toBe(true);
    const ran = await sluice([
      'comment',
      '--reports',
      'gate-failed.json',
      '--preview',
      'comment.md',
    ]);
    expect(ran.status, ran.stderr + ran.stdout).toBe(0);
    const body = readFileSync(join(workspace, 'comment.md'), 'utf8');
    expect(body).toContain('<!-- sluice:comment:sluice -->');
    expect(body).toContain('Quality gate');
  });

  it('build-image writes an OCI folder on the mounted volume, the same image the CLI on the host builds', async () => {
    const args = [
      'build-image',
      '--model',
      'model',
      '--source-date-epoch',
      String(COMMIT_TIME),
      '--cache-dir',
      'none',
      '--format',
      'json',
    ];
    const inside = await sluice([...args, '--output', 'oci:image-in:1']);
    expect(inside.status, inside.stderr + inside.stdout).toBe(0);
    const built = JSON.parse(inside.stdout) as { digest: string };
    const index = JSON.parse(readFileSync(join(workspace, 'image-in', 'index.json'), 'utf8')) as {
      manifests: { digest: string }[];
    };
    expect(index.manifests.map((manifest) => manifest.digest)).toEqual([built.digest]);
    // The same inputs on the host (no CI variables, as in the container): the same digest.
    const outside = await exec(
      process.execPath,
      [
        join(process.env['SLUICE_IMAGE_DIST'] ?? join(ROOT, 'dist'), 'cli', 'index.js'),
        ...args,
        '--output',
        'oci:image-out:1',
      ],
      {
        cwd: workspace,
        env: { PATH: process.env['PATH'], HOME: workspace, TMPDIR: process.env['TMPDIR'] },
      },
    );
    expect(outside.status, outside.stderr + outside.stdout).toBe(0);
    expect((JSON.parse(outside.stdout) as { digest: string }).digest).toBe(built.digest);
  });
});
