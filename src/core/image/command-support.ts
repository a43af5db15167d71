import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryAccess } from '../../clients/oci/access.js';
import type { Credentials } from '../../clients/oci/auth.js';
import { credentialsFromDockerConfig } from '../../clients/oci/docker-config.js';
import type { CommandDeps, Inputs } from '../commands/types.js';
import { UsageError } from '../errors.js';
import type { Clock, Logger } from '../ports.js';
import { parseImageRef, type ImageRef } from '../registry/reference.js';
import { RegistrySink } from '../../clients/oci/registry-image.js';
import type { ManifestBytes } from '../registry/model.js';
import { attachFiles } from './attestations.js';
import type { TransportDeps } from './transports.js';
import type { SinkTarget } from './write.js';

export function stringInput(inputs: Inputs, name: string): string | undefined {
  const value = inputs[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function listInput(inputs: Inputs, name: string): string[] {
  const value = inputs[name];
  if (Array.isArray(value)) return value.filter((item) => item !== '');
  return typeof value === 'string' && value !== '' ? [value] : [];
}

export function numberInput(inputs: Inputs, name: string, fallback: number): number {
  const value = inputs[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

export function parseRefs(texts: readonly string[], key: string): ImageRef[] {
  return texts.map((text) => parseImageRef(text, key));
}

/**
 * Registry access for a run: the inputs' credentials go only to the destination registries
 * (never to a base image's registry); every other registry gets its Docker config entry.
 */
export function transportDeps(
  inputs: Inputs,
  deps: CommandDeps,
  destinations: ReadonlySet<string>,
): TransportDeps {
  const username = stringInput(inputs, 'registry-username');
  const password = stringInput(inputs, 'registry-password');
  if ((username === undefined) !== (password === undefined)) {
    throw new UsageError('registry-username and registry-password go together', {
      place: { key: username === undefined ? 'registry-username' : 'registry-password' },
      hint: 'Give both, or neither to use the Docker config.',
    });
  }
  const configDir = stringInput(inputs, 'docker-config') ?? join(homedir(), '.docker');
  const credentials = async (registry: string): Promise<Credentials | undefined> => {
    if (username !== undefined && password !== undefined && destinations.has(registry))
      return { username, password };
    return credentialsFromDockerConfig(configDir, registry, deps.exec);
  };
  const chunkMiB = numberInput(inputs, 'chunk-size', 16);
  if (chunkMiB < 1)
    throw new UsageError('chunk-size must be at least 1 (MiB)', { place: { key: 'chunk-size' } });
  return {
    access: new RegistryAccess({
      credentials,
      insecureRegistries: listInput(inputs, 'insecure-registry'),
    }),
    exec: deps.exec,
    tempDir: tmpdir(),
    chunkBytes: Math.round(chunkMiB * 1024 * 1024),
  };
}

export function parallelInput(inputs: Inputs): number {
  const parallel = numberInput(inputs, 'parallel', 3);
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
  for (const { sink } of targets) {
    if (!(sink instanceof RegistrySink)) continue;
    const subject = {
      mediaType: manifest.mediaType,
      digest: manifest.digest,
      size: manifest.bytes.length,
    };
    const result = await attachFiles(sink.client, sink.repository, subject, files, created);
    attached.push({ repository: sink.name, ...result });
  }
  return attached;
}
