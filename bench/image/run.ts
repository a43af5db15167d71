/**
 * Build + push a model image with a 1 GiB incompressible weights file and 200 MiB of small
 * files to a loopback registry, beside the physical floor (sha256 of the bytes + one raw PUT of
 * each blob with curl) and skopeo; then push again with the model unchanged.
 * Usage: npx tsx bench/image/run.ts [--weights-mib 1024] [--small-mib 200] [--json out.json]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  openSync,
  writeSync,
  closeSync,
  writeFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryAccess } from '../../src/clients/oci/access.js';
import { buildImage } from '../../src/core/image/build.js';
import { LayerCache } from '../../src/core/image/layer-cache.js';
import { openSinks } from '../../src/core/image/transports.js';
import { parseImageRef } from '../../src/core/registry/reference.js';
import { startRegistry } from '../../test/integration/services/registry.js';

const argument = (name: string, fallback: string): string => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
};
const weightsMiB = Number(argument('weights-mib', '1024'));
const smallMiB = Number(argument('small-mib', '200'));
const MiB = 1024 * 1024;

function writeRandom(path: string, bytes: number): void {
  const fd = openSync(path, 'w');
  for (let left = bytes; left > 0; left -= 16 * MiB)
    writeSync(fd, randomBytes(Math.min(16 * MiB, left)));
  closeSync(fd);
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function peakRssMiB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

const silent = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  group: <T>(_t: string, run: () => Promise<T>) => run(),
};

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
  const model = join(work, 'model');
  mkdirSync(join(model, 'small'), { recursive: true });
  writeRandom(join(model, 'weights.bin'), weightsMiB * MiB);
  const smallCount = 200;
  for (let i = 0; i < smallCount; i += 1)
    writeRandom(
      join(model, 'small', `part-${String(i).padStart(3, '0')}.bin`),
      Math.floor((smallMiB * MiB) / smallCount),
    );
  execFileSync('sync');
  const registry = await startRegistry();
  const results: Record<string, number | string> = { weightsMiB, smallMiB };
  try {
    const cacheDir = join(work, 'cache');
    const access = () => new RegistryAccess({ credentials: async () => undefined });
    const push = async (repo: string) => {
      const targets = await openSinks(
        [parseImageRef(`${registry.address}/${repo}:v1`)],
        { access: access(), exec: null as never, tempDir: work },
        'tag',
      );
      return buildImage({
        base: undefined,
        platform: { os: 'linux', architecture: 'amd64' },
        modelDir: model,
        modelTarget: '/opt/model',
        codeTarget: '/opt/app',
        runtime: { labels: {} },
        created: '2024-01-01T00:00:00Z',
        compressionLevel: 1,
        cache: new LayerCache(cacheDir),
        targets,
        parallel: 3,
        logger: silent,
      });
    };

    let start = process.hrtime.bigint();
    const first = await push('bench/sluice');
    results.sluiceColdSeconds = seconds(start);
    start = process.hrtime.bigint();
    const again = await push('bench/sluice');
    results.sluiceUnchangedSeconds = seconds(start);
    results.sluiceUnchangedBytes = again.uploaded[`${registry.address}/bench/sluice`] ?? -1;
    results.sluicePeakRssMiB = peakRssMiB();
    results.digest = first.digest;

    // The floor: hash every byte once, then one raw monolithic PUT per blob (serial).
    start = process.hrtime.bigint();
    const tarDir = join(work, 'floor');
    mkdirSync(tarDir);
    execFileSync('tar', ['-cf', join(tarDir, 'weights.tar'), '-C', model, 'weights.bin']);
    execFileSync('tar', ['-cf', join(tarDir, 'small.tar'), '-C', model, 'small']);
    results.floorTarSeconds = seconds(start);
    start = process.hrtime.bigint();
    for (const name of ['weights.tar', 'small.tar']) {
      const file = join(tarDir, name);
      const digest = `sha256:${execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0]}`;
      const location = execFileSync(
        'curl',
        [
          '-sS',
          '-o',
          '/dev/null',
          '-w',
          '%header{location}',
          '-X',
          'POST',
          `http://${registry.address}/v2/bench/floor/blobs/uploads/`,
        ],
        { encoding: 'utf8' },
      );
      const url = new URL(location, `http://${registry.address}`);
      url.searchParams.set('digest', digest);
      const status = spawnSync(
        'curl',
        [
          '-sS',
          '-o',
          '/dev/null',
          '-w',
          '%{http_code}',
          '-T',
          file,
          '-H',
          'content-type: application/octet-stream',
          url.toString(),
        ],
        { encoding: 'utf8' },
      ).stdout;
      if (status !== '201') throw new Error(`floor PUT answered ${status}`);
    }
    results.floorSeconds = seconds(start);
    start = process.hrtime.bigint();
    for (const name of ['weights.tar', 'small.tar'])
      execFileSync('sha256sum', [join(tarDir, name)]);
    results.floorHashSeconds = seconds(start);

    // skopeo copying sluice's own OCI layout output (so the build step is not counted).
    const layout = join(work, 'layout');
    const layoutTargets = await openSinks(
      [parseImageRef(`oci:${layout}:v1`)],
      { access: access(), exec: null as never, tempDir: work },
      'output',
    );
    await buildImage({
      base: undefined,
      platform: { os: 'linux', architecture: 'amd64' },
      modelDir: model,
      modelTarget: '/opt/model',
      codeTarget: '/opt/app',
      runtime: { labels: {} },
      created: '2024-01-01T00:00:00Z',
      compressionLevel: 1,
      cache: new LayerCache(cacheDir),
      targets: layoutTargets,
      parallel: 3,
      logger: silent,
    });
    start = process.hrtime.bigint();
    execFileSync(
      'skopeo',
      [
        'copy',
        '--dest-tls-verify=false',
        `oci:${layout}:v1`,
        `docker://${registry.address}/bench/skopeo:v1`,
      ],
      { stdio: 'ignore' },
    );
    results.skopeoCopySeconds = seconds(start);

    // The floor is hashing plus one raw PUT per blob of tars made beforehand (tar time not counted).
    results.ratioToFloor = Number(results.sluiceColdSeconds) / Number(results.floorSeconds);
    results.ratioSkopeoToFloor = Number(results.skopeoCopySeconds) / Number(results.floorSeconds);
  } finally {
    await registry.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const out = argument('json', '');
  if (out) writeFileSync(out, JSON.stringify(results, null, 2));
  console.log(JSON.stringify(results, null, 2));
}

await main();
