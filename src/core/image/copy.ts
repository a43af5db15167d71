import { UsageError } from '../errors.js';
import { isIndexMediaType } from '../registry/media-types.js';
import type {
  Descriptor,
  ImageIndex,
  ImageManifest,
  ImageSource,
  ManifestBytes,
} from '../registry/model.js';
import { writeBlobs, type SinkTarget } from './write.js';

export interface CopyResult {
  digest: string;
  /** The top manifest (or index) as copied. */
  manifest: ManifestBytes;
  /** Bytes of the blobs the image references (every platform of an index). */
  size: number;
  uploaded: Record<string, number>;
  manifests: number;
}

/**
 * Copies an image by digest, blob by blob, straight from the source to each destination (no
 * disk): blobs first, child manifests of an index next, the tagged manifest last, so a tag never
 * points at something incomplete.
 */
export async function copyImage(
  source: ImageSource,
  targets: readonly SinkTarget[],
  parallel: number,
  progress?: (bytes: number) => void,
): Promise<CopyResult> {
  const top = await source.getManifest();
  const children: ManifestBytes[] = [];
  const parsedTop = parseDocument(top, source.name);
  if (isIndexMediaType(top.mediaType) || 'manifests' in parsedTop) {
    const index = parsedTop as Partial<ImageIndex>;
    if (!Array.isArray(index.manifests) || !index.manifests.every(isDescriptor))
      throw notAnImage(source.name, top.digest, 'an index without a list of manifests');
    for (const entry of index.manifests) children.push(await source.getManifest(entry.digest));
  } else {
    children.push(top);
  }
  const uploaded: Record<string, number> = {};
  let size = 0;
  for (const child of children) {
    const manifest = parseDocument(child, source.name) as Partial<ImageManifest>;
    if (!isDescriptor(manifest.config) || !(manifest.layers ?? []).every(isDescriptor))
      throw notAnImage(source.name, child.digest, 'a manifest without a config and layers');
    const descriptors = [manifest.config, ...(manifest.layers ?? [])];
    size += descriptors.reduce((sum, descriptor) => sum + descriptor.size, 0);
    const stats = await writeBlobs(
      descriptors.map((descriptor) => ({ source: source.getBlob(descriptor) })),
      targets,
      parallel,
      progress,
    );
    for (const [name, bytes] of Object.entries(stats.uploaded))
      uploaded[name] = (uploaded[name] ?? 0) + bytes;
    if (child !== top) for (const target of targets) await target.sink.putManifest(child, []);
  }
  let digest = top.digest;
  for (const target of targets) {
    digest = await target.sink.putManifest(top, target.tags);
    await target.sink.close?.();
  }
  return { digest, manifest: top, size, uploaded, manifests: children.length };
}

/** A manifest or index as a JSON object; anything else is a UsageError naming the source. */
function parseDocument(document: ManifestBytes, source: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(document.bytes.toString('utf8'));
  } catch {
    throw notAnImage(source, document.digest, 'a document that is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw notAnImage(source, document.digest, 'a document that is not a JSON object');
  return parsed as Record<string, unknown>;
}

function isDescriptor(value: unknown): value is Descriptor {
  const item = value as Partial<Descriptor> | null;
  return (
    typeof item === 'object' &&
    item !== null &&
    typeof item.digest === 'string' &&
    typeof item.size === 'number' &&
    Number.isSafeInteger(item.size) &&
    item.size >= 0
  );
}

function notAnImage(source: string, digest: string, what: string): UsageError {
  return new UsageError(`${source} has ${what} as ${digest.slice(0, 80)}`, {
    hint: 'The source is not an image sluice can copy; check the reference.',
  });
}
