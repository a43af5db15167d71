import { createHash } from 'node:crypto';
import { InfraError, UsageError } from '../../core/errors.js';
import { digestOf, digestProblem, hashFor, isDigest, shorten } from '../../core/registry/digest.js';
import { checkManifest, MAX_MANIFEST_BYTES } from '../../core/registry/manifest.js';
import { MANIFEST_ACCEPT, MediaType } from '../../core/registry/media-types.js';
import type {
  BlobSource,
  Descriptor,
  ImageIndex,
  ManifestBytes,
} from '../../core/registry/model.js';
import { isRepository, isTag } from '../../core/registry/reference.js';
import { ChunkReader } from './chunks.js';
import { networkProblem, readCapped, type RegistryHttp } from './http.js';

export interface UploadOptions {
  /** Bytes per PATCH; blobs that fit in one chunk go up in a single PUT. */
  chunkBytes?: number;
  /** Whole-upload restarts when the registry lost an upload. */
  restarts?: number;
  progress?: (bytes: number) => void;
}

export interface UploadResult {
  digest: string;
  size: number;
  /** Bytes sent; 0 when the registry already had the blob or mounted it. */
  uploaded: number;
  mounted?: boolean;
}

const DEFAULT_CHUNK = 16 * 1024 * 1024;

class LostUpload extends Error {}

/** The OCI distribution API for one registry: blobs, uploads and manifests. */
export class RegistryClient {
  constructor(
    readonly http: RegistryHttp,
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms)),
    private readonly attempts = 5,
    private readonly baseDelayMs = 500,
  ) {}

  get registry(): string {
    return this.http.registry;
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const url = blobPath(repository, digest);
    const response = await this.http.send({
      method: 'HEAD',
      url,
      scopes: [pushScope(repository)],
    });
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    throw await this.unexpected('HEAD', url, response);
  }

  async getManifest(
    repository: string,
    reference: string,
    scope = pullScope(repository),
  ): Promise<ManifestBytes> {
    const url = manifestPath(repository, reference);
    const name = `${this.registry}/${repository}${isDigest(reference) ? '@' : ':'}${reference}`;
    const response = await this.http.send({
      method: 'GET',
      url,
      scopes: [scope],
      headers: { accept: MANIFEST_ACCEPT },
    });
    if (response.status === 404) {
      await response.body?.cancel().catch(() => undefined);
      throw new UsageError(`${name} does not exist`, {
        hint: 'Check the image name and tag.',
      });
    }
    if (response.status !== 200) throw await this.unexpected('GET', url, response);
    const header = response.headers.get('content-type')?.split(';')[0]?.trim();
    const declared =
      header && /^[\w.+-]+\/[\w.+-]+$/.test(header) && header.length <= 255 ? header : undefined;
    const bytes = await readCapped(
      response,
      MAX_MANIFEST_BYTES,
      this.registry,
      `a manifest for ${repository}${isDigest(reference) ? '@' : ':'}${reference}`,
    );
    const digest = digestOf(bytes, isDigest(reference) ? reference : 'sha256:');
    if (isDigest(reference) && reference !== digest) {
      throw new InfraError(`${name} returned a manifest whose digest is ${digest}`);
    }
    const reported = response.headers.get('docker-content-digest');
    if (reported !== null) {
      const problem = digestProblem(reported);
      if (problem !== undefined)
        throw new InfraError(
          `${this.registry} answered GET ${name} with a Docker-Content-Digest header that ${problem}`,
        );
      if (reported !== digestOf(bytes, reported))
        throw new InfraError(
          `${this.registry} says ${name} has the digest ${reported}, but its bytes hash to ${digestOf(bytes, reported)}`,
        );
    }
    const checked = checkManifest(bytes, declared);
    if ('problem' in checked) {
      throw new InfraError(
        `${this.registry} sent a manifest for ${name} (media type ${shorten(declared ?? 'none given', 100)}) that ${checked.problem}`,
        {
          hint: `The registry ${this.registry} (or a proxy in front of it) answered with something that is not an image manifest.`,
        },
      );
    }
    const document = checked.kind === 'index' ? checked.index : checked.manifest;
    const mediaType =
      declared ??
      (typeof document.mediaType === 'string'
        ? document.mediaType
        : checked.kind === 'index'
          ? MediaType.ociIndex
          : MediaType.ociManifest);
    return { mediaType, bytes, digest: isDigest(reference) ? reference : digest };
  }

  /** Puts a manifest that has a `subject`; a registry with the referrers API says so with `OCI-Subject`. */
  async putManifestWithSubject(
    repository: string,
    manifest: ManifestBytes,
  ): Promise<{ digest: string; subjectIndexed: boolean }> {
    const response = await this.sendManifest(repository, manifest.digest, manifest);
    return { digest: manifest.digest, subjectIndexed: response.headers.has('oci-subject') };
  }

  /**
   * The referrers of `digest` from `GET /v2/<repo>/referrers/<digest>`, or undefined when the
   * registry has no referrers API (distribution 2.8 answers 404).
   */
  async referrers(repository: string, digest: string): Promise<ImageIndex | undefined> {
    const url = `/v2/${checkRepository(repository)}/referrers/${checkDigest(digest)}`;
    const response = await this.http.send({
      method: 'GET',
      url,
      scopes: [pullScope(repository)],
      headers: { accept: MediaType.ociIndex },
    });
    // Any other answer means "no usable API": the fallback tag works on every registry.
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      return undefined;
    }
    const bytes = await readCapped(
      response,
      MAX_MANIFEST_BYTES,
      this.registry,
      `a referrers list for ${repository}@${digest}`,
    );
    const checked = checkManifest(bytes, MediaType.ociIndex);
    return 'kind' in checked && checked.kind === 'index' ? checked.index : undefined;
  }

  /** PUT of a manifest under a tag or digest; the caller reads the headers it cares about. */
  private async sendManifest(
    repository: string,
    reference: string,
    manifest: ManifestBytes,
  ): Promise<Response> {
    const url = manifestPath(repository, reference);
    const response = await this.http.send({
      method: 'PUT',
      url,
      scopes: [pushScope(repository)],
      headers: { 'content-type': manifest.mediaType },
      body: manifest.bytes,
    });
    if (response.status !== 201 && response.status !== 200)
      throw await this.unexpected('PUT', url, response);
    await response.body?.cancel();
    return response;
  }

  async putManifest(
    repository: string,
    reference: string,
    manifest: ManifestBytes,
  ): Promise<string> {
    const response = await this.sendManifest(repository, reference, manifest);
    const reported = response.headers.get('docker-content-digest');
    if (reported !== null && !isDigest(reported))
      throw new InfraError(
        `${this.registry} answered PUT ${repository}:${reference} with a Docker-Content-Digest header that ${digestProblem(reported)}`,
      );
    if (reported && reported !== manifest.digest) {
      throw new InfraError(
        `${this.registry} stored the manifest as ${reported}, not ${manifest.digest}`,
      );
    }
    return reported ?? manifest.digest;
  }

  /**
   * Streams a blob from `offset`; each chunk is read as it arrives. Read from the start, the
   * bytes are checked against the digest at the end: a registry that sends other bytes fails
   * the read (an InfraError naming it) before the last chunk is handed on.
   */
  async *readBlob(
    repository: string,
    digest: string,
    offset = 0,
    size?: number,
  ): AsyncGenerator<Uint8Array> {
    const url = blobPath(repository, digest);
    const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
    const response = await this.http.send({
      method: 'GET',
      url,
      scopes: [pullScope(repository)],
      headers,
      transfer: true,
    });
    if (response.status !== 200 && response.status !== 206)
      throw await this.unexpected('GET', url, response);
    if (!response.body) throw new InfraError(`GET ${this.http.describe(url)} answered no body`);
    let skip = offset > 0 && response.status === 200 ? offset : 0; // the server ignored the range
    const hash = offset === 0 ? hashFor(digest) : undefined;
    const where = `${this.registry}/${repository}@${digest}`;
    let held: Uint8Array | undefined;
    let position = offset;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      const piece = skip > 0 ? chunk.subarray(skip) : chunk;
      skip = 0;
      position += piece.length;
      if (size !== undefined && position > size) {
        await response.body.cancel().catch(() => undefined);
        throw new InfraError(`${where} is larger than the ${size} bytes its descriptor says`);
      }
      hash?.update(piece);
      // One chunk is held back so the last one is only handed on once the digest matched.
      if (held) yield held;
      held = piece;
    }
    if (size !== undefined && position < size)
      throw new InfraError(
        `${where} ended after ${position} of the ${size} bytes its descriptor says`,
      );
    if (hash) {
      const got = `${digest.slice(0, digest.indexOf(':'))}:${hash.digest('hex')}`;
      if (got !== digest)
        throw new InfraError(
          `${this.registry} sent other bytes for ${repository}@${digest}: they hash to ${got}`,
          {
            hint: `The registry ${this.registry} (or a proxy in front of it) corrupted or replaced the blob.`,
          },
        );
    }
    if (held) yield held;
  }

  /**
   * A small blob (a config) whole: refused when its descriptor says it is larger than `cap`,
   * and reading stops once more bytes arrive than the descriptor says. The digest is checked.
   */
  async readSmallBlob(repository: string, descriptor: Descriptor, cap: number): Promise<Buffer> {
    const where = `${this.registry}/${repository}@${descriptor.digest}`;
    if (!Number.isSafeInteger(descriptor.size) || descriptor.size < 0 || descriptor.size > cap)
      throw new InfraError(
        `${where} is listed with a size of ${String(descriptor.size)} bytes; at most ${cap} are read for it`,
      );
    const parts: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of this.readBlob(repository, descriptor.digest, 0, descriptor.size)) {
      total += chunk.length;
      parts.push(chunk);
    }
    return Buffer.concat(parts, total);
  }

  /**
   * Puts a blob: skips it when the registry has it, mounts it from another repository of the
   * same registry when it can, else uploads it in one PUT (small) or in PATCH chunks that resume
   * where the registry says it stopped. The digest is computed while the bytes go out.
   */
  async uploadBlob(
    repository: string,
    blob: BlobSource,
    options: UploadOptions = {},
  ): Promise<UploadResult> {
    if (blob.digest && blob.size !== undefined) {
      if (await this.hasBlob(repository, blob.digest))
        return { digest: blob.digest, size: blob.size, uploaded: 0 };
      const from = blob.mountFrom;
      if (from && from.registry === this.registry && from.repository !== repository) {
        if (await this.mount(repository, from.repository, blob.digest))
          return { digest: blob.digest, size: blob.size, uploaded: 0, mounted: true };
      }
    }
    const restarts = options.restarts ?? 2;
    let lastError: unknown;
    for (let attempt = 0; attempt <= restarts; attempt += 1) {
      try {
        return await this.uploadOnce(repository, blob, options);
      } catch (error) {
        if (!(error instanceof LostUpload)) throw error;
        lastError = error;
      }
    }
    throw new InfraError(
      `Upload of ${blob.digest ?? 'a layer'} to ${this.registry}/${repository} failed ${restarts + 1} times: ${(lastError as Error).message}`,
      {
        hint: `Check that the registry ${this.registry} is up and has space.`,
      },
    );
  }

  private async mount(repository: string, from: string, digest: string): Promise<boolean> {
    const url = `/v2/${checkRepository(repository)}/blobs/uploads/?mount=${encodeURIComponent(checkDigest(digest))}&from=${encodeURIComponent(checkRepository(from))}`;
    const response = await this.http.send({
      method: 'POST',
      url,
      scopes: [pushScope(repository), pullScope(from)],
    });
    await response.body?.cancel();
    return response.status === 201;
  }

  private async startUpload(repository: string): Promise<string> {
    const url = `/v2/${checkRepository(repository)}/blobs/uploads/`;
    const response = await this.http.send({ method: 'POST', url, scopes: [pushScope(repository)] });
    await response.body?.cancel();
    const location = response.headers.get('location');
    if (response.status !== 202 || !location) throw await this.unexpected('POST', url, response);
    return this.http.resolve(location);
  }

  private async uploadOnce(
    repository: string,
    blob: BlobSource,
    options: UploadOptions,
  ): Promise<UploadResult> {
    const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK;
    // A known digest (a base layer) is checked with its own algorithm; new blobs are sha256.
    const algorithm =
      blob.digest && isDigest(blob.digest)
        ? blob.digest.slice(0, blob.digest.indexOf(':'))
        : 'sha256';
    const hash = createHash(algorithm);
    const reader = new ChunkReader(blob.open(0));
    // Two buffers per upload, whatever the blob's size: one on the wire, one being filled.
    // Fresh ones per attempt, so a failed request still writing one can never see it refilled.
    const buffers: Buffer[] = [];
    let turn = 0;
    const nextChunk = () => {
      const index = turn++ % 2;
      buffers[index] ??= Buffer.allocUnsafeSlow(chunkBytes);
      return reader.next(chunkBytes, buffers[index]);
    };
    try {
      const first = (await nextChunk()) ?? Buffer.alloc(0);
      hash.update(first);
      if (reader.ended) {
        const digest = checkSourceDigest(blob, `${algorithm}:${hash.digest('hex')}`);
        if (!blob.digest && (await this.hasBlob(repository, digest)))
          return { digest, size: first.length, uploaded: 0 };
        const location = await this.startUpload(repository);
        await this.finish(repository, location, digest, first);
        options.progress?.(first.length);
        return { digest, size: first.length, uploaded: first.length };
      }
      let location = await this.startUpload(repository);
      let offset = 0;
      let chunk: Buffer | undefined = first;
      while (chunk) {
        const pending = nextChunk().then((next) => {
          if (next) hash.update(next);
          return next;
        });
        pending.catch(() => undefined); // awaited below; this only keeps Node from calling it unhandled
        location = await this.patch(repository, location, chunk, offset, blob);
        offset += chunk.length;
        options.progress?.(chunk.length);
        chunk = await pending;
      }
      const digest = checkSourceDigest(blob, `${algorithm}:${hash.digest('hex')}`);
      await this.finish(repository, location, digest, undefined);
      return { digest, size: offset, uploaded: offset };
    } finally {
      await reader.close().catch(() => undefined);
    }
  }

  /** Sends one chunk; after a failure asks the registry how much it kept and sends the rest. */
  private async patch(
    repository: string,
    location: string,
    chunk: Buffer,
    offset: number,
    blob: BlobSource,
  ): Promise<string> {
    let sent = 0;
    let problem = '';
    for (let attempt = 1; attempt <= this.attempts; attempt += 1) {
      if (attempt > 1) {
        await this.sleep(this.baseDelayMs * 2 ** (attempt - 2));
        const kept = await this.uploadedBytes(repository, location).catch((error: unknown) => {
          problem = networkProblem(error);
          return undefined;
        });
        if (kept === undefined) continue;
        if (kept === 'lost' || kept < offset || kept > offset + chunk.length)
          throw new LostUpload(`the registry lost the upload at byte ${offset}`);
        sent = kept - offset;
        if (sent === chunk.length) return location;
      }
      const end = offset + chunk.length - 1;
      let response: Response;
      try {
        response = await this.http.send({
          method: 'PATCH',
          url: location,
          scopes: [pushScope(repository)],
          headers: {
            'content-type': 'application/octet-stream',
            'content-range': `${offset + sent}-${end}`,
          },
          body: chunk.subarray(sent),
          retry: false,
        });
      } catch (error) {
        if (!(error instanceof InfraError)) throw error;
        problem = error.message;
        continue;
      }
      await response.body?.cancel();
      if (response.status === 202)
        return this.http.resolve(response.headers.get('location') ?? location);
      if (response.status === 404) throw new LostUpload('the registry no longer knows the upload');
      problem = `HTTP ${response.status}`;
    }
    throw new InfraError(
      `Upload of ${blob.digest ?? 'a layer'} to ${this.registry}/${repository} stopped at byte ${offset + sent} after ${this.attempts} attempts: ${problem}`,
      {
        hint: `Check that the registry ${this.registry} is up; pushing again resumes from the layers it already has.`,
      },
    );
  }

  /** How many bytes the registry holds for an upload, or `lost` when it forgot it. */
  private async uploadedBytes(repository: string, location: string): Promise<number | 'lost'> {
    const response = await this.http
      .send({ method: 'GET', url: location, scopes: [pushScope(repository)], retry: false })
      .catch((error: unknown) => {
        throw error instanceof InfraError ? new Error(error.message) : error;
      });
    await response.body?.cancel();
    if (response.status === 404) return 'lost';
    if (response.status !== 204 && response.status !== 200)
      throw new Error(`upload status HTTP ${response.status}`);
    const range = /^(?:bytes=)?0-(\d+)$/.exec(response.headers.get('range') ?? '');
    if (!range) return 0;
    const last = Number(range[1]);
    return last === 0 ? 0 : last + 1;
  }

  private async finish(
    repository: string,
    location: string,
    digest: string,
    body: Buffer | undefined,
  ): Promise<void> {
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    const response = await this.http.send({
      method: 'PUT',
      url: url.toString(),
      scopes: [pushScope(repository)],
      headers: { 'content-type': 'application/octet-stream' },
      body: body ?? Buffer.alloc(0),
    });
    await response.body?.cancel();
    if (response.status === 404) throw new LostUpload('the registry no longer knows the upload');
    if (response.status !== 201 && response.status !== 204)
      throw await this.unexpected('PUT', location, response);
  }

  private async unexpected(method: string, url: string, response: Response): Promise<InfraError> {
    const detail = await this.http.serverText(response);
    return new InfraError(
      this.http.mask(
        `${method} ${this.http.describe(url)} answered HTTP ${response.status}${detail ? `: ${detail}` : ''}`,
      ),
    );
  }
}

/**
 * `/v2/<name>/blobs/<digest>`, only for a valid name and digest: a digest from a hostile
 * manifest (`sha256:../../x`) never becomes a request to another path of the registry.
 */
export function blobPath(repository: string, digest: string): string {
  return `/v2/${checkRepository(repository)}/blobs/${checkDigest(digest)}`;
}

/** `/v2/<name>/manifests/<tag or digest>`, only for a valid name, tag or digest. */
export function manifestPath(repository: string, reference: string): string {
  if (!isTag(reference) && !isDigest(reference))
    throw new InfraError(
      `Refused to ask for the manifest "${shorten(reference)}": it is neither a tag nor a digest`,
    );
  return `/v2/${checkRepository(repository)}/manifests/${reference}`;
}

function checkDigest(digest: string): string {
  const problem = digestProblem(digest);
  if (problem !== undefined)
    throw new InfraError(
      `Refused to request the blob "${shorten(String(digest))}": the digest ${problem}`,
    );
  return digest;
}

function checkRepository(repository: string): string {
  if (!isRepository(repository))
    throw new InfraError(
      `Refused to request the repository "${shorten(repository)}": not a repository name`,
    );
  return repository;
}

function checkSourceDigest(blob: BlobSource, computed: string): string {
  if (blob.digest && blob.digest !== computed) {
    throw new InfraError(
      `The bytes of ${blob.digest} hash to ${computed}: the source changed while it was read`,
    );
  }
  return computed;
}

export function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}

export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}
