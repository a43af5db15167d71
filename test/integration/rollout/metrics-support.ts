import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { realSleep } from '../../../src/core/async/sleep.js';
import type { Logger } from '../../../src/core/ports.js';
import type { ProviderDeps } from '../../../src/clients/metrics/config.js';

export const quietLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  group: (_title, run) => run(),
};

export const realDeps: ProviderDeps = {
  clock: { now: () => new Date() },
  sleep: realSleep,
  logger: quietLogger,
};

/** A server on 127.0.0.1 with a free port; `close` ends it and its connections. */
export async function serve(
  handler: http.RequestListener,
): Promise<{ url: string; port: number; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const s = await serve(() => undefined);
  await s.close();
  return s.port;
}

/** Installs Prometheus with the repository's script when it is missing (tests never skip). */
export function ensurePrometheus(): string {
  const root = path.resolve(import.meta.dirname, '../../..');
  execFileSync('bash', [path.join(root, 'scripts/install/prometheus.sh')], { stdio: 'ignore' });
  return execFileSync('bash', ['-c', 'command -v prometheus'], { encoding: 'utf8' }).trim();
}

/** A tiny model server: `mode` healthy, slow (+delay ms), failing (HTTP 500 every n-th), wrong. */
export function modelHandler(mode: {
  delayMs?: number;
  failEvery?: number;
  wrong?: boolean;
}): http.RequestListener {
  let count = 0;
  return (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      count++;
      const answer = () => {
        if (mode.failEvery && count % mode.failEvery === 0) {
          res.writeHead(500).end('{"error":"boom"}');
          return;
        }
        let x = 0;
        try {
          x = Number((JSON.parse(body || '{}') as { x?: unknown }).x ?? 0);
        } catch {
          /* GET probes */
        }
        const label = mode.wrong
          ? 'setosa'
          : ['setosa', 'versicolor', 'virginica'][Math.abs(x) % 3];
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ predictions: [{ label, score: x / 10 }] }));
      };
      if (mode.delayMs) setTimeout(answer, mode.delayMs);
      else answer();
    });
  };
}

export { realSleep };
