import { createHash } from 'node:crypto';
import { basename, extname } from 'node:path';
import { UsageError } from '../errors.js';
import { shownPath } from '../files/fs-errors.js';
import { readUserFile } from '../files/user-file.js';
import type { ArtifactStore } from '../ports.js';
import { MediaType } from '../registry/media-types.js';
import type { Descriptor, ImageIndex, ManifestBytes } from '../registry/model.js';
import { fromBuffer } from './streams.js';
import type { UserPath } from '../files/user-file.js';

/** What the artifact is, so tools can filter referrers by type. */
export const ATTESTATION_ARTIFACT_TYPE = 'application/vnd.sluice.model.attestation.v1';
const EMPTY_CONFIG = { mediaType: 'application/vnd.oci.empty.v1+json', bytes: Buffer.from('{}') };

const BY_EXTENSION: Record<string, string> = {
  '.json': 'application/json',
  '.md': 'text/markdown',
  '.markdown': 'text/markdown',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.xml': 'application/xml',
  '.txt': 'text/plain',
  '.html': 'text/html',
};

/** Each `attach` file is held in memory and pushed as one blob: reports and cards, not weights. */
export const ATTACH_MAX_BYTES = 256 * 1024 * 1024;

/** How errors about an `attach` file name it. */
export function attachTarget(file: string): UserPath {
  return {
    file,
    what: `attach file ${shownPath(file)}`,
    key: 'attach',
    notFoundHint:
      'Nothing was built or pushed. Check the path (relative paths start in the working directory).',
  };
}

export interface AttachResult {
  digest: string;
  /** `referrers` when the registry indexes `subject` itself, else the fallback tag written. */
  via: 'referrers' | `tag:${string}`;
}

/**
 * Attaches files (model card, gate and validation reports) to an image as one OCI artifact whose
 * `subject` is the image. Registries with the referrers API index it themselves (they answer with
 * `OCI-Subject`); for the others the OCI 1.1 fallback tag `sha256-<hex>` holds an index of referrers.
 */
export async function attachFiles(
  store: ArtifactStore,
  subject: Descriptor,
  files: readonly string[],
  created: string | undefined,
): Promise<AttachResult> {
  const layers: Descriptor[] = [];
  await pushBlob(store, EMPTY_CONFIG.bytes, EMPTY_CONFIG.mediaType);
  for (const file of files) {
    const bytes = await readUserFile(file, attachTarget(file), { maxBytes: ATTACH_MAX_BYTES });
    const mediaType = BY_EXTENSION[extname(file).toLowerCase()] ?? 'application/octet-stream';
    const digest = await pushBlob(store, bytes, mediaType);
    layers.push({
      mediaType,
      digest,
      size: bytes.length,
      annotations: { 'org.opencontainers.image.title': basename(file) },
    });
  }
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    artifactType: ATTESTATION_ARTIFACT_TYPE,
    config: {
      mediaType: EMPTY_CONFIG.mediaType,
      digest: sha256(EMPTY_CONFIG.bytes),
      size: EMPTY_CONFIG.bytes.length,
    },
    layers,
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    ...(created ? { annotations: { 'org.opencontainers.image.created': created } } : {}),
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const artifact: ManifestBytes = {
    mediaType: MediaType.ociManifest,
    bytes,
    digest: sha256(bytes),
  };
  const { subjectIndexed } = await store.putManifestWithSubject(artifact);
  if (subjectIndexed) return { digest: artifact.digest, via: 'referrers' };
  // Some registries serve the referrers API without the `OCI-Subject` answer (older Harbor, the
  // go-containerregistry registry): when the API already lists the artifact, no fallback tag.
  const listed = await store.referrers(subject.digest);
  if (listed?.manifests.some((entry) => entry.digest === artifact.digest))
    return { digest: artifact.digest, via: 'referrers' };

  const tag = `sha256-${subject.digest.replace(/^sha256:/, '')}`;
  const index = await store.getManifest(tag).then(
    (existing) => JSON.parse(existing.bytes.toString('utf8')) as ImageIndex,
    (error: unknown) => {
      if (error instanceof UsageError)
        return { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] } as ImageIndex;
      throw error;
    },
  );
  const entry: Descriptor & { artifactType: string } = {
    mediaType: MediaType.ociManifest,
    digest: artifact.digest,
    size: bytes.length,
    artifactType: ATTESTATION_ARTIFACT_TYPE,
  };
  // A fallback tag that holds something other than an index (checked by the client) is replaced.
  const kept = Array.isArray(index.manifests) ? index.manifests : [];
  index.manifests = [...kept.filter((item) => item.digest !== artifact.digest), entry];
  const indexBytes = Buffer.from(JSON.stringify(index));
  await store.putManifest(tag, {
    mediaType: MediaType.ociIndex,
    bytes: indexBytes,
    digest: sha256(indexBytes),
  });
  return { digest: artifact.digest, via: `tag:${tag}` };
}

async function pushBlob(store: ArtifactStore, bytes: Buffer, mediaType: string): Promise<string> {
  const digest = sha256(bytes);
  await store.putBlob({
    mediaType,
    digest,
    size: bytes.length,
    open: (offset) => fromBuffer(bytes, offset),
  });
  return digest;
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
