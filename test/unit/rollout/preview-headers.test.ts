/**
 * A blue-green preview's header (`x-sluice-preview: canary`) goes only with the canary's requests,
 * from the HTTP probe and from the dataset replay: where both versions are reached through the
 * same router, stable's requests must still reach stable.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricsProvider } from '../../../src/clients/metrics/index.js';
import { VirtualTime } from '../support/virtual-time.js';
import { tempDir } from '../support/temp-dirs.js';

const logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  group: <T>(_t: string, run: () => Promise<T>) => run(),
};
const HEADERS = { v2: { 'x-sluice-preview': 'canary' } };

/** One "router": answers as v2 for requests carrying the preview header, else as v1. */
let server: http.Server;
let url: string;
const seen: (string | undefined)[] = [];
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const header = req.headers['x-sluice-preview'] as string | undefined;
    seen.push(header);
    req.resume();
    req.on('end', () =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ prediction: header === 'canary' ? 1 : 0 })),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('preview headers go to the canary only', () => {
  it('the HTTP probe sends them with the canary’s requests, not with stable’s', async () => {
    const time = new VirtualTime('2026-01-01T00:00:00Z');
    const provider = createMetricsProvider(
      {
        type: 'http-probe',
        rate: 10,
        timeoutMs: 5000,
        endpoints: { v1: url, v2: url },
        versionHeaders: HEADERS,
      },
      { clock: time, sleep: time, logger },
    );
    const w = { from: '2026-01-01T00:00:00Z', to: '2026-01-01T00:00:01Z' };
    for (const version of ['v1', 'v2']) {
      seen.length = 0;
      const errors = provider.query({ metric: 'errors', version, ...w });
      for (let i = 0; i < 10; i++) await time.advance(100);
      await errors;
      expect(seen).toHaveLength(10);
      expect(new Set(seen)).toEqual(new Set([version === 'v2' ? 'canary' : undefined]));
    }
  });

  it('the replay sends them with each row to the canary: through one router, the versions differ', async () => {
    const dir = tempDir('sluice-preview-headers-');
    const data = path.join(dir, 'holdout.csv');
    writeFileSync(data, 'id,a\n1,0.1\n2,0.2\n3,0.3\n');
    const time = new VirtualTime('2026-01-01T00:00:00Z');
    const options = {
      type: 'replay' as const,
      data,
      endpoints: { v1: url, v2: url },
      request: { path: '/predict' },
      prediction: 'prediction',
      versions: { stable: 'v1', canary: 'v2' },
    };
    const w = { version: 'v2', from: '2026-01-01T00:00:00Z', to: '2026-01-01T00:00:01Z' };
    seen.length = 0;
    const withHeader = createMetricsProvider(
      { ...options, versionHeaders: HEADERS },
      { clock: time, sleep: time, logger },
    );
    expect(await withHeader.query({ metric: 'agreement', ...w })).toEqual({
      samples: [{ at: expect.any(String), value: 0 }],
    });
    expect(seen.filter((h) => h === 'canary')).toHaveLength(3);
    expect(seen.filter((h) => h === undefined)).toHaveLength(3);
    // Without it both rows reach the same answer: the canary was never asked.
    const without = createMetricsProvider(options, { clock: time, sleep: time, logger });
    expect(await without.query({ metric: 'agreement', ...w })).toEqual({
      samples: [{ at: expect.any(String), value: 1 }],
    });
  });
});
