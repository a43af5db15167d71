import { isIndexMediaType } from '../registry/media-types.js';
import type { ImageIndex, ImageManifest, ImageSource, ManifestBytes } from '../registry/model.js';
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
  if (
    isIndexMediaType(top.mediaType) ||
    'manifests' in (JSON.parse(top.bytes.toString('utf8')) as object)
  ) {
    const index = JSON.parse(top.bytes.toString('utf8')) as ImageIndex;
    for (const entry of index.manifests) children.push(await source.getManifest(entry.digest));
  } else {
    children.push(top);
  }
  const uploaded: Record<string, number> = {};
  let size = 0;
  for (const child of children) {
    const manifest = JSON.parse(child.bytes.toString('utf8')) as ImageManifest;
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
