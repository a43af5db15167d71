import { access, constants, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { registryPort, runFolders } from '../commands/image-deps.js';
import type { RegistryInputs } from '../../inputs/build-image.js';
import type { CommandDeps } from '../commands/types.js';
import { UsageError } from '../errors.js';
import type { Clock, Logger, RegistryCredentials } from '../ports.js';
import { formatImageRef, parseImageRef, type ImageRef } from '../registry/reference.js';
import type { Block } from '../report/model.js';
import type { ManifestBytes } from '../registry/model.js';
import { ATTACH_MAX_BYTES, attachFiles, attachTarget } from './attestations.js';
import { checkUserFile } from '../files/user-file.js';
import type { TransportDeps } from './transports.js';
import type { SinkTarget } from './write.js';
import { isInside } from '../files/contained.js';
import { shownPath } from '../files/fs-errors.js';
import { FOLLOW_OUTSIDE_INPUT } from './local-files.js';

export function parseRefs(texts: readonly string[], key: string): ImageRef[] {
  return texts.map((text) => parseImageRef(text, key));
}

/** registry-username and registry-password, which only come together. */
export function registryLoginInputs(inputs: RegistryInputs): {
  username?: string;
  password?: string;
} {
  const username = inputs['registry-username'];
  const password = inputs['registry-password'];
  if ((username === undefined) !== (password === undefined)) {
    throw new UsageError('registry-username and registry-password go together', {
      place: { key: username === undefined ? 'registry-username' : 'registry-password' },
      hint: 'Give both, or neither to use the Docker config.',
    });
  }
  return {
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
  };
}

/**
 * Registry access for a run: the inputs' credentials go only to the destination registries
 * (never to a base image's registry); every other registry gets its Docker config entry; the
 * CI's own registry (GitLab's CI_REGISTRY) without either gets the job's credentials for it.
 */
export function transportDeps(
  inputs: RegistryInputs,
  deps: CommandDeps,
  destinations: ReadonlySet<string>,
): TransportDeps {
  const { username, password } = registryLoginInputs(inputs);
  const folders = runFolders(deps);
  const registries = registryPort(deps);
  const configDir = dockerConfigDir(inputs, folders.home);
  const configFile = join(configDir, 'config.json');
  const ci = deps.ciRegistry;
  const explicitFor = (registry: string) => username !== undefined && destinations.has(registry);
  const fromCi = (registry: string) =>
    ci !== undefined &&
    ci.registry.toLowerCase() === registry.toLowerCase() &&
    !explicitFor(registry);
  const credentials = async (registry: string): Promise<RegistryCredentials | undefined> => {
    if (explicitFor(registry)) return { username: username!, password: password! };
    const configured = await registries.dockerConfigCredentials(configDir, registry);
    if (configured !== undefined || !fromCi(registry)) return configured;
    // The CI's own registry (GitLab's CI_REGISTRY), with the job's credentials for it.
    return { username: ci!.username, password: ci!.password };
  };
  const ciHint = (registry: string) =>
    fromCi(registry)
      ? ` Without a Docker config entry for ${registry}, ${ci!.source} are sent to it: the job token reaches another project's registry only when that project allows this one (CI/CD job token allowlist).`
      : '';
  const timeoutSeconds = inputs['network-timeout'];
  if (!(timeoutSeconds > 0))
    throw new UsageError('network-timeout must be a number of seconds above 0', {
      place: { key: 'network-timeout' },
      hint: 'e.g. 300 (five minutes per registry request, retries included)',
    });
  const chunkMiB = inputs['chunk-size'];
  if (!(chunkMiB >= 1))
    throw new UsageError('chunk-size must be at least 1 (MiB)', { place: { key: 'chunk-size' } });
  return {
    access: registries.connect({
      credentials,
      insecureRegistries: inputs['insecure-registry'] ?? [],
      timeoutMs: Math.round(timeoutSeconds * 1000),
      deniedHint: (registry) =>
        (destinations.has(registry)
          ? username !== undefined
            ? `Check registry-username/registry-password: they are sent to ${registry}.`
            : `Give registry-username/registry-password, or run \`docker login ${registry}\` so ${configFile} holds the credentials.`
          : `${registry} is read from here (a source or base image): its credentials come from ${configFile} (DOCKER_CONFIG, else ~/.docker; \`docker login ${registry}\` writes them). registry-username/registry-password apply to the push destinations only.`) +
        ciHint(registry),
    }),
    exec: deps.exec,
    tempDir: folders.temp,
    chunkBytes: Math.round(chunkMiB * 1024 * 1024),
  };
}

/** The user's Docker config folder: the `docker-config` input (DOCKER_CONFIG), else ~/.docker. */
export function dockerConfigDir(inputs: RegistryInputs, home: string): string {
  return inputs['docker-config'] ?? join(home, '.docker');
}

export function parallelInput(inputs: RegistryInputs): number {
  const parallel = inputs.parallel;
  if (!Number.isInteger(parallel) || parallel < 1)
    throw new UsageError('parallel must be a whole number of at least 1', {
      place: { key: 'parallel' },
    });
  return parallel;
}

/** Logs bytes moved and the rate at most every few seconds, for pushes that take a while. */
export function progressReporter(
  logger: Logger,
  clock: Clock,
  verb: string,
  everyMs = 5000,
): (bytes: number) => void {
  const start = clock.now().getTime();
  let last = start;
  let total = 0;
  return (bytes: number) => {
    total += bytes;
    const now = clock.now().getTime();
    if (now - last < everyMs) return;
    last = now;
    const seconds = Math.max((now - start) / 1000, 0.001);
    logger.info(`${verb} ${formatBytes(total)} (${formatBytes(total / seconds)}/s)`);
  };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

export function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

/** Attaches the `attach` files to the image in every registry it went to. */
export async function attachToRegistries(
  targets: readonly SinkTarget[],
  manifest: ManifestBytes,
  files: readonly string[],
  created: string | undefined,
): Promise<{ repository: string; digest: string; via: string }[]> {
  if (files.length === 0) return [];
  const attached: { repository: string; digest: string; via: string }[] = [];
  for (const { sink, artifacts } of targets) {
    if (!artifacts) continue;
    const subject = {
      mediaType: manifest.mediaType,
      digest: manifest.digest,
      size: manifest.bytes.length,
    };
    const result = await attachFiles(artifacts, subject, files, created);
    attached.push({ repository: sink.name, ...result });
  }
  return attached;
}

/**
 * Every `attach` file must be a readable file before the first blob moves: found missing
 * after the copy, it would leave a tag moved to an image without its attestations.
 */
export async function checkAttachFiles(
  files: readonly string[],
  /**
   * When given: a file inside `root` (the working directory) must not be a link that leads out
   * of it, unless `followOutside`: a pull request could otherwise make `reports/card.md` a link
   * to a secret on the runner and have it attached to the image.
   */
  links?: { root: string; followOutside: boolean },
): Promise<void> {
  for (const file of files) {
    if (links && !links.followOutside) {
      const [root, real] = await Promise.all([
        realpath(links.root).catch(() => links.root),
        realpath(file).catch(() => undefined),
      ]);
      if (real !== undefined && isInside(links.root, file) && !isInside(root, real))
        throw new UsageError(
          `Cannot attach ${shownPath(file)}: it is a link to ${shownPath(real)}, outside the working directory ${shownPath(links.root)}`,
          {
            place: { file, key: 'attach' },
            hint: `Nothing was built or pushed. Attach the file itself, or set ${FOLLOW_OUTSIDE_INPUT}: true to follow the link.`,
          },
        );
    }
    // Stat first, as the reader will: a FIFO, folder or device is refused here, never opened.
    await checkUserFile(file, attachTarget(file), { maxBytes: ATTACH_MAX_BYTES });
    try {
      await access(file, constants.R_OK);
    } catch (error) {
      throw new UsageError(`attach file ${shownPath(file)} cannot be read (permission denied)`, {
        place: { file: shownPath(file), key: 'attach' },
        hint: 'Nothing was built or pushed. Make it (and its folders) readable by the user running sluice.',
        cause: error,
      });
    }
  }
}

/**
 * The digest and the references of an image, each in a code block: prose in a job summary or
 * comment gets an invisible character after every `:` (so nothing turns into a link), which
 * would break a reference copied from it into `docker pull`. Code blocks are copied as shown.
 */
export function imageRefsBlocks(
  digest: string,
  destinations: readonly ImageRef[],
  unpushed: readonly string[],
  names: readonly string[] = [],
): Block[] {
  const blocks: Block[] = [
    { type: 'paragraph', content: ['Digest:'] },
    { type: 'code', text: digest },
  ];
  if (destinations.length > 0) {
    // Every tag first, then each repository once by digest (two tags of one repository would
    // otherwise interleave tag, digest, tag).
    const byTag = destinations.map(formatImageRef);
    const byDigest = destinations.flatMap((ref) =>
      ref.transport === 'registry' ? [`${ref.registry}/${ref.repository}@${digest}`] : [],
    );
    const lines = [...byTag, ...byDigest];
    blocks.push(
      {
        type: 'paragraph',
        content: [
          destinations.some((ref) => ref.transport === 'registry')
            ? 'Written to (registry images by tag, then by digest):'
            : 'Written to:',
        ],
      },
      { type: 'code', text: [...new Set(lines)].join('\n') },
    );
  }
  if (names.length > 0)
    blocks.push(
      { type: 'paragraph', content: ['Image:'] },
      { type: 'code', text: names.join('\n') },
    );
  if (unpushed.length > 0)
    blocks.push(
      { type: 'paragraph', content: ['Tags not pushed (give --push to push them):'] },
      { type: 'code', text: unpushed.join('\n') },
    );
  return blocks;
}
