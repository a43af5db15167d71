/** The OCI image model: descriptors, manifests, indexes, configs, and blobs as byte sources. */

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string; variant?: string };
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageConfig {
  created?: string;
  architecture: string;
  os: string;
  config?: {
    User?: string;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    ExposedPorts?: Record<string, Record<string, never>>;
    Labels?: Record<string, string>;
    [key: string]: unknown;
  };
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: { created?: string; created_by?: string; comment?: string; empty_layer?: boolean }[];
  [key: string]: unknown;
}

/**
 * Bytes that can be read again from any offset: a file, a layer regenerated
 * deterministically, or a blob in another registry. Uploads resume by reopening.
 */
export interface BlobSource {
  mediaType: string;
  /** Known up front (a copy, a cached layer), or learnt by the first full read. */
  digest?: string;
  size?: number;
  /** Everything from `offset` to the end. */
  open(offset: number): AsyncIterable<Uint8Array>;
  /** The registry and repository the blob already lives in, for a cross-repository mount. */
  mountFrom?: { registry: string; repository: string };
}

/** A manifest document as bytes, with its digest: what is hashed is what is pushed. */
export interface ManifestBytes {
  mediaType: string;
  bytes: Buffer;
  digest: string;
}

/** Where an image goes: a registry repository, an OCI layout, a docker archive. */
export interface ImageSink {
  /** Human name, for messages. */
  readonly name: string;
  hasBlob(digest: string): Promise<boolean>;
  /** Stores the blob and returns its digest and size (computed while streaming when unknown). */
  putBlob(
    blob: BlobSource,
    progress?: (bytes: number) => void,
  ): Promise<{ digest: string; size: number; uploaded: number }>;
  /** Stores a manifest under its digest and the given tags; returns the digest the store reports. */
  putManifest(manifest: ManifestBytes, tags: readonly string[]): Promise<string>;
  /** Flushes whatever the sink assembles at the end (an archive, a daemon load). */
  close?(): Promise<void>;
}

/** Where an image comes from. */
export interface ImageSource {
  readonly name: string;
  /**
   * Where the source's bytes come from, which decides whose fault a bad document is: `local`,
   * files on this machine the user (or a pull request) gave, an OCI layout or an archive (exit 2);
   * `remote`, a server that answered, a registry or the Docker engine (exit 3).
   */
  readonly origin: 'local' | 'remote';
  /** The manifest (or index) the reference points at. */
  getManifest(reference?: string): Promise<ManifestBytes>;
  getBlob(descriptor: Descriptor): BlobSource;
  readBlob(descriptor: Descriptor): Promise<Buffer>;
  /** Removes whatever the source made to be read (a `docker save` archive). */
  close?(): Promise<void>;
}
