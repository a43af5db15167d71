import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { freePort } from './binaries.js';

export interface FaultProxy {
  address: string;
  /** Requests seen, as `METHOD path` (query dropped). */
  seen: string[];
  /** Answer the next matching requests with this status instead of forwarding them. */
  failNext(
    match: (method: string, path: string) => boolean,
    times: number,
    status?: number,
    headers?: Record<string, string>,
  ): void;
  stop(): Promise<void>;
}

/**
 * A loopback HTTP proxy in front of a registry that can answer chosen requests with an error
 * (the registry never sees them). The Host header is kept, so upload Locations point back here.
 */
export async function startFaultProxy(upstreamPort: number): Promise<FaultProxy> {
  const port = await freePort();
  const rules: {
    match: (method: string, path: string) => boolean;
    left: number;
    status: number;
    headers: Record<string, string>;
  }[] = [];
  const proxy: FaultProxy = {
    address: `127.0.0.1:${port}`,
    seen: [],
    failNext: (match, times, status = 500, headers = {}) =>
      rules.push({ match, left: times, status, headers }),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((incoming: IncomingMessage, outgoing) => {
    const method = incoming.method ?? 'GET';
    const path = (incoming.url ?? '/').split('?')[0] ?? '/';
    proxy.seen.push(`${method} ${path}`);
    const rule = rules.find((candidate) => candidate.left > 0 && candidate.match(method, path));
    if (rule) {
      rule.left -= 1;
      incoming.resume();
      incoming.on('end', () =>
        outgoing
          .writeHead(rule.status, { 'content-type': 'application/json', ...rule.headers })
          .end('{"errors":[{"code":"UNKNOWN","message":"injected fault"}]}'),
      );
      return;
    }
    const upstream = httpRequest(
      {
        host: '127.0.0.1',
        port: upstreamPort,
        method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    upstream.on('error', () => outgoing.destroy());
    incoming.pipe(upstream);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return proxy;
}
