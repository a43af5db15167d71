import { UsageError } from '../errors.js';
import { isIndexMediaType } from '../registry/media-types.js';
import type {
  ImageConfig,
  ImageIndex,
  ImageManifest,
  ImageSource,
  ManifestBytes,
} from '../registry/model.js';
import { badDocument, parseJsonObject } from './source-fault.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export function parsePlatform(text: string): Platform {
  const [os, architecture, variant] = text.split('/');
  if (!os || !architecture) {
    throw new UsageError(`Platform "${text}" is not <os>/<arch>[/<variant>]`, {
      place: { key: 'platform' },
      hint: 'e.g. linux/amd64 or linux/arm64',
    });
  }
  return variant ? { os, architecture, variant } : { os, architecture };
}

export interface ResolvedImage {
  manifest: ImageManifest;
  manifestBytes: ManifestBytes;
  config: ImageConfig;
}

/** The single-platform image a reference means: an index is narrowed to `platform`. */
export async function resolveImage(
  source: ImageSource,
  platform: Platform,
): Promise<ResolvedImage> {
  let manifestBytes = await source.getManifest();
  let parsed = parseJsonObject(manifestBytes.bytes, source, `The manifest of ${source.name}`);
  if (isIndexMediaType(manifestBytes.mediaType) || 'manifests' in parsed) {
    const entries = parsed['manifests'];
    const isEntry = (entry: unknown): entry is ImageIndex['manifests'][number] =>
      typeof entry === 'object' &&
      entry !== null &&
      typeof (entry as { digest?: unknown }).digest === 'string';
    if (!Array.isArray(entries) || !(entries as unknown[]).every(isEntry))
      throw badDocument(
        source,
        `The index of ${source.name} is not a list of manifests (a \`manifests\` entry without a digest)`,
      );
    const manifests = entries as ImageIndex['manifests'];
    const match = manifests.find(
      (entry) =>
        entry.platform?.os === platform.os &&
        entry.platform.architecture === platform.architecture &&
        (platform.variant === undefined || entry.platform.variant === platform.variant),
    );
    if (!match) {
      const offered = manifests
        .map((entry) =>
          entry.platform
            ? `${String(entry.platform.os)}/${String(entry.platform.architecture)}`
            : '?',
        )
        .join(', ');
      throw new UsageError(
        `${source.name} has no ${platform.os}/${platform.architecture} image (it has ${offered || 'none'})`,
        {
          place: { key: 'platform' },
          hint: 'Pick one of those with --platform.',
        },
      );
    }
    manifestBytes = await source.getManifest(match.digest);
    parsed = parseJsonObject(manifestBytes.bytes, source, `The manifest of ${source.name}`);
  }
  const manifest = parsed as Partial<ImageManifest>;
  if (
    typeof manifest.config !== 'object' ||
    manifest.config === null ||
    !Array.isArray(manifest.layers)
  ) {
    throw badDocument(
      source,
      `${source.name} is not an image manifest (media type ${manifestBytes.mediaType})`,
    );
  }
  const config = parseJsonObject(
    await source.readBlob(manifest.config),
    source,
    `The config of ${source.name}`,
  ) as ImageConfig;
  checkPlatform(source.name, config, platform);
  return { manifest: manifest as ImageManifest, manifestBytes, config };
}

function formatPlatform(platform: Partial<Platform>): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

/**
 * A single-platform base must be the platform asked for: the new layers would otherwise be
 * labelled with one platform and run on another. A base whose config names no platform
 * (an empty image) takes the one asked.
 */
function checkPlatform(name: string, config: ImageConfig, platform: Platform): void {
  const named = (value: unknown): string | undefined =>
    typeof value === 'string' && value !== '' ? value : undefined;
  const has = {
    os: named(config.os),
    architecture: named(config.architecture),
    variant: named(config.variant),
  };
  if (!has.os && !has.architecture) return;
  const differs =
    (has.os !== undefined && has.os !== platform.os) ||
    (has.architecture !== undefined && has.architecture !== platform.architecture) ||
    (platform.variant !== undefined &&
      has.variant !== undefined &&
      has.variant !== platform.variant);
  if (!differs) return;
  const base = formatPlatform(has);
  const asked = formatPlatform(platform);
  throw new UsageError(`${name} is a ${base} image, but platform is ${asked}`, {
    place: { key: 'platform' },
    hint: `Give --platform ${base} to build on it, or a base that has ${asked} (or a multi-platform one).`,
  });
}
