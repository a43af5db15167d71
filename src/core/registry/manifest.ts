import { digestProblem, shorten } from './digest.js';
import { isIndexMediaType } from './media-types.js';
import type { ImageIndex, ImageManifest } from './model.js';

/** The OCI distribution spec's limit for a manifest or index a registry must accept. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** A config blob is read whole: larger ones are refused rather than buffered. */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

export type ManifestDocument =
  { kind: 'index'; index: ImageIndex } | { kind: 'manifest'; manifest: ImageManifest };

/**
 * Parses a manifest or index from outside and checks its shape: every descriptor has a valid
 * digest, a whole non-negative size and a media type. Returns what is wrong as a phrase (for
 * the caller to wrap in the error that suits where the bytes came from), or the document.
 */
export function checkManifest(
  bytes: Uint8Array,
  mediaType: string | undefined,
): ManifestDocument | { problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return { problem: 'is not JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { problem: 'is not a JSON object' };
  const doc = parsed as Record<string, unknown>;
  if (doc.schemaVersion !== 2) return { problem: 'has no `schemaVersion: 2`' };
  if (isIndexMediaType(mediaType) || 'manifests' in doc) {
    if (!Array.isArray(doc.manifests)) return { problem: 'is an index without a `manifests` list' };
    for (const [i, entry] of doc.manifests.entries()) {
      const problem = descriptorProblem(entry, `manifests[${i}]`);
      if (problem) return { problem };
    }
    return { kind: 'index', index: parsed as ImageIndex };
  }
  const config = descriptorProblem(doc.config, 'config');
  if (config) return { problem: config };
  if (!Array.isArray(doc.layers)) return { problem: 'has no `layers` list' };
  for (const [i, layer] of doc.layers.entries()) {
    const problem = descriptorProblem(layer, `layers[${i}]`);
    if (problem) return { problem };
  }
  return { kind: 'manifest', manifest: parsed as ImageManifest };
}

function descriptorProblem(value: unknown, where: string): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return `has a ${where} that is not a descriptor object`;
  const descriptor = value as Record<string, unknown>;
  const digest = digestProblem(descriptor.digest);
  if (digest) {
    const shown =
      typeof descriptor.digest === 'string' ? ` "${shorten(descriptor.digest, 40)}"` : '';
    return `has a ${where}.digest${shown} that ${digest}`;
  }
  const size = descriptor.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    return `has a ${where}.size that is not a whole number of bytes`;
  if (typeof descriptor.mediaType !== 'string' || descriptor.mediaType.length > 255)
    return `has a ${where}.mediaType that is not a media type`;
  return undefined;
}
