/**
 * Build + push a model image with a 1 GiB incompressible weights file and 200 MiB of small files
 * to a loopback registry (distribution 2.8), in one run: sluice (the CLI, as users run it) beside
 * `docker build` + `docker push` (BuildKit, the test engine on vfs), skopeo and crane copying the
 * same layers, crane append, and the floor (sha256 of the bytes + one raw PUT per blob with curl).
 * Then sluice pushes again with the model unchanged.
 * Alone: npx tsx bench/image/run.ts [--weights-mib 1024] [--small-mib 200] [--json out.json]
 * Needs: bash scripts/install/docker.sh (skopeo, docker, dockerd, crane in .tmp/bin); dist built.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from '../quality-gate.js';
import { requireBinary } from '../../test/integration/services/binaries.js';
import { startDockerd } from '../../test/integration/services/dockerd.js';
import { requireTool, startRegistry } from '../../test/integration/services/registry.js';

const MiB = 1024 * 1024;

export interface ImageBenchOptions {
  weightsMiB?: number;
  smallMiB?: number;
  /** Called with each timing as it is taken (the standalone run prints them). */
  log?: (line: string) => void;
}

function writeRandom(file: string, bytes: number): void {
  const fd = openSync(file, 'w');
  for (let left = bytes; left > 0; left -= 16 * MiB)
    writeSync(fd, randomBytes(Math.min(16 * MiB, left)));
  closeSync(fd);
}

/** Runs a command to completion, failing loudly; returns its stdout and wall time. */
function timed(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { seconds: number; stdout: string; peakRssMiB: number } {
  const start = process.hrtime.bigint();
  // GNU time reports the child's peak RSS (KiB) on the last line of stderr.
  const result = spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], {
    env,
    encoding: 'utf8',
    maxBuffer: 64 * MiB,
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  const lines = result.stderr.trim().split('\n');
  return {
    seconds,
    stdout: result.stdout,
    peakRssMiB: Math.round(Number(lines[lines.length - 1]) / 1024),
  };
}

function sha256File(file: string): string {
  return `sha256:${execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0]}`;
}

/** One monolithic upload: POST for a location, PUT the whole file with its digest. */
function rawPut(registry: string, repository: string, file: string, digest: string): void {
  const location = execFileSync(
    'curl',
    ['-sS', '-o', '/dev/null', '-w', '%header{location}', '-X', 'POST'].concat(
      `http://${registry}/v2/${repository}/blobs/uploads/`,
    ),
    { encoding: 'utf8' },
  );
  const url = new URL(location, `http://${registry}`);
  url.searchParams.set('digest', digest);
  const status = execFileSync(
    'curl',
    ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-T', file]
      .concat(['-H', 'content-type: application/octet-stream'])
      .concat(url.toString()),
    { encoding: 'utf8' },
  );
  if (status !== '201') throw new Error(`floor PUT answered ${status}`);
}

export async function benchImage(
  root: string,
  options: ImageBenchOptions = {},
): Promise<BenchRow[]> {
  const weightsMiB = options.weightsMiB ?? 1024;
  const smallMiB = options.smallMiB ?? 200;
  const log = options.log ?? (() => undefined);
  for (const tool of ['skopeo', 'curl', 'sha256sum', 'tar', 'docker', 'dockerd'])
    requireBinary(tool);
  const crane = requireTool('crane');
  const cli = join(root, 'dist/cli/index.js');
  readFileSync(cli); // built? (`node scripts/build.mjs`)

  const work = mkdtempSync(join(tmpdir(), 'sluice-bench-image-'));
  const model = join(work, 'context', 'model');
  mkdirSync(join(model, 'small'), { recursive: true });
  writeRandom(join(model, 'weights.bin'), weightsMiB * MiB);
  const smallCount = 200;
  for (let i = 0; i < smallCount; i += 1)
    writeRandom(
      join(model, 'small', `part-${String(i).padStart(3, '0')}.bin`),
      Math.floor((smallMiB * MiB) / smallCount),
    );
  execFileSync('sync');

  const registry = await startRegistry({ dataDir: join(work, 'registry') });
  const dockerd = await startDockerd();
  const seconds: Record<string, number> = {};
  const note = (name: string, value: number) => {
    seconds[name] = value;
    log(`${name}: ${value.toFixed(2)}`);
  };
  let unchangedBytes = -1;
  let peakRssMiB = -1;
  try {
    // sluice, the CLI: build and push, then again with nothing changed (layer cache kept).
    const sluiceArgs = (repository: string) => [
      cli,
      'build-image',
      '--model',
      model,
      '--tag',
      `${registry.address}/bench/${repository}:v1`,
      '--push',
      '--source-date-epoch',
      '1704067200',
      '--cache-dir',
      join(work, 'cache'),
      '--docker-config',
      work,
      '--format',
      'json',
    ];
    const cold = timed(process.execPath, sluiceArgs('sluice'), { ...process.env, HOME: work });
    note('sluice', cold.seconds);
    peakRssMiB = cold.peakRssMiB;
    const again = timed(process.execPath, sluiceArgs('sluice'), { ...process.env, HOME: work });
    note('sluiceUnchanged', again.seconds);
    // `written`: bytes sent per destination (0 when the registry had every blob).
    const { written } = JSON.parse(again.stdout) as { written: Record<string, number> };
    unchangedBytes = Object.values(written).reduce((sum, bytes) => sum + bytes, 0);

    // The floor: tars made beforehand (not counted); sha256 of every byte, one raw PUT per blob.
    const tars = join(work, 'floor');
    mkdirSync(tars);
    execFileSync('tar', ['-cf', join(tars, 'weights.tar'), '-C', model, 'weights.bin']);
    execFileSync('tar', ['-cf', join(tars, 'small.tar'), '-C', model, 'small']);
    const start = process.hrtime.bigint();
    const digests = ['weights.tar', 'small.tar'].map((name) => sha256File(join(tars, name)));
    note('floorHash', Number(process.hrtime.bigint() - start) / 1e9);
    for (const [i, name] of ['weights.tar', 'small.tar'].entries())
      rawPut(registry.address, 'bench/floor', join(tars, name), digests[i]!);
    note('floor', Number(process.hrtime.bigint() - start) / 1e9);

    // skopeo and crane pushing the same layers: sluice's own OCI layout (build not counted).
    const layout = join(work, 'layout');
    timed(process.execPath, [
      cli,
      'build-image',
      '--model',
      model,
      '--output',
      `oci:${layout}:v1`,
      '--source-date-epoch',
      '1704067200',
      '--cache-dir',
      join(work, 'cache'),
      '--format',
      'json',
    ]);
    note(
      'skopeoCopy',
      timed('skopeo', [
        'copy',
        '--dest-tls-verify=false',
        `oci:${layout}:v1`,
        `docker://${registry.address}/bench/skopeo:v1`,
      ]).seconds,
    );
    note(
      'cranePush',
      timed(crane, ['push', '--insecure', layout, `${registry.address}/bench/crane-push:v1`])
        .seconds,
    );
    // crane append builds too: it gzips the two tars into layers while it pushes.
    note(
      'craneAppend',
      timed(crane, [
        'append',
        '--insecure',
        '--oci-empty-base',
        '-f',
        join(tars, 'weights.tar'),
        '-f',
        join(tars, 'small.tar'),
        '-t',
        `${registry.address}/bench/crane-append:v1`,
      ]).seconds,
    );

    // docker build + docker push, BuildKit, the same model folder as context.
    const dockerEnv = { ...process.env, DOCKER_HOST: dockerd.host, DOCKER_BUILDKIT: '1' };
    const context = join(work, 'context');
    writeFileSync(join(context, 'Dockerfile'), 'FROM scratch\nCOPY model /opt/model\n');
    const tag = `${registry.address}/bench/docker:v1`;
    const build = timed('/usr/bin/docker', ['build', '-q', '-t', tag, context], dockerEnv);
    note('dockerBuild', build.seconds);
    note('dockerPush', timed('/usr/bin/docker', ['push', '-q', tag], dockerEnv).seconds);
  } finally {
    await dockerd.stop();
    await registry.stop();
    rmSync(work, { recursive: true, force: true });
  }

  const s = seconds as Required<typeof seconds>;
  const ratio = s['sluice']! / s['floor']!;
  const size = `${weightsMiB} MiB + ${smallMiB} MiB`;
  return [
    {
      name: `image: sluice build+push (${size})`,
      value: s['sluice']!,
      unit: 's',
      goal: '≤ floor',
      met: ratio <= 1,
    },
    { name: 'image: sluice ÷ floor', value: ratio, unit: '×', goal: '≤ 1.0', met: ratio <= 1 },
    {
      name: 'image: sluice re-push, model unchanged',
      value: s['sluiceUnchanged']!,
      unit: 's',
      goal: '≤ 1 s',
      met: s['sluiceUnchanged']! <= 1,
    },
    {
      name: 'image: bytes uploaded by that re-push',
      value: unchangedBytes,
      unit: 'B',
      goal: '0',
      met: unchangedBytes === 0,
    },
    { name: 'image: sluice peak RSS', value: peakRssMiB, unit: 'MiB', goal: '', met: true },
    {
      name: 'image: floor (sha256 + curl PUT)',
      value: s['floor']!,
      unit: 's',
      goal: '',
      met: true,
    },
    { name: 'image: floor, sha256 part', value: s['floorHash']!, unit: 's', goal: '', met: true },
    {
      name: 'image: skopeo copy (OCI layout)',
      value: s['skopeoCopy']!,
      unit: 's',
      goal: '',
      met: true,
    },
    {
      name: 'image: crane push (OCI layout)',
      value: s['cranePush']!,
      unit: 's',
      goal: '',
      met: true,
    },
    {
      name: 'image: crane append (tars, gzip)',
      value: s['craneAppend']!,
      unit: 's',
      goal: '',
      met: true,
    },
    {
      name: 'image: docker build + push (BuildKit, vfs)',
      value: s['dockerBuild']! + s['dockerPush']!,
      unit: 's',
      goal: '',
      met: true,
    },
  ];
}

const argument = (name: string, fallback: string): string => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
};

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const rows = await benchImage(root, {
    weightsMiB: Number(argument('weights-mib', '1024')),
    smallMiB: Number(argument('small-mib', '200')),
    log: (line) => console.error(line),
  });
  const out = argument('json', '');
  if (out) writeFileSync(out, `${JSON.stringify(rows, null, 2)}\n`);
  console.log(JSON.stringify(rows, null, 2));
}
