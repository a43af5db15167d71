import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { realSleep } from '../../../src/core/async/sleep.js';
import type { Logger } from '../../../src/core/ports.js';
import type { ProviderDeps } from '../../../src/clients/metrics/config.js';
import { waitFor } from '../services/binaries.js';

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

/**
 * A real Prometheus scraping `targets` (host:port, `metricsPath` on each) every second, its data
 * in `dir`; resolves once every target is up. `stop` ends it.
 */
export async function startPrometheus(
  dir: string,
  targets: string[],
  metricsPath = '/metrics',
): Promise<{ url: string; stop: () => Promise<void> }> {
  const binary = ensurePrometheus();
  const port = await freePort();
  const config = path.join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: rollout\n    metrics_path: ${metricsPath}\n    static_configs:\n      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]\n`,
  );
  const child = spawn(
    binary,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(dir, 'prometheus-data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: 'ignore' },
  );
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      async () => {
        const r = await fetch(`${url}/api/v1/query?query=${encodeURIComponent('count(up == 1)')}`);
        const body = (await r.json()) as { data: { result: { value: [number, string] }[] } };
        return Number(body.data.result[0]?.value[1]) >= targets.length;
      },
      `prometheus scraping ${targets.join(', ')}`,
      60_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}
