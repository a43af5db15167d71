import { isIndexMediaType } from '../registry/media-types.js';
import type {
  Descriptor,
  ImageIndex,
  ImageManifest,
  ImageSource,
  ManifestBytes,
} from '../registry/model.js';
import { badDocument, parseJsonObject } from './source-fault.js';
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
  const parsedTop = parseDocument(top, source);
  if (isIndexMediaType(top.mediaType) || 'manifests' in parsedTop) {
    const index = parsedTop as Partial<ImageIndex>;
    if (!Array.isArray(index.manifests) || !index.manifests.every(isDescriptor))
      throw notAnImage(source, top.digest, 'an index without a list of manifests');
    for (const entry of index.manifests) children.push(await source.getManifest(entry.digest));
  } else {
    children.push(top);
  }
  const uploaded: Record<string, number> = {};
  let size = 0;
  for (const child of children) {
    const manifest = parseDocument(child, source) as Partial<ImageManifest>;
    if (!isDescriptor(manifest.config) || !(manifest.layers ?? []).every(isDescriptor))
      throw notAnImage(source, child.digest, 'a manifest without a config and layers');
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

/** A manifest or index as a JSON object; anything else is the fault of where it came from. */
function parseDocument(document: ManifestBytes, source: ImageSource): Record<string, unknown> {
  return parseJsonObject(
    document.bytes,
    source,
    `The manifest ${document.digest.slice(0, 80)} of ${source.name}`,
  );
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

function notAnImage(
  source: ImageSource,
  digest: string,
  what: string,
): ReturnType<typeof badDocument> {
  return badDocument(source, `${source.name} has ${what} as ${digest.slice(0, 80)}`, {
    hint:
      source.origin === 'local'
        ? 'The source is not an image sluice can copy; check the reference.'
        : `${source.name} answered with it: the registry is at fault, not the inputs; retry, or report it to whoever runs it.`,
  });
}
