/**
 * Forges that hang, stall mid-answer, flood, or answer HTML: real sockets on 127.0.0.1 (node:http),
 * small bounds. Each call ends within its bound, as exit 3 naming the host, with the server's
 * text masked and cut.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitHubForge } from '../../src/clients/github/forge.js';
import { createGitLabForge } from '../../src/clients/gitlab/forge.js';
import { ExitCode, InfraError, SluiceError, exitCodeOf } from '../../src/core/errors.js';
import type { Forge } from '../../src/core/ports.js';

const TOKEN = 'glpat-secret-token-value-1234';
const OTHER_SECRET = 'another-secret-of-the-run';
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const behaviours: Record<string, Handler> = {
  // Accepts the connection, never answers.
  hang: () => undefined,
  // Sends headers and a little body, then nothing.
  stall: (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('[');
  },
  // An endless answer.
  flood: (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = () => {
      while (res.write(chunk)) {
        /* keep writing */
      }
      res.once('drain', pump);
    };
    res.on('error', () => undefined);
    pump();
  },
  html: (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<html><body>\u001b[31mLogin\u001b[0m required ${TOKEN} ${OTHER_SECRET}</body></html>`);
  },
  garbage: (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"not": "what was asked"');
  },
  wrongShape: (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 'x', body: 42 }));
  },
  error500: (_req, res) => {
    res.writeHead(500, { 'content-type': 'text/html' });
    res.end(`<h1>oops</h1>\n${'x'.repeat(10_000)} ${OTHER_SECRET}`);
  },
};

let server: Server;
let base: string;
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const kind = (req.url ?? '').split('/')[1] ?? '';
    (behaviours[kind] ?? ((_q, r) => r.writeHead(404).end()))(req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const bounds = { headersTimeoutMs: 300, idleTimeoutMs: 300, maxBytes: 256 * 1024 };
const mask = (text: string) => text.split(OTHER_SECRET).join('***');

function gitlab(kind: string): Forge {
  return createGitLabForge({
    apiUrl: `${base}/${kind}/api/v4`,
    projectId: 1,
    mergeRequestIid: 1,
    token: TOKEN,
    bounds,
    mask,
    retry: { retries: 1, baseDelayMs: 1 },
  });
}

async function github(kind: string): Promise<Forge> {
  return createGitHubForge({
    token: TOKEN,
    owner: 'o',
    repo: 'r',
    issueNumber: 1,
    baseUrl: `${base}/${kind}`,
    bounds,
    mask,
    retries: 1,
    retryDelayUnitMs: 1,
    throttle: false,
  });
}

async function failure(call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const start = Date.now();
  const error = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, ms: Date.now() - start };
}

function expectInfra(error: unknown, ms: number): string {
  expect(error).toBeInstanceOf(SluiceError);
  expect(exitCodeOf(error)).toBe(ExitCode.Infra);
  expect(error).toBeInstanceOf(InfraError);
  const text = (error as Error).message;
  expect(text).toContain('127.0.0.1');
  expect(text).not.toContain(TOKEN);
  expect(text).not.toContain(OTHER_SECRET);
  // eslint-disable-next-line no-control-regex
  expect(text).not.toMatch(/[\u0000-\u001f]/);
  expect(text.length).toBeLessThan(1200);
  expect(ms).toBeLessThan(10_000);
  return text;
}

describe.each([
  ['GitLab', async (kind: string) => gitlab(kind)],
  ['GitHub', github],
])('%s client', (_name, make) => {
  it.each(['hang', 'stall', 'flood'])(
    'a server that does %s: exit 3 within the bound',
    async (kind) => {
      const forge = await make(kind);
      const { error, ms } = await failure(() => forge.listComments());
      const text = expectInfra(error, ms);
      expect(text).toMatch(/within 0.3 s|larger than/);
    },
  );

  it.each(['html', 'garbage', 'wrongShape'])('a 200 answer that is %s: exit 3', async (kind) => {
    const forge = await make(kind);
    const list = await failure(() => forge.listComments());
    expectInfra(list.error, list.ms);
    const created = await failure(() => forge.createComment('hello'));
    expectInfra(created.error, created.ms);
  });

  it('a 500 with an HTML page: exit 3, its text masked, one line, cut', async () => {
    const forge = await make('error500');
    const { error, ms } = await failure(() => forge.createComment('hello'));
    expectInfra(error, ms);
  });
});
