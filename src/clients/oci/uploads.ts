import { createHash } from 'node:crypto';
import { InfraError } from '../../core/errors.js';
import { isDigest } from '../../core/registry/digest.js';
import type { BlobSource } from '../../core/registry/model.js';
import { hasBlob } from './blobs.js';
import { ChunkReader } from './chunks.js';
import { networkProblem } from './http-body.js';
import type { RegistryHttp } from './http.js';
import {
  checkDigest,
  checkRepository,
  checkSourceDigest,
  pullScope,
  pushScope,
  unexpectedAnswer,
} from './paths.js';

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

/** Blob uploads to one registry: mounts, single PUTs, and chunked uploads that resume. */
export class BlobUploader {
  constructor(
    private readonly http: RegistryHttp,
    private readonly sleep: (ms: number) => Promise<void>,
    private readonly attempts: number,
    private readonly baseDelayMs: number,
  ) {}

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
      if (await hasBlob(this.http, repository, blob.digest))
        return { digest: blob.digest, size: blob.size, uploaded: 0 };
      const from = blob.mountFrom;
      if (from && from.registry === this.http.registry && from.repository !== repository) {
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
      `Upload of ${blob.digest ?? 'a layer'} to ${this.http.registry}/${repository} failed ${restarts + 1} times: ${(lastError as Error).message}`,
      {
        hint: `Check that the registry ${this.http.registry} is up and has space.`,
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
    if (response.status !== 202 || !location)
      throw await unexpectedAnswer(this.http, 'POST', url, response);
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
        if (!blob.digest && (await hasBlob(this.http, repository, digest)))
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
      `Upload of ${blob.digest ?? 'a layer'} to ${this.http.registry}/${repository} stopped at byte ${offset + sent} after ${this.attempts} attempts: ${problem}`,
      {
        hint: `Check that the registry ${this.http.registry} is up; pushing again resumes from the layers it already has.`,
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
      throw await unexpectedAnswer(this.http, 'PUT', location, response);
  }
}
