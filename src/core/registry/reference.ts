import { isIP } from 'node:net';
import { UsageError } from '../errors.js';
import { digestProblem, isDigest, shorten } from './digest.js';

export { isDigest };

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
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST =
  /^(?:([a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*)|\[([0-9a-fA-F:.]+)\])(?::([0-9]*))?$/;
/** Docker's limit on `host/repository`. */
const MAX_NAME = 255;
/** Longer input is refused before any pattern runs over it. */
const MAX_REFERENCE = 1024;

const EXAMPLES =
  'use `scratch`, `<registry>/<repo>:<tag>`, `<registry>/<repo>@sha256:…`, `oci:<dir>[:<tag>]`, `docker-archive:<path>` or `docker-daemon:<name>:<tag>`';

export function parseImageRef(text: string, key = 'image'): ImageRef {
  const value = text.trim();
  const fail = (why: string): never => {
    throw new UsageError(`Image reference "${shorten(value, 300)}" ${why}`, {
      place: { key },
      hint: EXAMPLES,
    });
  };
  if (value === '') fail('is empty');
  if (value.length > MAX_REFERENCE) fail(`is longer than ${MAX_REFERENCE} characters`);
  // Control characters (a newline in a tag, a NUL in a path) are never part of a name.
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(value)) fail('contains a control character');
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
    const at = name.lastIndexOf('@');
    const named =
      at > 0
        ? /^[^\s@]+$/.test(name.slice(0, at)) && isDigest(name.slice(at + 1))
        : /^[^\s@]+:[\w][\w.-]{0,127}$/.test(name);
    if (!named) fail('needs a name and a tag, e.g. `docker-daemon:model:1.0`');
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
    const problem = digestProblem(digest);
    if (problem !== undefined)
      fail(`has a digest that ${problem} (a digest is \`sha256:\` and 64 lowercase hex digits)`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > lastSlash) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag))
      fail(`has an invalid tag "${shorten(tag)}" (letters, digits, _ . -, at most 128)`);
  }
  const slash = rest.indexOf('/');
  const host = slash >= 0 ? rest.slice(0, slash) : '';
  const looksLikeHost =
    host.includes('.') || host.includes(':') || host === 'localhost' || host.startsWith('[');
  if (!looksLikeHost)
    fail('names no registry host (write it out, e.g. `127.0.0.1:5000/model:1.0`)');
  const hostMatch = HOST.exec(host);
  if (!hostMatch)
    fail(
      `has an invalid registry host "${shorten(host)}" (a host name or [IPv6 address], then an optional :port from 1 to 65535)`,
    );
  const port = hostMatch![3];
  if (port !== undefined) {
    const number = Number(port);
    if (port === '' || !(number >= 1 && number <= 65535))
      fail(`has the port "${shorten(port, 20)}", which is not a number from 1 to 65535`);
  }
  if (hostMatch![2] !== undefined && isIP(hostMatch![2]) !== 6)
    fail(`has an invalid IPv6 address "${host}"`);
  const repository = rest.slice(slash + 1);
  if (rest.length > MAX_NAME)
    fail(`has a name of ${rest.length} characters (at most ${MAX_NAME}, registry included)`);
  if (!repository.split('/').every((part) => COMPONENT.test(part))) {
    fail(
      `has an invalid repository "${shorten(repository)}" (lowercase letters, digits and . _ - between them)`,
    );
  }
  const ref: ImageRef = { transport: 'registry', registry: host, repository };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** A repository path as registries name it (`team/model`), checked before it goes in a URL. */
export function isRepository(text: string): boolean {
  return (
    text.length > 0 &&
    text.length <= MAX_NAME &&
    text.split('/').every((part) => COMPONENT.test(part))
  );
}

/** A tag as the distribution spec allows it. */
export function isTag(text: string): boolean {
  return TAG.test(text);
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
