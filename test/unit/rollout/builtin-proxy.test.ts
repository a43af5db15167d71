import http from 'node:http';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { SmoothWeightedRoundRobin } from '../../../src/clients/routers/builtin/balancer.js';
import {
  startBuiltinRouter,
  type RunningBuiltinRouter,
} from '../../../src/clients/routers/builtin/serve.js';
import { applyPatch, StateError } from '../../../src/clients/routers/builtin/state.js';
import {
  nginxWeights,
  checkHeaderRoutes,
  parseUpstreamFile,
  renderUpstreamFile,
} from '../../../src/clients/routers/nginx.js';
import {
  HaproxyTrafficRouter,
  parseMapEntries,
  parseServersState,
} from '../../../src/clients/routers/haproxy.js';
import { InfraError, UsageError } from '../../../src/core/errors.js';

describe('smooth weighted round-robin', () => {
  it('gives each version its share within one pick over any window of a whole cycle', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 5 }),
        (raw) => {
          fc.pre(raw.some((w) => w > 0));
          const weights = Object.fromEntries(raw.map((w, i) => [`v${i}`, w]));
          const total = raw.reduce((a, b) => a + b, 0);
          const balancer = new SmoothWeightedRoundRobin(weights);
          const counts: Record<string, number> = {};
          for (let i = 0; i < total * 3; i += 1) {
            const pick = balancer.next()!;
            counts[pick] = (counts[pick] ?? 0) + 1;
          }
          for (const [name, weight] of Object.entries(weights))
            expect(counts[name] ?? 0).toBe(weight * 3);
        },
      ),
    );
  });

  it('spreads a 10 % version evenly: never two of its picks in a row at 90/10', () => {
    const balancer = new SmoothWeightedRoundRobin({ stable: 90, canary: 10 });
    const picks = Array.from({ length: 100 }, () => balancer.next());
    expect(picks.filter((p) => p === 'canary')).toHaveLength(10);
    expect(picks.join(',')).not.toMatch(/canary,canary/);
  });

  it('picks nothing when every weight is 0', () => {
    expect(new SmoothWeightedRoundRobin({ a: 0 }).next()).toBeUndefined();
  });
});

describe('admin state changes', () => {
  const base = { weights: { a: 100, b: 0 }, mirror: undefined, headerRoutes: [] };
  it.each([
    [[], /JSON object/],
    [{ weights: { a: 50, b: 40 } }, /add up to 90/],
    [{ weights: { a: 50, c: 50 } }, /"c" is not one of a, b/],
    [{ weights: { a: -1, b: 101 } }, /from 0 to 100/],
    [{ mirror: 'zzz' }, /mirror/],
    [{ other: 1 }, /unknown field "other"/],
    [{ headerRoutes: [{ header: 'bad header', value: 'x', version: 'b' }] }, /header name/],
    [{ headerRoutes: [{ header: 'x', value: 'a\r\nb', version: 'b' }] }, /one line/],
    [
      {
        headerRoutes: Array.from({ length: 33 }, () => ({ header: 'x', value: 'y', version: 'a' })),
      },
      /at most 32/,
    ],
  ])('refuses bad patch #%#', (patch, message) => {
    expect(() => applyPatch(base, ['a', 'b'], patch)).toThrow(StateError);
    expect(() => applyPatch(base, ['a', 'b'], patch)).toThrow(message);
  });
  it('keeps fields left out and clears the mirror with null', () => {
    const mirrored = applyPatch(base, ['a', 'b'], { mirror: 'b' });
    expect(mirrored).toEqual({ ...base, mirror: 'b' });
    expect(applyPatch(mirrored, ['a', 'b'], { mirror: null, weights: { b: 100 } })).toEqual({
      weights: { a: 0, b: 100 },
      mirror: undefined,
      headerRoutes: [],
    });
  });
});

describe('built-in proxy bounds', () => {
  let router: RunningBuiltinRouter | undefined;
  let upstream: http.Server | undefined;
  afterEach(async () => {
    await router?.close();
    await new Promise((resolve) => (upstream ? upstream.close(resolve) : resolve(undefined)));
    router = undefined;
    upstream = undefined;
  });

  async function start(handler: http.RequestListener, limits = {}) {
    upstream = http.createServer(handler);
    await new Promise<void>((resolve) => upstream!.listen(0, '127.0.0.1', resolve));
    const port = (upstream.address() as { port: number }).port;
    router = await startBuiltinRouter({
      versions: { a: `http://127.0.0.1:${port}` },
      limits,
      closeGraceMs: 500,
    });
    return router;
  }

  it('refuses a request body over the bound with 413, declared or streamed', async () => {
    const r = await start((req, res) => req.resume().on('end', () => res.end('ok')), {
      maxRequestBytes: 1000,
    });
    expect((await fetch(r.address, { method: 'POST', body: 'x'.repeat(1001) })).status).toBe(413);
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 20; i += 1)
          controller.enqueue(new TextEncoder().encode('y'.repeat(100)));
        controller.close();
      },
    });
    const streamed = await fetch(r.address, {
      method: 'POST',
      body: stream,
      duplex: 'half',
    } as RequestInit).catch((e: Error) => e);
    expect(streamed instanceof Error ? 'reset' : String(streamed.status)).toMatch(/413|reset/);
    expect(r.proxy.stats.refused).toBe(2);
    expect((await fetch(r.address, { method: 'POST', body: 'x'.repeat(999) })).status).toBe(200);
  });

  it('answers 502 for an upstream answer over the bound, 504 for a silent upstream, and counts them', async () => {
    const r = await start(
      (req, res) => {
        if (req.url === '/big')
          res.writeHead(200, { 'content-length': 5000 }).end('z'.repeat(5000));
        else if (req.url === '/silent') setTimeout(() => res.end('late'), 2000);
        else res.end('ok');
      },
      { maxResponseBytes: 4096, upstreamTimeoutMs: 300 },
    );
    expect((await fetch(`${r.address}/big`)).status).toBe(502);
    expect((await fetch(`${r.address}/silent`)).status).toBe(504);
    expect(await (await fetch(`${r.address}/fine`)).text()).toBe('ok');
    const stats = r.proxy.stats.versions.a!;
    expect([stats.upstreamErrors, stats.timeouts, stats.status2xx]).toEqual([1, 1, 1]);
  });

  it('lets a request in flight finish on its version when the weights change', async () => {
    let release: () => void = () => undefined;
    const r = await start((_req, res) => {
      release = () => res.end('done');
    });
    const pending = fetch(r.address);
    await new Promise((resolve) => setTimeout(resolve, 100));
    r.proxy.setState({ weights: { a: 100 }, mirror: undefined, headerRoutes: [] });
    release();
    const answer = await pending;
    expect([answer.status, answer.headers.get('x-sluice-version'), await answer.text()]).toEqual([
      200,
      'a',
      'done',
    ]);
  });

  it('admin API: refuses non-loopback binds, browser requests and non-JSON PUTs', async () => {
    await expect(
      startBuiltinRouter({ versions: { a: 'http://127.0.0.1:1' }, admin: '0.0.0.0:0' }),
    ).rejects.toThrow(UsageError);
    const r = await start((_req, res) => res.end('ok'));
    const put = (headers: Record<string, string>) =>
      fetch(`${r.adminAddress}/state`, { method: 'PUT', headers, body: '{"weights":{"a":100}}' });
    expect((await put({ 'content-type': 'text/plain' })).status).toBe(415);
    expect(
      (await put({ 'content-type': 'application/json', origin: 'http://evil.example' })).status,
    ).toBe(403);
    expect((await put({ 'content-type': 'application/json' })).status).toBe(200);
    expect(
      (
        await fetch(`${r.adminAddress}/state`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: 'x'.repeat(70_000),
        })
      ).status,
    ).toBe(413);
  });
});

describe('nginx and HAProxy texts', () => {
  it('nginx weights: whole percents as they are, fractions scaled, 0 written as down and read back', () => {
    expect(nginxWeights({ a: 90, b: 10 })).toEqual({ a: 90, b: 10 });
    expect(nginxWeights({ a: 97.5, b: 2.5 })).toEqual({ a: 975, b: 25 });
    const config = { upstream: 'm', servers: { a: '127.0.0.1:1', b: '127.0.0.1:2' } };
    const text = renderUpstreamFile(config, { a: 100, b: 0 }, 'b', 7);
    expect(text).toContain('server 127.0.0.1:2 down;');
    const parsed = parseUpstreamFile('nginx', 'm', text);
    expect([parsed.generation, [...parsed.servers], parsed.mirror]).toEqual([
      7,
      [
        ['127.0.0.1:1', 100],
        ['127.0.0.1:2', 0],
      ],
      '127.0.0.1:2',
    ]);
    expect(() => parseUpstreamFile('nginx', 'm', text.replace('down', 'backup'))).toThrow(
      InfraError,
    );
    expect(() => parseUpstreamFile('nginx', 'other', text)).toThrow(/has no upstream other/);
  });

  it('nginx header routes: a map on the header to one version’s upstream, read back; one header only, literal values', () => {
    const config = {
      upstream: 'm',
      servers: { a: '127.0.0.1:1', b: '127.0.0.1:2' },
      headerRoutes: true,
    };
    const route = { header: 'X-Sluice-Preview', value: 'canary', version: 'b' };
    const text = renderUpstreamFile(config, { a: 100, b: 0 }, undefined, 3, [route]);
    expect(text).toContain('map $http_x_sluice_preview $m__sluice_route {');
    expect(text).toContain('"canary" m__sluice_h0;');
    expect(parseUpstreamFile('nginx', 'm', text).routes).toEqual([
      { header: 'x-sluice-preview', value: 'canary', server: '127.0.0.1:2' },
    ]);
    // Without routes the variable still names the weighted upstream.
    const none = renderUpstreamFile(config, { a: 100, b: 0 }, undefined, 4);
    expect(none).toMatch(/map \$host \$m__sluice_route \{\s+default m;\s+\}/);
    expect(parseUpstreamFile('nginx', 'm', none).routes).toEqual([]);
    // A map sluice did not write is refused.
    expect(() =>
      parseUpstreamFile('nginx', 'm', text.replace('"canary" m__sluice_h0;', '"x" elsewhere;')),
    ).toThrow(/routes x to elsewhere/);
    expect(() =>
      parseUpstreamFile('nginx', 'm', text.replace('default m;', 'default other;')),
    ).toThrow(/maps by default to other/);
    expect(() =>
      checkHeaderRoutes('nginx', ['a', 'b'], [route, { ...route, header: 'x-other', value: 'y' }]),
    ).toThrow(/one header/);
    for (const value of ['a b', '"x', 'x;y', 'café', ''])
      expect(() => checkHeaderRoutes('nginx', ['a', 'b'], [{ ...route, value }])).toThrow(
        UsageError,
      );
    expect(() => checkHeaderRoutes('nginx', ['a', 'b'], [{ ...route, header: 'x y' }])).toThrow(
      /not a header name/,
    );
    expect(() => checkHeaderRoutes('nginx', ['a', 'b'], [{ ...route, version: 'c' }])).toThrow(
      /no version "c"/,
    );
  });

  it('HAProxy header routes: show map read strictly; only the configured header, literal values, known versions', async () => {
    expect(parseMapEntries('h', '/m.map', '0x55d1 canary v2\n\n')).toEqual([['canary', 'v2']]);
    expect(parseMapEntries('h', '/m.map', '')).toEqual([]);
    expect(() =>
      parseMapEntries('h', '/m.map', 'Unknown map identifier. Please use #<id> or <file>.\n'),
    ).toThrow(InfraError);
    const logger = {
      debug() {},
      info() {},
      warn() {},
      error() {},
      group: <T>(_t: string, run: () => Promise<T>) => run(),
    };
    const config = {
      type: 'haproxy' as const,
      socket: '/nonexistent.sock',
      backend: 'model',
      servers: { v1: 's1', v2: 's2' },
    };
    expect(new HaproxyTrafficRouter(config, { logger }).capabilities.headerRouting).toBe(false);
    const router = new HaproxyTrafficRouter(
      { ...config, headerMap: '/etc/haproxy/p.map' },
      { logger },
    );
    expect(router.capabilities.headerRouting).toBe(true);
    const route = { header: 'X-Sluice-Preview', value: 'canary', version: 'v2' };
    // Refused before the runtime API is asked (the socket does not exist).
    await expect(router.setHeaderRoutes([{ ...route, header: 'x-other' }])).rejects.toThrow(
      /x-sluice-preview only/,
    );
    await expect(router.setHeaderRoutes([{ ...route, value: 'a b' }])).rejects.toThrow(UsageError);
    await expect(router.setHeaderRoutes([{ ...route, version: 'v3' }])).rejects.toThrow(
      /no version "v3"/,
    );
    await expect(router.setHeaderRoutes([route])).rejects.toThrow(InfraError);
    expect(
      () => new HaproxyTrafficRouter({ ...config, headerMap: '/a b.map' }, { logger }),
    ).toThrow(UsageError);
    expect(
      () => new HaproxyTrafficRouter({ ...config, headerMap: '/m', header: 'a b' }, { logger }),
    ).toThrow(/not a header name/);
  });

  it('HAProxy: reads show servers state strictly', () => {
    const header =
      '1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight\n';
    expect(
      parseServersState('h', 'model', `${header}3 model 1 blue 127.0.0.1 2 0 90 100\n`),
    ).toEqual([{ name: 'blue', opState: 2, adminState: 0, weight: 90 }]);
    for (const answer of [
      "Can't find backend.\n",
      '2\n# x\n',
      `${header}3 model 1 blue 127.0.0.1 2\n`,
      `${header}3 model 1 blue 127.0.0.1 x 0 90 100\n`,
    ])
      expect(() => parseServersState('h', 'model', answer)).toThrow(InfraError);
  });
});
