/**
 * A small client for the Kubernetes API: what the routers need (get one object, server-side apply
 * to it), over node:https, with the kubeconfig read here. `@kubernetes/client-node` 2.x cannot be
 * loaded on Node 20 (its bundled undici 8 needs Node >= 22.19: zlib's zstd), so it is not used
 * (DEVELOPING.md, "The Kubernetes client"). kubeconfig exec plugins run in ./exec-credential.ts.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import { InfraError, UsageError } from '../../../core/errors.js';
import type { KubernetesAccessConfig, KubernetesEnvironment } from '../../../core/rollout/model.js';
import { bounded } from '../weights.js';
import {
  ExecCredentialPlugin,
  parseExecConfig,
  type Credential,
  type CredentialSource,
  type ExecPluginDeps,
} from './exec-credential.js';

/** The field manager every sluice write uses (server-side apply). */
const FIELD_MANAGER = 'sluice';
/** The annotation on the driven object that records the rollout's last change. */
export const ROLLOUT_ANNOTATION = 'sluice.dev/rollout';
const DEFAULT_TIMEOUT_MS = 10_000;
/** Largest answer read from the API server, bytes. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;
const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

/** A Kubernetes object as the routers handle it: loosely typed, checked where read. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    generation?: number;
    annotations?: Record<string, string>;
    managedFields?: { manager?: string; operation?: string }[];
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface KubeObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

/** A resource as RBAC names it: plural + API group ('' for the core group). */
export interface RbacResource {
  resource: string;
  group: string;
}

export interface KubeApi {
  /** The API server's address, for messages. */
  readonly server: string;
  get(ref: KubeObjectRef, rbac: RbacResource, signal?: AbortSignal): Promise<KubeObject>;
  /**
   * A JSON merge patch (`patch` verb); a `metadata.resourceVersion` in it makes it conditional.
   * For fields server-side apply cannot own well (another controller's status, Argo's pause).
   */
  mergePatch?(
    ref: KubeObjectRef,
    rbac: RbacResource,
    body: unknown,
    signal?: AbortSignal,
    subresource?: 'status',
  ): Promise<KubeObject>;
  /** The objects of a kind in a namespace matching a label selector (`list` verb). */
  list?(
    apiVersion: string,
    namespace: string,
    rbac: RbacResource,
    labelSelector: string,
    signal?: AbortSignal,
  ): Promise<KubeObject[]>;
  /**
   * Server-side apply (field manager `sluice`, forced) of `body`; a `metadata.resourceVersion` in
   * it makes the write conditional (409 when the object changed since it was read).
   */
  apply(body: KubeObject, rbac: RbacResource, signal?: AbortSignal): Promise<KubeObject>;
}

/** A 409 from the API server: the object changed since it was read. Retried by the routers. */
export class ConflictError extends Error {}

/** An HTTP answer other than 2xx, before it is mapped to sluice's errors. */
export class KubeStatusError extends Error {
  constructor(
    readonly code: number,
    readonly body: string,
  ) {
    super(`HTTP ${code}`);
  }
}

/** How to reach one API server: address, TLS, credentials. */
export interface KubeConnection {
  server: string;
  token?: string;
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  insecureSkipTlsVerify?: boolean;
  timeoutMs?: number;
  /** A kubeconfig `exec` plugin: asked before each request (it caches), again once on a 401. */
  credentials?: CredentialSource;
}

/** The API server over HTTP(S): one request, bounded in time and size. */
export class KubeHttp {
  constructor(readonly connection: KubeConnection) {}

  get server(): string {
    return this.connection.server;
  }

  async request(
    method: string,
    path: string,
    options: { body?: string; contentType?: string; signal?: AbortSignal } = {},
  ): Promise<{ status: number; body: string }> {
    const source = this.connection.credentials;
    if (!source) return this.send(method, path, options, {});
    const answer = await this.send(method, path, options, await source.get(options.signal));
    if (answer.status !== 401) return answer;
    // The credential may have been revoked or expired early: run the plugin again, once.
    source.invalidate();
    return this.send(method, path, options, await source.get(options.signal));
  }

  private send(
    method: string,
    path: string,
    options: { body?: string; contentType?: string; signal?: AbortSignal },
    credential: Credential,
  ): Promise<{ status: number; body: string }> {
    const c = { ...this.connection, ...credential };
    const url = new URL(path, c.server.endsWith('/') ? c.server : `${c.server}/`);
    const timeoutMs = c.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (c.token) headers.authorization = `Bearer ${c.token}`;
    if (options.body !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(options.body));
    }
    return new Promise((resolve, reject) => {
      const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
      const req = send(
        url,
        {
          method,
          headers,
          ...(url.protocol === 'https:'
            ? {
                rejectUnauthorized: c.insecureSkipTlsVerify !== true,
                ...(c.ca !== undefined ? { ca: c.ca } : {}),
                ...(c.cert !== undefined ? { cert: c.cert } : {}),
                ...(c.key !== undefined ? { key: c.key } : {}),
              }
            : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_ANSWER_BYTES) {
              req.destroy(new Error(`an answer larger than ${MAX_ANSWER_BYTES} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () => {
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
          });
          res.on('error', (error) => {
            clearTimeout(timer);
            reject(error);
          });
        },
      );
      const timer = setTimeout(
        () =>
          req.destroy(
            Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }),
          ),
        timeoutMs,
      );
      req.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      req.end(options.body);
    });
  }
}

/** The REST path of one object: /api/v1/... for the core group, /apis/<group>/<version>/... else. */
export function objectPath(ref: KubeObjectRef, rbac: RbacResource): string {
  const base = rbac.group === '' ? `/api/${ref.apiVersion}` : `/apis/${ref.apiVersion}`;
  return `${base}/namespaces/${encodeURIComponent(ref.namespace)}/${rbac.resource}/${encodeURIComponent(ref.name)}`;
}

/** The routers' client on a KubeHttp: errors mapped, answers parsed. */
class HttpKubeApi implements KubeApi {
  constructor(private readonly http: KubeHttp) {}

  get server(): string {
    return this.http.server;
  }

  get(ref: KubeObjectRef, rbac: RbacResource, signal?: AbortSignal): Promise<KubeObject> {
    return this.call('get', ref, rbac, () =>
      this.http.request('GET', objectPath(ref, rbac), signal ? { signal } : {}),
    );
  }

  async list(
    apiVersion: string,
    namespace: string,
    rbac: RbacResource,
    labelSelector: string,
    signal?: AbortSignal,
  ): Promise<KubeObject[]> {
    const ref: KubeObjectRef = { apiVersion, kind: '', namespace, name: '' };
    const base = objectPath(ref, rbac).replace(/\/$/, '');
    const list = await this.call('list', ref, rbac, () =>
      this.http.request(
        'GET',
        `${base}?labelSelector=${encodeURIComponent(labelSelector)}&limit=500`,
        signal ? { signal } : {},
      ),
    );
    const items = (list as { items?: unknown }).items;
    if (!Array.isArray(items))
      throw new InfraError(
        `the Kubernetes API server at ${this.server} answered a list without items`,
      );
    return items.filter((i): i is KubeObject => !!i && typeof i === 'object');
  }

  mergePatch(
    ref: KubeObjectRef,
    rbac: RbacResource,
    body: unknown,
    signal?: AbortSignal,
    subresource?: 'status',
  ): Promise<KubeObject> {
    const target = subresource ? { ...rbac, resource: `${rbac.resource}/${subresource}` } : rbac;
    const path = `${objectPath(ref, rbac)}${subresource ? `/${subresource}` : ''}`;
    return this.call('patch', ref, target, () =>
      this.http.request('PATCH', `${path}?fieldManager=${FIELD_MANAGER}`, {
        body: JSON.stringify(body),
        contentType: 'application/merge-patch+json',
        ...(signal ? { signal } : {}),
      }),
    );
  }

  apply(body: KubeObject, rbac: RbacResource, signal?: AbortSignal): Promise<KubeObject> {
    const ref: KubeObjectRef = {
      apiVersion: body.apiVersion ?? '',
      kind: body.kind ?? '',
      namespace: body.metadata?.namespace ?? '',
      name: body.metadata?.name ?? '',
    };
    const query = `?fieldManager=${FIELD_MANAGER}&force=true`;
    return this.call('patch', ref, rbac, () =>
      this.http.request('PATCH', `${objectPath(ref, rbac)}${query}`, {
        body: JSON.stringify(body),
        contentType: 'application/apply-patch+yaml',
        ...(signal ? { signal } : {}),
      }),
    );
  }

  private async call(
    verb: string,
    ref: KubeObjectRef,
    rbac: RbacResource,
    run: () => Promise<{ status: number; body: string }>,
  ): Promise<KubeObject> {
    let answer: { status: number; body: string };
    try {
      answer = await run();
    } catch (error) {
      throw mapError(error, verb, ref, rbac, this.server);
    }
    if (answer.status < 200 || answer.status > 299)
      throw mapError(new KubeStatusError(answer.status, answer.body), verb, ref, rbac, this.server);
    try {
      const parsed: unknown = JSON.parse(answer.body);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
        return parsed as KubeObject;
    } catch {
      // fall through
    }
    throw new InfraError(
      `the Kubernetes API server at ${this.server} answered ${verb} on ${describe(rbac, ref)} with something other than an object: ${bounded(answer.body, 200)}`,
    );
  }
}

/** Builds the client from the spec's access keys or the platform's kubeconfig / in-cluster env. */
/**
 * The API client of a router, made on first use (creating it reads the kubeconfig, which a
 * spec error found earlier must not wait for); tests hand in their own.
 */
export function lazyKubeApi(
  access: KubernetesAccessConfig,
  deps: KubeDeps,
  routerName: string,
  given?: KubeApi,
): () => Promise<KubeApi> {
  let api: Promise<KubeApi> | undefined = given ? Promise.resolve(given) : undefined;
  const { kubernetes, ...plugin } = deps;
  return () => (api ??= createKubeApi(access, kubernetes, routerName, plugin));
}

/** What a router hands its client: where credentials are, and how to run an exec plugin. */
export interface KubeDeps extends ExecPluginDeps {
  kubernetes?: KubernetesEnvironment | undefined;
}

export async function createKubeApi(
  access: KubernetesAccessConfig,
  env: KubernetesEnvironment | undefined,
  routerName: string,
  plugin: ExecPluginDeps = {},
): Promise<KubeApi> {
  return new HttpKubeApi(new KubeHttp(await connectionFor(access, env, routerName, plugin)));
}

/** What to do when a file the connection needs cannot be read, by what it is. */
const READ_HINTS: Record<string, string> = {
  'the kubeconfig':
    'set KUBECONFIG to your kubeconfig file, or give server: and tokenFile: (and caFile:) in the router',
  caFile: 'give router.caFile the path of the API server’s CA certificate',
  tokenFile: 'give router.tokenFile the path of a file holding a bearer token for the API server',
};

async function readUserFile(path: string, what: string, routerName: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const why =
      code === 'ENOENT'
        ? 'it does not exist (ENOENT)'
        : code === 'EACCES'
          ? 'permission denied (EACCES)'
          : code === 'EISDIR'
            ? 'it is a folder (EISDIR)'
            : code;
    throw new UsageError(`${routerName}: cannot read ${what} ${path}: ${why}`, {
      hint:
        READ_HINTS[what] ??
        'run inside a pod with a service account, or give server: and tokenFile: in the router',
    });
  }
}

export async function connectionFor(
  access: KubernetesAccessConfig,
  env: KubernetesEnvironment | undefined,
  routerName: string,
  plugin: ExecPluginDeps = {},
): Promise<KubeConnection> {
  const timeoutMs = access.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const files = {
    ...(access.caFile !== undefined
      ? { ca: await readUserFile(access.caFile, 'caFile', routerName) }
      : {}),
    ...(access.insecureSkipTlsVerify === true ? { insecureSkipTlsVerify: true } : {}),
  };
  if (access.server !== undefined) {
    const token =
      access.tokenFile !== undefined
        ? (await readUserFile(access.tokenFile, 'tokenFile', routerName)).toString('utf8').trim()
        : undefined;
    return { server: access.server, ...(token ? { token } : {}), ...files, timeoutMs };
  }
  const kubeconfig =
    env?.kubeconfigFiles[0] ??
    (env?.inClusterServer === undefined && env ? join(env.home, '.kube', 'config') : undefined);
  if (kubeconfig !== undefined) {
    const connection = await fromKubeconfig(kubeconfig, access.context, routerName, plugin);
    return { ...connection, ...files, timeoutMs };
  }
  if (env?.inClusterServer !== undefined) {
    const token = (
      await readUserFile(`${SERVICE_ACCOUNT}/token`, 'the service account token', routerName)
    )
      .toString('utf8')
      .trim();
    const ca = await readUserFile(
      `${SERVICE_ACCOUNT}/ca.crt`,
      'the service account CA',
      routerName,
    );
    return { server: env.inClusterServer, token, ca, ...files, timeoutMs };
  }
  throw new UsageError(`${routerName}: no Kubernetes credentials`, {
    hint: 'set KUBECONFIG, run in a pod with a service account, or give server: and tokenFile: in the router',
  });
}

type Entry = Record<string, unknown>;
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The current (or named) context's cluster and user from a kubeconfig file. */
async function fromKubeconfig(
  file: string,
  context: string | undefined,
  routerName: string,
  plugin: ExecPluginDeps,
): Promise<KubeConnection> {
  const fail = (why: string, hint?: string) =>
    new UsageError(`${routerName}: the kubeconfig ${file} ${why}`, {
      hint:
        hint ?? 'check it with kubectl config view, or give server: and tokenFile: in the router',
    });
  let config: Entry;
  try {
    const parsed: unknown = parse(
      (await readUserFile(file, 'the kubeconfig', routerName)).toString('utf8'),
    );
    if (!parsed || typeof parsed !== 'object') throw new Error('not a map');
    config = parsed as Entry;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw fail(`is not YAML sluice can read: ${bounded(String((error as Error).message), 120)}`);
  }
  const named = (list: unknown, name: string | undefined, what: string): Entry => {
    const found = Array.isArray(list)
      ? (list as Entry[]).find((item) => item && typeof item === 'object' && item.name === name)
      : undefined;
    const inner = found?.[what];
    if (!inner || typeof inner !== 'object')
      throw fail(`has no ${what} "${bounded(String(name), 80)}"`);
    return inner as Entry;
  };
  const contextName = context ?? str(config['current-context']);
  if (!contextName) throw fail('sets no current-context');
  const ctx = named(config.contexts, contextName, 'context');
  const cluster = named(config.clusters, str(ctx.cluster), 'cluster');
  const user = str(ctx.user) !== undefined ? named(config.users, str(ctx.user), 'user') : {};
  const base = dirname(file);
  const pathOf = (p: string) => (isAbsolute(p) ? p : join(base, p));
  const data = async (inline: unknown, path: unknown, what: string) => {
    if (typeof inline === 'string') return Buffer.from(inline, 'base64');
    if (typeof path === 'string') return readUserFile(pathOf(path), what, routerName);
    return undefined;
  };
  const server = str(cluster.server);
  if (!server) throw fail(`names no server for cluster "${bounded(String(ctx.cluster), 80)}"`);
  if (user['auth-provider'] !== undefined)
    throw fail(
      `uses an auth-provider plugin for user "${bounded(String(ctx.user), 80)}", which kubectl removed and sluice does not run`,
      'regenerate the kubeconfig with your cloud CLI: it writes an exec plugin (gke-gcloud-auth-plugin, kubelogin, aws eks get-token), which sluice runs',
    );
  const ca = await data(
    cluster['certificate-authority-data'],
    cluster['certificate-authority'],
    'certificate-authority',
  );
  const cert = await data(
    user['client-certificate-data'],
    user['client-certificate'],
    'client-certificate',
  );
  const key = await data(user['client-key-data'], user['client-key'], 'client-key');
  let credentials: CredentialSource | undefined;
  if (user.exec !== undefined && user.exec !== null) {
    const config = parseExecConfig(user.exec, String(ctx.user), pathOf, fail);
    if ((user.exec as Entry).provideClusterInfo === true)
      config.cluster = {
        server,
        ...(ca ? { 'certificate-authority-data': ca.toString('base64') } : {}),
        ...(cluster['insecure-skip-tls-verify'] === true
          ? { 'insecure-skip-tls-verify': true }
          : {}),
        ...(typeof cluster['tls-server-name'] === 'string'
          ? { 'tls-server-name': cluster['tls-server-name'] }
          : {}),
      };
    credentials = new ExecCredentialPlugin(config, routerName, plugin);
  }
  let token = str(user.token);
  if (token === undefined && typeof user.tokenFile === 'string')
    token = (await readUserFile(pathOf(user.tokenFile), 'tokenFile', routerName))
      .toString('utf8')
      .trim();
  return {
    server,
    ...(token ? { token } : {}),
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(cluster['insecure-skip-tls-verify'] === true ? { insecureSkipTlsVerify: true } : {}),
    ...(credentials ? { credentials } : {}),
  };
}

function describe(rbac: RbacResource, ref: KubeObjectRef): string {
  const resource = rbac.group ? `${rbac.resource}.${rbac.group}` : rbac.resource;
  if (ref.name === '') return `${resource} in namespace "${ref.namespace}"`;
  return `${resource} "${ref.name}" in namespace "${ref.namespace}"`;
}

/** The API server's Status message, if the body is one. */
function statusMessage(body: unknown): string | undefined {
  let value: unknown = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return body.trim() === '' ? undefined : bounded(body, 300);
    }
  }
  if (value && typeof value === 'object' && 'message' in value) {
    const message = (value as { message?: unknown }).message;
    if (typeof message === 'string') return bounded(message, 300);
  }
  return undefined;
}

/** Maps a failure to sluice's errors: exit 3 for the server and RBAC, 2 for the spec. */
export function mapError(
  error: unknown,
  verb: string,
  ref: KubeObjectRef,
  rbac: RbacResource,
  server: string,
): Error {
  if (error instanceof InfraError || error instanceof UsageError) return error;
  if (error instanceof Error && error.name === 'AbortError') return error;
  const code = (error as { code?: unknown }).code;
  const what = describe(rbac, ref);
  if (typeof code === 'number') {
    const message = statusMessage((error as { body?: unknown }).body);
    if (code === 409) return new ConflictError(message ?? 'conflict');
    if (code === 403)
      return new InfraError(
        `the Kubernetes API server at ${server} forbids ${verb} on ${what} (RBAC: verb "${verb}" on resource "${rbac.resource}" in API group "${rbac.group || 'core'}" is missing)`,
        {
          hint: `grant it in a Role bound to sluice's account: apiGroups: ["${rbac.group}"], resources: ["${rbac.resource}"], verbs: ["${verb}"] (docs/kubernetes.md lists what each router needs)`,
        },
      );
    if (code === 401)
      return new InfraError(
        `the Kubernetes API server at ${server} rejected sluice's credentials (401) for ${verb} on ${what}`,
        { hint: 'check the token or the kubeconfig user' },
      );
    if (code === 404)
      return new UsageError(`${what} was not found on the Kubernetes API server at ${server}`, {
        hint: 'check namespace: and the object name in the router, and that its CRD is installed',
      });
    if (code === 422 || code === 400)
      return new UsageError(
        `the Kubernetes API server at ${server} rejected the change to ${what}: ${message ?? `HTTP ${code}`}`,
      );
    return new InfraError(
      `the Kubernetes API server at ${server} answered HTTP ${code} to ${verb} on ${what}${message ? `: ${message}` : ''}`,
    );
  }
  const cause = (error as { cause?: { code?: unknown } }).cause;
  const reason =
    (typeof code === 'string' ? code : undefined) ??
    (typeof cause?.code === 'string' ? cause.code : undefined) ??
    bounded(String((error as Error)?.message ?? error), 200);
  return new InfraError(
    `the Kubernetes API server at ${server} is unreachable (${reason}) during ${verb} on ${what}`,
    {
      hint: 'check that the API server runs and the address in the kubeconfig or server: is right',
    },
  );
}
