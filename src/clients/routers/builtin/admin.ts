import type http from 'node:http';
import { applyPatch, StateError } from './state.js';
import type { WeightedProxy } from './proxy.js';

/** Largest admin request body, bytes. */
const MAX_ADMIN_BODY = 64 * 1024;

/** The state as the admin API shows it (GET /state, and the answer to PUT /state). */
export interface AdminState {
  versions: string[];
  weights: Record<string, number>;
  mirror: string | null;
  headerRoutes: { header: string; value: string; version: string }[];
  /** Counts changes since the proxy started; a read-back can tell a change happened. */
  generation: number;
}

function adminState(proxy: WeightedProxy): AdminState {
  const state = proxy.getState();
  return {
    versions: proxy.versions,
    weights: state.weights,
    mirror: state.mirror ?? null,
    headerRoutes: state.headerRoutes,
    generation: proxy.generation,
  };
}

const LOOPBACK_HOST = /^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)(:\d+)?$/i;

/**
 * The admin API: GET /state, PUT /state (JSON: any of weights, mirror, headerRoutes), GET
 * /stats, GET /healthz. It has no authentication, so it listens on loopback; besides, it refuses
 * what a web page could send from a browser on the same machine: requests with an `Origin`
 * header, a `Host` that is not loopback (DNS rebinding, unless `allowRemote`), and a PUT whose
 * content type is not JSON (a form post cannot set it without a CORS preflight, which this
 * server never grants).
 */
export function adminHandler(proxy: WeightedProxy, allowRemote: boolean) {
  return (request: http.IncomingMessage, response: http.ServerResponse): void => {
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, {
        'content-type': 'application/json',
        'cache-control': 'no-store',
      });
      response.end(`${JSON.stringify(body)}\n`);
    };
    if (request.headers.origin !== undefined) {
      request.resume();
      return reply(403, { error: 'requests from web pages (with an Origin header) are refused' });
    }
    if (!allowRemote && !LOOPBACK_HOST.test(request.headers.host ?? '')) {
      request.resume();
      return reply(403, { error: 'the Host header must name a loopback address' });
    }
    const url = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && url === '/healthz') return reply(200, { ok: true });
    if (request.method === 'GET' && url === '/state') return reply(200, adminState(proxy));
    if (request.method === 'GET' && url === '/stats')
      return reply(200, { generation: proxy.generation, ...proxy.stats });
    if (request.method === 'PUT' && url === '/state') {
      if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
        request.resume();
        return reply(415, { error: 'PUT /state takes content-type application/json' });
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let over = false;
      request.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ADMIN_BODY) over = true;
        else chunks.push(chunk);
      });
      request.on('end', () => {
        if (over) return reply(413, { error: `the body is over ${MAX_ADMIN_BODY} bytes` });
        let patch: unknown;
        try {
          patch = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return reply(400, { error: 'the body is not JSON' });
        }
        try {
          proxy.setState(applyPatch(proxy.getState(), proxy.versions, patch));
        } catch (error) {
          if (error instanceof StateError) return reply(400, { error: error.message });
          throw error;
        }
        reply(200, adminState(proxy));
      });
      return;
    }
    request.resume();
    reply(404, { error: 'GET /state, PUT /state, GET /stats, GET /healthz' });
  };
}
