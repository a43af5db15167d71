import { InfraError, UsageError } from '../../core/errors.js';
import type { Exec } from '../../core/ports.js';

export interface DockerBuildOptions {
  context: string;
  dockerfile: string;
  tags: readonly string[];
  labels: Record<string, string>;
  platform?: string;
  buildArgs?: readonly string[];
}

export interface DockerHistoryEntry {
  createdBy: string;
  size: number;
}

/**
 * `docker build` through the Exec port: BuildKit when the CLI has it (the buildx plugin), else the
 * classic builder, so the same command works with old and new Docker clients.
 */
export async function dockerBuild(exec: Exec, options: DockerBuildOptions): Promise<string> {
  const args = ['build', '--file', options.dockerfile, '--quiet'];
  for (const tag of options.tags) args.push('--tag', tag);
  for (const [key, value] of Object.entries(options.labels).sort())
    args.push('--label', `${key}=${value}`);
  for (const arg of options.buildArgs ?? []) args.push('--build-arg', arg);
  if (options.platform) args.push('--platform', options.platform);
  args.push(options.context);
  const env = { DOCKER_BUILDKIT: (await hasBuildx(exec)) ? '1' : '0' };
  const result = await exec.run('docker', args, { env, allowFailure: true });
  if (result.exitCode !== 0) {
    const output = `${result.stderr}\n${result.stdout}`.trim();
    const tail = output.split('\n').slice(-15).join('\n');
    // A failing Dockerfile step is the user's to fix; a missing engine is infrastructure.
    if (
      /Cannot connect to the Docker daemon|docker daemon is not running|connect: no such file/i.test(
        output,
      )
    ) {
      throw new InfraError(`docker build could not reach the Docker engine: ${tail}`, {
        hint: 'Start the engine or set DOCKER_HOST.',
      });
    }
    throw new UsageError(`docker build of ${options.dockerfile} failed:\n${tail}`, {
      place: { file: options.dockerfile },
    });
  }
  return result.stdout.trim().split('\n').at(-1) ?? '';
}

/** Whether the CLI has the buildx plugin: recent CLIs refuse BuildKit builds without it. */
export async function hasBuildx(exec: Exec): Promise<boolean> {
  const buildx = await exec
    .run('docker', ['buildx', 'version'], { allowFailure: true })
    .catch(() => undefined);
  return buildx?.exitCode === 0;
}

export async function dockerHistory(exec: Exec, image: string): Promise<DockerHistoryEntry[]> {
  const result = await exec.run('docker', [
    'history',
    '--no-trunc',
    '--format',
    '{{json .}}',
    image,
  ]);
  return result.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const parsed = JSON.parse(line) as { CreatedBy?: string; Size?: string };
      return { createdBy: parsed.CreatedBy ?? '', size: parseSize(parsed.Size ?? '0B') };
    });
}

/**
 * Pushes one tag with `docker push` and returns the manifest digest the registry reported.
 * `hint` (which credentials went to the registry, never the secret) comes with a failure.
 */
export async function dockerPush(exec: Exec, tag: string, hint?: string): Promise<string> {
  const result = await exec.run('docker', ['push', tag], { allowFailure: true });
  if (result.exitCode !== 0) {
    throw new InfraError(
      `docker push ${tag} failed: ${result.stderr.trim().split('\n').slice(-5).join('\n')}`,
      hint === undefined ? {} : { hint },
    );
  }
  const digest = /digest: (sha256:[a-f0-9]{64})/.exec(result.stdout)?.[1];
  if (!digest) throw new InfraError(`docker push ${tag} reported no digest`);
  return digest;
}

/** `docker history` sizes: `12.3MB`, `512kB`, `0B` (decimal units). */
function parseSize(text: string): number {
  const match = /^([\d.]+)\s*([kMGT]?B)$/.exec(text.trim());
  if (!match) return 0;
  const factor = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 }[match[2] as 'B'] ?? 1;
  return Math.round(Number(match[1]) * factor);
}
