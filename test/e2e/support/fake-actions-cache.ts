/**
 * A loopback stand-in for GitHub's actions cache service (v2), as @actions/cache 4.x calls it:
 * three Twirp JSON methods under /twirp/github.actions.results.api.v1.CacheService/ (proto field
 * names, bearer token), an Azure-blob-style upload to the signed URL it hands out (single-shot
 * Put Blob, or Put Block + Put Block List for large archives), and a plain GET to download.
 * Entries are matched like the service does: same version, then exact key, then key prefix.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const SERVICE = '/twirp/github.actions.results.api.v1.CacheService/';

export interface FakeCacheEntry {
  key: string;
  version: string;
  blob: string;
  finalized: boolean;
  sizeBytes?: number;
}

export interface FakeActionsCache {
  /** The variables a runner gives a step that may use the cache. */
  readonly env: Record<string, string>;
  readonly entries: FakeCacheEntry[];
  /** Uploaded archives by blob name (the archive bytes the package sent). */
  readonly blobs: Map<string, Buffer>;
  /** Every request as `METHOD path` (no query), in order. */
  readonly requests: string[];
  /** When set, CreateCacheEntry refuses every key, as when another job reserved it first. */
  rejectCreate: boolean;
  close(): Promise<void>;
}

async function body(request: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

function json(response: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

function blobHeaders(): Record<string, string> {
  return {
    etag: `"0x${randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase()}"`,
    'last-modified': new Date().toUTCString(),
    'x-ms-request-id': randomUUID(),
    'x-ms-version': '2025-01-05',
    'x-ms-request-server-encrypted': 'true',
    'content-length': '0',
  };
}

export async function startFakeActionsCache(): Promise<FakeActionsCache> {
  const token = `fake-runtime-token-${randomUUID()}`;
  const entries: FakeCacheEntry[] = [];
  const blobs = new Map<string, Buffer>();
  const blocks = new Map<string, Buffer>();
  const requests: string[] = [];
  // The package masks signatures in its logs: random ones keep common words unmasked.
  const readSig = randomUUID();
  const writeSig = randomUUID();
  let base = '';

  function find(key: string, restoreKeys: string[], version: string): FakeCacheEntry | undefined {
    const done = entries.filter((entry) => entry.finalized && entry.version === version).reverse();
    return (
      done.find((entry) => entry.key === key) ??
      restoreKeys
        .map((prefix) => done.find((entry) => entry.key.startsWith(prefix)))
        .find((entry) => entry !== undefined)
    );
  }

  async function twirp(method: string, request: IncomingMessage, response: ServerResponse) {
    if (request.headers.authorization !== `Bearer ${token}`)
      return json(response, 401, { code: 'unauthenticated', msg: 'bad token' });
    if (!String(request.headers['content-type']).startsWith('application/json'))
      return json(response, 415, { code: 'malformed', msg: 'JSON only' });
    const input = JSON.parse((await body(request)).toString('utf8')) as Record<string, unknown>;
    const key = String(input.key ?? '');
    const version = String(input.version ?? '');
    if (!key || !version) return json(response, 400, { code: 'invalid_argument', msg: 'key' });
    if (method === 'GetCacheEntryDownloadURL') {
      const restoreKeys = Array.isArray(input.restore_keys) ? input.restore_keys.map(String) : [];
      const hit = find(key, restoreKeys, version);
      return json(
        response,
        200,
        hit
          ? {
              ok: true,
              signed_download_url: `${base}${hit.blob}?sig=${readSig}`,
              matched_key: hit.key,
            }
          : { ok: false },
      );
    }
    if (method === 'CreateCacheEntry') {
      const taken = entries.some((entry) => entry.key === key && entry.version === version);
      if (fake.rejectCreate || taken)
        return json(response, 409, { code: 'already_exists', msg: 'cache entry already exists' });
      const blob = `/devstoreaccount1/actions-cache/${randomUUID()}.tzst`;
      entries.push({ key, version, blob, finalized: false });
      return json(response, 200, { ok: true, signed_upload_url: `${base}${blob}?sig=${writeSig}` });
    }
    if (method === 'FinalizeCacheEntryUpload') {
      const entry = entries.find((e) => e.key === key && e.version === version && !e.finalized);
      const size = Number(input.size_bytes);
      if (!entry || blobs.get(entry.blob)?.length !== size)
        return json(response, 200, { ok: false, message: 'no upload of that size for this key' });
      entry.finalized = true;
      entry.sizeBytes = size;
      return json(response, 200, { ok: true, entry_id: String(entries.indexOf(entry) + 1) });
    }
    return json(response, 404, { code: 'bad_route', msg: method });
  }

  async function blob(request: IncomingMessage, response: ServerResponse, url: URL) {
    const name = url.pathname;
    if (request.method === 'GET') {
      const data = blobs.get(name);
      if (!data || url.searchParams.get('sig') !== readSig) {
        response.writeHead(404).end();
        return;
      }
      const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
      const start = range ? Number(range[1]) : 0;
      const end = range?.[2] ? Number(range[2]) + 1 : data.length;
      response.writeHead(range ? 206 : 200, {
        'content-type': 'application/octet-stream',
        'content-length': end - start,
      });
      response.end(data.subarray(start, end));
      return;
    }
    if (request.method !== 'PUT' || url.searchParams.get('sig') !== writeSig) {
      response.writeHead(403).end();
      return;
    }
    const data = await body(request);
    const comp = url.searchParams.get('comp');
    if (comp === 'block') {
      blocks.set(`${name}#${url.searchParams.get('blockid')}`, data);
    } else if (comp === 'blocklist') {
      const ids = [...data.toString('utf8').matchAll(/<(?:Latest|Uncommitted)>([^<]*)</g)];
      const parts = ids.map((id) => blocks.get(`${name}#${id[1]}`));
      if (parts.some((part) => part === undefined)) {
        response.writeHead(400).end();
        return;
      }
      blobs.set(name, Buffer.concat(parts as Buffer[]));
    } else if (request.headers['x-ms-blob-type'] === 'BlockBlob') {
      blobs.set(name, data);
    } else {
      response.writeHead(400).end();
      return;
    }
    response.writeHead(201, blobHeaders()).end();
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', base);
    requests.push(`${request.method} ${url.pathname}`);
    const handle = url.pathname.startsWith(SERVICE)
      ? request.method === 'POST'
        ? twirp(url.pathname.slice(SERVICE.length), request, response)
        : Promise.resolve(json(response, 405, { code: 'bad_route', msg: 'POST only' }))
      : blob(request, response, url);
    handle.catch((error: unknown) => {
      if (!response.headersSent) json(response, 500, { code: 'internal', msg: String(error) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fake: FakeActionsCache = {
    env: {
      ACTIONS_RUNTIME_TOKEN: token,
      ACTIONS_RESULTS_URL: `${base}/`,
      ACTIONS_CACHE_SERVICE_V2: 'True',
    },
    entries,
    blobs,
    requests,
    rejectCreate: false,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
  return fake;
}
