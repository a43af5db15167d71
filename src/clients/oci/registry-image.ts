import type {
  BlobSource,
  Descriptor,
  ImageSink,
  ImageSource,
  ManifestBytes,
} from '../../core/registry/model.js';
import { isDigest } from '../../core/registry/digest.js';
import { MAX_CONFIG_BYTES } from '../../core/registry/manifest.js';
import type { ArtifactStore, RegistryDestination } from '../../core/ports.js';
import type { RegistryClient, UploadResult } from './client.js';

/** A registry repository as the destination of an image. */
export class RegistrySink implements ImageSink, RegistryDestination {
  readonly name: string;
  /** The repository's referrers and manifests, for artifacts attached to what was pushed. */
  readonly artifacts: ArtifactStore;
  /** Bytes per PATCH for large blobs. */
  chunkBytes: number | undefined;

  constructor(
    readonly client: RegistryClient,
    readonly repository: string,
  ) {
    this.name = `${client.registry}/${repository}`;
    this.artifacts = {
      putBlob: (blob) => client.uploadBlob(repository, blob),
      putManifestWithSubject: (manifest) => client.putManifestWithSubject(repository, manifest),
      referrers: (digest) => client.referrers(repository, digest),
      getManifest: (reference) => client.getManifest(repository, reference),
      putManifest: (reference, manifest) => client.putManifest(repository, reference, manifest),
    };
  }

  hasBlob(digest: string): Promise<boolean> {
    return this.client.hasBlob(this.repository, digest);
  }

  putBlob(blob: BlobSource, progress?: (bytes: number) => void): Promise<UploadResult> {
    const options = progress
      ? { progress, chunkBytes: this.chunkBytes }
      : { chunkBytes: this.chunkBytes };
    return this.client.uploadBlob(this.repository, blob, options);
  }

  async putManifest(manifest: ManifestBytes, tags: readonly string[]): Promise<string> {
    // The digest first: a tag then only ever moves to a manifest the registry accepted whole.
    let digest = await this.client.putManifest(this.repository, manifest.digest, manifest);
    for (const tag of tags) digest = await this.client.putManifest(this.repository, tag, manifest);
    return digest;
  }
}

/** A registry repository as a base image or the source of a promotion. */
export class RegistrySource implements ImageSource {
  readonly name: string;
  readonly origin = 'remote';

  constructor(
    private readonly client: RegistryClient,
    private readonly repository: string,
    private readonly reference: string,
  ) {
    this.name = `${client.registry}/${repository}${isDigest(reference) ? '@' : ':'}${reference}`;
  }

  getManifest(reference?: string): Promise<ManifestBytes> {
    return this.client.getManifest(this.repository, reference ?? this.reference);
  }

  getBlob(descriptor: Descriptor): BlobSource {
    return {
      mediaType: descriptor.mediaType,
      digest: descriptor.digest,
      size: descriptor.size,
      mountFrom: { registry: this.client.registry, repository: this.repository },
      open: (offset: number) =>
        this.client.readBlob(this.repository, descriptor.digest, offset, descriptor.size),
    };
  }

  /** A blob read whole (a config): bounded in size, checked against its digest. */
  readBlob(descriptor: Descriptor): Promise<Buffer> {
    return this.client.readSmallBlob(this.repository, descriptor, MAX_CONFIG_BYTES);
  }
}
