import { UsageError } from '../errors.js';

/**
 * Image references in the transports people know from skopeo. A bare reference (or
 * `docker://…`) names a registry repository; the registry host must be explicit.
 */
export type ImageRef =
  | { transport: 'scratch' }
  | { transport: 'registry'; registry: string; repository: string; tag?: string; digest?: string }
  | { transport: 'oci'; dir: string; tag?: string }
  | { transport: 'docker-archive'; path: string; name?: string }
  | { transport: 'docker-daemon'; name: string };

const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;

const EXAMPLES =
  'use `scratch`, `<registry>/<repo>:<tag>`, `<registry>/<repo>@sha256:…`, `oci:<dir>[:<tag>]`, `docker-archive:<path>` or `docker-daemon:<name>:<tag>`';

export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}

export function parseImageRef(text: string, key = 'image'): ImageRef {
  const value = text.trim();
  const fail = (why: string): never => {
    throw new UsageError(`Image reference "${value}" ${why}`, { place: { key }, hint: EXAMPLES });
  };
  if (value === '') fail('is empty');
  if (value === 'scratch') return { transport: 'scratch' };
  if (value.startsWith('oci:')) {
    const { path, tag } = splitPathAndTag(value.slice(4));
    if (!path) fail('names no directory');
    return tag === undefined
      ? { transport: 'oci', dir: path }
      : { transport: 'oci', dir: path, tag };
  }
  if (value.startsWith('docker-archive:')) {
    // skopeo's form: `docker-archive:<path>[:<name>:<tag>]`, split at the first colon.
    const rest = value.slice('docker-archive:'.length);
    const colon = rest.indexOf(':');
    const path = colon < 0 ? rest : rest.slice(0, colon);
    if (!path) fail('names no file');
    return colon < 0
      ? { transport: 'docker-archive', path }
      : { transport: 'docker-archive', path, name: rest.slice(colon + 1) };
  }
  if (value.startsWith('docker-daemon:')) {
    const name = value.slice('docker-daemon:'.length);
    if (!/^[^\s]+(?::[\w][\w.-]*|@sha256:[a-f0-9]{64})$/.test(name))
      fail('needs a name and a tag, e.g. `docker-daemon:model:1.0`');
    return { transport: 'docker-daemon', name };
  }
  const bare = value.startsWith('docker://') ? value.slice('docker://'.length) : value;
  return parseRegistryRef(bare, fail);
}

function parseRegistryRef(value: string, fail: (why: string) => never): ImageRef {
  let rest = value;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) fail('has a digest that is not `sha256:` and 64 hex digits');
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > lastSlash) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) fail(`has an invalid tag "${tag}"`);
  }
  const slash = rest.indexOf('/');
  const host = slash >= 0 ? rest.slice(0, slash) : '';
  const looksLikeHost =
    host.includes('.') || host.includes(':') || host === 'localhost' || host.startsWith('[');
  if (!looksLikeHost)
    fail('names no registry host (write it out, e.g. `127.0.0.1:5000/model:1.0`)');
  if (!HOST.test(host)) fail(`has an invalid registry host "${host}"`);
  const repository = rest.slice(slash + 1);
  if (!repository.split('/').every((part) => COMPONENT.test(part))) {
    fail(
      `has an invalid repository "${repository}" (lowercase letters, digits and . _ - between them)`,
    );
  }
  const ref: ImageRef = { transport: 'registry', registry: host, repository };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** `path[:tag]`: the part after the last colon is a tag only when it looks like one. */
function splitPathAndTag(text: string): { path: string; tag?: string } {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return { path: text };
  const candidate = text.slice(colon + 1);
  if (!TAG.test(candidate)) return { path: text };
  return { path: text.slice(0, colon), tag: candidate };
}

export function formatImageRef(ref: ImageRef): string {
  switch (ref.transport) {
    case 'scratch':
      return 'scratch';
    case 'registry':
      return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
    case 'oci':
      return `oci:${ref.dir}${ref.tag ? `:${ref.tag}` : ''}`;
    case 'docker-archive':
      return `docker-archive:${ref.path}${ref.name ? `:${ref.name}` : ''}`;
    case 'docker-daemon':
      return `docker-daemon:${ref.name}`;
  }
}

/** Plain HTTP is allowed for loopback registries only, unless the user says otherwise. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:[0-9]+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
