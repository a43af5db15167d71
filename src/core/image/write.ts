import { createHash } from 'node:crypto';
import { mapLimit } from '../async/map-limit.js';
import { MediaType, toOciLayerMediaType } from '../registry/media-types.js';
import type {
  BlobSource,
  Descriptor,
  ImageManifest,
  ImageSink,
  ManifestBytes,
} from '../registry/model.js';
import type { ArtifactStore } from '../ports.js';
import { fromBuffer } from './streams.js';

export interface SinkTarget {
  sink: ImageSink;
  tags: string[];
  /** A registry repository's referrers, for files attached to the image once it is there. */
  artifacts?: ArtifactStore;
}

export interface BlobToWrite {
  source: BlobSource;
  /** Called once the first sink has learnt the blob's digest and size. */
  onKnown?: (digest: string, size: number) => Promise<void> | void;
}

export interface WriteStats {
  /** Bytes actually sent, per sink name. */
  uploaded: Record<string, number>;
}

/**
 * Writes blobs to every sink, bounded in parallel. The first sink learns the digest of blobs
 * built on the fly; the others then get the same bytes by digest.
 */
export async function writeBlobs(
  blobs: readonly BlobToWrite[],
  targets: readonly SinkTarget[],
  parallel: number,
  progress?: (bytes: number) => void,
): Promise<WriteStats> {
  const uploaded: Record<string, number> = {};
  for (const [index, target] of targets.entries()) {
    uploaded[target.sink.name] = 0;
    await mapLimit(blobs, parallel, async (blob) => {
      const result = await target.sink.putBlob(blob.source, progress);
      uploaded[target.sink.name] = (uploaded[target.sink.name] ?? 0) + result.uploaded;
      if (index === 0 && (blob.source.digest === undefined || blob.source.size === undefined)) {
        blob.source.digest = result.digest;
        blob.source.size = result.size;
        await blob.onKnown?.(result.digest, result.size);
      }
    });
  }
  return { uploaded };
}

export function jsonBlob(
  value: unknown,
  mediaType: string,
): { bytes: Buffer; descriptor: Descriptor; source: BlobSource } {
  const bytes = Buffer.from(JSON.stringify(value));
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  return {
    bytes,
    descriptor: { mediaType, digest, size: bytes.length },
    source: { mediaType, digest, size: bytes.length, open: (offset) => fromBuffer(bytes, offset) },
  };
}

export function manifestBytes(manifest: ImageManifest): ManifestBytes {
  const bytes = Buffer.from(JSON.stringify(manifest));
  return {
    mediaType: manifest.mediaType,
    bytes,
    digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
  };
}

export function ociManifest(
  config: Descriptor,
  layers: readonly Descriptor[],
  annotations?: Record<string, string>,
): ImageManifest {
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: config.digest, size: config.size },
    layers: layers.map((layer) => ({
      mediaType: toOciLayerMediaType(layer.mediaType),
      digest: layer.digest,
      size: layer.size,
    })),
  };
  if (annotations && Object.keys(annotations).length > 0) manifest.annotations = annotations;
  return manifest;
}
