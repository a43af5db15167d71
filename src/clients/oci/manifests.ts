import { InfraError, UsageError } from '../../core/errors.js';
import { digestOf, digestProblem, isDigest, shorten } from '../../core/registry/digest.js';
import { checkManifest, MAX_MANIFEST_BYTES } from '../../core/registry/manifest.js';
import { MANIFEST_ACCEPT, MediaType } from '../../core/registry/media-types.js';
import type { ImageIndex, ManifestBytes } from '../../core/registry/model.js';
import { readCapped } from './http-body.js';
import type { RegistryHttp } from './http.js';
import {
  checkDigest,
  checkRepository,
  manifestPath,
  pullScope,
  pushScope,
  unexpectedAnswer,
} from './paths.js';

/** Manifests and referrers of one registry: read checked, written by digest or tag. */
export class ManifestApi {
  constructor(private readonly http: RegistryHttp) {}

  async getManifest(
    repository: string,
    reference: string,
    scope = pullScope(repository),
  ): Promise<ManifestBytes> {
    const url = manifestPath(repository, reference);
    const name = `${this.http.registry}/${repository}${isDigest(reference) ? '@' : ':'}${reference}`;
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
    if (response.status !== 200) throw await unexpectedAnswer(this.http, 'GET', url, response);
    const header = response.headers.get('content-type')?.split(';')[0]?.trim();
    const declared =
      header && /^[\w.+-]+\/[\w.+-]+$/.test(header) && header.length <= 255 ? header : undefined;
    const bytes = await readCapped(
      response,
      MAX_MANIFEST_BYTES,
      this.http.registry,
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
          `${this.http.registry} answered GET ${name} with a Docker-Content-Digest header that ${problem}`,
        );
      if (reported !== digestOf(bytes, reported))
        throw new InfraError(
          `${this.http.registry} says ${name} has the digest ${reported}, but its bytes hash to ${digestOf(bytes, reported)}`,
        );
    }
    const checked = checkManifest(bytes, declared);
    if ('problem' in checked) {
      throw new InfraError(
        `${this.http.registry} sent a manifest for ${name} (media type ${shorten(declared ?? 'none given', 100)}) that ${checked.problem}`,
        {
          hint: `The registry ${this.http.registry} (or a proxy in front of it) answered with something that is not an image manifest.`,
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
      this.http.registry,
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
      throw await unexpectedAnswer(this.http, 'PUT', url, response);
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
        `${this.http.registry} answered PUT ${repository}:${reference} with a Docker-Content-Digest header that ${digestProblem(reported)}`,
      );
    if (reported && reported !== manifest.digest) {
      throw new InfraError(
        `${this.http.registry} stored the manifest as ${reported}, not ${manifest.digest}`,
      );
    }
    return reported ?? manifest.digest;
  }
}
