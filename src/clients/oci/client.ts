import type {
  Descriptor,
  ImageIndex,
  ManifestBytes,
  BlobSource,
} from '../../core/registry/model.js';
import { BlobReader, hasBlob } from './blobs.js';
import type { RegistryHttp } from './http.js';
import { ManifestApi } from './manifests.js';
import { pullScope } from './paths.js';
import { BlobUploader, type UploadOptions, type UploadResult } from './uploads.js';

export type { UploadOptions, UploadResult } from './uploads.js';

/**
 * The OCI distribution API for one registry: manifests and referrers (manifests.ts), blob reads
 * (blobs.ts) and uploads (uploads.ts), over one RegistryHttp (its tokens shared by all three).
 */
export class RegistryClient {
  private readonly manifests: ManifestApi;
  private readonly blobs: BlobReader;
  private readonly uploads: BlobUploader;

  constructor(
    readonly http: RegistryHttp,
    sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms)),
    attempts = 5,
    baseDelayMs = 500,
  ) {
    this.manifests = new ManifestApi(http);
    this.blobs = new BlobReader(http);
    this.uploads = new BlobUploader(http, sleep, attempts, baseDelayMs);
  }

  get registry(): string {
    return this.http.registry;
  }

  hasBlob(repository: string, digest: string): Promise<boolean> {
    return hasBlob(this.http, repository, digest);
  }

  getManifest(
    repository: string,
    reference: string,
    scope = pullScope(repository),
  ): Promise<ManifestBytes> {
    return this.manifests.getManifest(repository, reference, scope);
  }

  /** Puts a manifest that has a `subject`; a registry with the referrers API says so with `OCI-Subject`. */
  putManifestWithSubject(
    repository: string,
    manifest: ManifestBytes,
  ): Promise<{ digest: string; subjectIndexed: boolean }> {
    return this.manifests.putManifestWithSubject(repository, manifest);
  }

  /** The referrers of `digest`, or undefined when the registry has no referrers API. */
  referrers(repository: string, digest: string): Promise<ImageIndex | undefined> {
    return this.manifests.referrers(repository, digest);
  }

  putManifest(repository: string, reference: string, manifest: ManifestBytes): Promise<string> {
    return this.manifests.putManifest(repository, reference, manifest);
  }

  /** Streams a blob from `offset`, checked against its digest when read from the start. */
  readBlob(
    repository: string,
    digest: string,
    offset = 0,
    size?: number,
  ): AsyncGenerator<Uint8Array> {
    return this.blobs.readBlob(repository, digest, offset, size);
  }

  /** A small blob (a config) whole, bounded by `cap` and checked against its digest. */
  readSmallBlob(repository: string, descriptor: Descriptor, cap: number): Promise<Buffer> {
    return this.blobs.readSmallBlob(repository, descriptor, cap);
  }

  /** Puts a blob: skipped when there, mounted when it can be, else uploaded (resuming). */
  uploadBlob(
    repository: string,
    blob: BlobSource,
    options: UploadOptions = {},
  ): Promise<UploadResult> {
    return this.uploads.uploadBlob(repository, blob, options);
  }
}
