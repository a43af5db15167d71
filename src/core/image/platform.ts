import { InfraError, UsageError } from '../errors.js';
import { isIndexMediaType } from '../registry/media-types.js';
import type {
  ImageConfig,
  ImageIndex,
  ImageManifest,
  ImageSource,
  ManifestBytes,
} from '../registry/model.js';

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
  let parsed = parseJson<ImageManifest | ImageIndex>(manifestBytes.bytes, source.name);
  if (isIndexMediaType(manifestBytes.mediaType) || 'manifests' in parsed) {
    const index = parsed as ImageIndex;
    const match = index.manifests.find(
      (entry) =>
        entry.platform?.os === platform.os &&
        entry.platform.architecture === platform.architecture &&
        (platform.variant === undefined || entry.platform.variant === platform.variant),
    );
    if (!match) {
      const offered = index.manifests
        .map((entry) =>
          entry.platform ? `${entry.platform.os}/${entry.platform.architecture}` : '?',
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
    parsed = parseJson<ImageManifest>(manifestBytes.bytes, source.name);
  }
  const manifest = parsed as ImageManifest;
  if (!manifest.config || !Array.isArray(manifest.layers)) {
    throw new UsageError(
      `${source.name} is not an image manifest (media type ${manifestBytes.mediaType})`,
    );
  }
  const config = parseJson<ImageConfig>(
    await source.readBlob(manifest.config),
    `${source.name} config`,
  );
  return { manifest, manifestBytes, config };
}

function parseJson<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch (error) {
    throw new InfraError(`${what} returned a document that is not JSON`, { cause: error });
  }
}
