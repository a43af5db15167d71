import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfraError, UsageError } from '../../core/errors.js';
import { readUserText } from '../../core/files/user-file.js';
import type { Exec } from '../../core/ports.js';
import { hasBuildx } from './docker-build.js';

export interface ComposeBuildOptions {
  /** The project's compose file. */
  file: string;
  /** The service to build; may be left out when the file builds exactly one. */
  service?: string;
  /** The name the built image gets (the first of sluice's tags). */
  image: string;
  labels: Record<string, string>;
  /** The target platform (`linux/arm64`) for a service whose file does not set its own. */
  platform?: string;
}

/** Far above any compose file a person writes; `docker compose` reads it whole too. */
const COMPOSE_MAX_BYTES = 16 * 1024 * 1024;

/** `docker compose` (the v2 plugin) when the CLI has it, else `docker-compose` (v1). */
export async function findCompose(
  exec: Exec,
): Promise<{ command: string; prefix: string[]; name: string }> {
  const plugin = await exec
    .run('docker', ['compose', 'version'], { allowFailure: true })
    .catch(() => undefined);
  if (plugin?.exitCode === 0)
    return { command: 'docker', prefix: ['compose'], name: 'docker compose (v2)' };
  const standalone = await exec
    .run('docker-compose', ['version'], { allowFailure: true })
    .catch(() => undefined);
  if (standalone?.exitCode === 0)
    return { command: 'docker-compose', prefix: [], name: 'docker-compose (v1)' };
  throw new InfraError('Neither `docker compose` nor `docker-compose` is installed', {
    hint: 'Install the Docker Compose plugin (v2) or docker-compose (v1).',
  });
}

/**
 * Builds one service of a compose project with sluice's image name and labels: an override file
 * (`-f file -f override`) gives the service `image` and `build.labels`, so the project's own
 * build settings (context, Dockerfile, args, target) stay as written. Returns the image ID and
 * which compose built it.
 */
export async function composeBuild(
  exec: Exec,
  options: ComposeBuildOptions,
): Promise<{ imageId: string; builder: string }> {
  const compose = await findCompose(exec);
  // The one reader of user files: a FIFO is refused rather than waited on, a huge file by its size.
  const text = await readUserText(
    options.file,
    { file: options.file, what: 'compose file', key: 'compose-file' },
    { maxBytes: COMPOSE_MAX_BYTES },
  );
  const service = options.service ?? (await onlyBuiltService(exec, compose, options.file));
  const dir = await mkdtemp(join(tmpdir(), 'sluice-compose-'));
  try {
    const override = join(dir, 'sluice-override.yml');
    // v1 refuses to merge files of different `version`s: the override copies the project's.
    const version = /^version:\s*['"]?([\d.]+)['"]?\s*$/m.exec(text)?.[1];
    const document = {
      ...(version ? { version } : {}),
      services: { [service]: { image: options.image, build: { labels: options.labels } } },
    };
    await writeFile(override, JSON.stringify(document, null, 2));
    const buildkit = (await hasBuildx(exec)) ? '1' : '0';
    const args = [...compose.prefix, '-f', options.file, '-f', override, 'build', service];
    const result = await exec.run(compose.command, args, {
      // Both compose versions read this default; a service's own `platform:` still wins,
      // and v1 rejects `platform:` in an override of a version 3 file.
      env: {
        DOCKER_BUILDKIT: buildkit,
        COMPOSE_DOCKER_CLI_BUILD: '1',
        ...(options.platform ? { DOCKER_DEFAULT_PLATFORM: options.platform } : {}),
      },
      allowFailure: true,
    });
    if (result.exitCode !== 0) {
      const tail = `${result.stderr}\n${result.stdout}`.trim().split('\n').slice(-15).join('\n');
      if (/Cannot connect to the Docker daemon|docker daemon is not running/i.test(tail))
        throw new InfraError(`${compose.command} build could not reach the Docker engine: ${tail}`);
      throw new UsageError(
        `${compose.command} build ${service} of ${options.file} failed:\n${tail}`,
        {
          place: { file: options.file },
          hint: /labels|Unsupported config option|Additional property/i.test(tail)
            ? 'Build labels need compose file version 2.3+ or 3.3+ (or no version: the Compose Specification).'
            : 'Run the same build by hand to see the whole log.',
        },
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const inspected = await exec.run('docker', [
    'image',
    'inspect',
    '--format',
    '{{.Id}} {{.Os}}/{{.Architecture}}{{with index . "Variant"}}/{{.}}{{end}}',
    options.image,
  ]);
  const [imageId = '', built = ''] = inspected.stdout.trim().split(' ');
  if (options.platform && !samePlatform(built, options.platform)) {
    // Compose v2's classic builder (no buildx) drops the platform without a word.
    throw new UsageError(
      `${compose.name} built ${service} for ${built}, not for the platform asked for (${options.platform})`,
      {
        place: { key: 'platform' },
        hint: 'Compose v2 honours the platform only with BuildKit: install the docker buildx plugin, or build with `dockerfile` (docker build --platform), or use docker-compose v1.',
      },
    );
  }
  return { imageId, builder: compose.name };
}

/** `linux/arm64` matches `linux/arm64/v8`; a variant asked for must match. */
function samePlatform(built: string, wanted: string): boolean {
  const [os, arch, variant] = wanted.split('/');
  const [builtOs, builtArch, builtVariant] = built.split('/');
  return os === builtOs && arch === builtArch && (!variant || variant === builtVariant);
}

async function onlyBuiltService(
  exec: Exec,
  compose: { command: string; prefix: string[] },
  file: string,
): Promise<string> {
  const result = await exec.run(compose.command, [
    ...compose.prefix,
    '-f',
    file,
    'config',
    '--services',
  ]);
  const services = result.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  if (services.length === 1) return services[0]!;
  throw new UsageError(`${file} has ${services.length} services: name the one to build`, {
    place: { key: 'service' },
    hint: `One of: ${services.join(', ') || '(none)'}.`,
  });
}
