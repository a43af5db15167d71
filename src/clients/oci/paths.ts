import { InfraError } from '../../core/errors.js';
import { digestProblem, isDigest, shorten } from '../../core/registry/digest.js';
import type { BlobSource } from '../../core/registry/model.js';
import { isRepository, isTag } from '../../core/registry/reference.js';
import type { RegistryHttp } from './http.js';

/** The registry's answer nobody expected, as an InfraError naming the request (masked). */
export async function unexpectedAnswer(
  http: RegistryHttp,
  method: string,
  url: string,
  response: Response,
): Promise<InfraError> {
  const detail = await http.serverText(response);
  return new InfraError(
    http.mask(
      `${method} ${http.describe(url)} answered HTTP ${response.status}${detail ? `: ${detail}` : ''}`,
    ),
  );
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

export function checkDigest(digest: string): string {
  const problem = digestProblem(digest);
  if (problem !== undefined)
    throw new InfraError(
      `Refused to request the blob "${shorten(String(digest))}": the digest ${problem}`,
    );
  return digest;
}

export function checkRepository(repository: string): string {
  if (!isRepository(repository))
    throw new InfraError(
      `Refused to request the repository "${shorten(repository)}": not a repository name`,
    );
  return repository;
}

export function checkSourceDigest(blob: BlobSource, computed: string): string {
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
