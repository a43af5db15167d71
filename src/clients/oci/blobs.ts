import { InfraError } from '../../core/errors.js';
import { hashFor } from '../../core/registry/digest.js';
import type { Descriptor } from '../../core/registry/model.js';
import type { RegistryHttp } from './http.js';
import { blobPath, pullScope, pushScope, unexpectedAnswer } from './paths.js';

/** Whether `repository` has the blob (`HEAD`). */
export async function hasBlob(
  http: RegistryHttp,
  repository: string,
  digest: string,
): Promise<boolean> {
  const url = blobPath(repository, digest);
  const response = await http.send({ method: 'HEAD', url, scopes: [pushScope(repository)] });
  if (response.status === 200) return true;
  if (response.status === 404) return false;
  throw await unexpectedAnswer(http, 'HEAD', url, response);
}

/** Blobs of one registry, read as streams checked against their digests. */
export class BlobReader {
  constructor(private readonly http: RegistryHttp) {}

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
      throw await unexpectedAnswer(this.http, 'GET', url, response);
    if (!response.body) throw new InfraError(`GET ${this.http.describe(url)} answered no body`);
    let skip = offset > 0 && response.status === 200 ? offset : 0; // the server ignored the range
    const hash = offset === 0 ? hashFor(digest) : undefined;
    const where = `${this.http.registry}/${repository}@${digest}`;
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
          `${this.http.registry} sent other bytes for ${repository}@${digest}: they hash to ${got}`,
          {
            hint: `The registry ${this.http.registry} (or a proxy in front of it) corrupted or replaced the blob.`,
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
    const where = `${this.http.registry}/${repository}@${descriptor.digest}`;
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
}
