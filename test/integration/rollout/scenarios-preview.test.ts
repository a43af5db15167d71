/**
 * Blue-green with a pre-promotion (preview) analysis on a real data plane: the real CLI drives the
 * built-in router in front of two processes serving the example's scikit-learn model, under load
 * from the load generator for the whole rollout. The preview analysis (the HTTP probe and the
 * dataset replay) reaches green only through the router's `x-sluice-preview: canary` header route:
 * both providers' endpoints are the router itself, so green answers them only if the route works,
 * while users' requests (no header) stay on blue until the switch.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runLoad } from '../services/load.js';
import type { ModelMode } from '../services/model-server.js';
import type { TrafficState } from '../../../src/core/ports.js';
import { createExecaExec } from '../../../src/clients/exec/execa-exec.js';
import { createTrafficRouter } from '../../../src/clients/routers/index.js';
import { startHaproxy, type RunningHaproxy } from './haproxy-support.js';
import { startNginx, type RunningNginx } from './nginx-support.js';
import { quietLogger } from './support.js';
import {
  PROBE_BODY,
  readReport,
  rolloutUnderLoad,
  startStack,
  type Stack,
} from './scenario-support.js';

let stack: Stack | undefined;
let nginx: RunningNginx | undefined;
let haproxy: RunningHaproxy | undefined;
afterEach(async () => {
  await nginx?.stop();
  nginx = undefined;
  await haproxy?.stop();
  haproxy = undefined;
  await stack?.stop();
  stack = undefined;
});

/** Where users and the preview's providers send requests, and how the router is read back. */
interface Front {
  url: string;
  routerYaml: string;
  readBack(): Promise<TrafficState>;
}

function builtinFront(s: Stack): Front {
  return {
    url: s.router.address,
    routerYaml: `{ type: builtin, admin: ${s.router.adminAddress} }`,
    async readBack() {
      const state = (await (await fetch(`${s.router.adminAddress}/state`)).json()) as {
        weights: Record<string, number>;
        headerRoutes: NonNullable<TrafficState['headerRoutes']>;
      };
      return {
        weights: state.weights,
        ...(state.headerRoutes.length ? { headerRoutes: state.headerRoutes } : {}),
      };
    },
  };
}

/** A real nginx in front of the stack, its location proxying to the route map's variable. */
async function nginxFront(s: Stack): Promise<Front> {
  nginx = await startNginx(s, { headerRoutes: true });
  const n = nginx;
  return { url: n.frontend, routerYaml: n.routerYaml, readBack: () => n.readBack() };
}

/** A real HAProxy, its backend's use-server rules reading the map sluice changes at runtime. */
async function haproxyFront(s: Stack): Promise<Front> {
  haproxy = await startHaproxy(s, { headerMap: true });
  const h = haproxy;
  return { url: h.frontend, routerYaml: h.routerYaml, readBack: () => h.readBack() };
}

const FRONTS = [
  ['the built-in router', builtinFront],
  ['nginx (a map on the header)', nginxFront],
  ['HAProxy (use-server rules on a runtime map)', haproxyFront],
] as const;

/** The requests a model server answered, from its own /metrics (all codes). */
async function answered(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let n = 0;
  for (const m of text.matchAll(/^model_requests_total\{[^}]*\} (\d+)/gm)) n += Number(m[1]);
  return n;
}

/** Starts the stack with green in `mode`, and a held-out dataset in its folder. */
async function previewStack(mode: ModelMode): Promise<Stack> {
  const s = await startStack(mode);
  const rows = Array.from({ length: 60 }, (_, i) =>
    JSON.stringify({
      id: `r${i}`,
      t: (i % 12) / 12,
      s: (i % 5) / 4,
      m: (i % 7) / 7,
      f: i % 3 === 0 ? 1 : 0,
    }),
  );
  writeFileSync(path.join(s.dir, 'holdout.jsonl'), `${rows.join('\n')}\n`);
  return s;
}

/**
 * Blue-green through the front's router; the preview measures through it (both providers'
 * endpoints are its address): the probe's error rate and the replay's agreement.
 */
function previewSpec(s: Stack, front: Front, errorCount = 3): string {
  const router = front.url;
  return `strategy: blue-green
stable: { name: v1, url: ${s.stable.url} }
canary: { name: v2, url: ${s.canary.url} }
router: ${front.routerYaml}
providers:
  probe:
    type: http-probe
    path: /predict
    body: '${PROBE_BODY}'
    rate: 40
    timeout: 2s
    endpoints: { v1: ${router}, v2: ${router} }
  replay:
    type: replay
    data: holdout.jsonl
    request: { path: /predict, template: '{"features": [{{t}}, {{s}}, {{m}}, {{f}}]}' }
    prediction: prediction
    endpoints: { v1: ${router}, v2: ${router} }
previewAnalysis:
  metrics:
    - name: error_rate
      provider: probe
      query: error_rate
      interval: 1s
      count: ${errorCount}
      failureCondition: { max: 0.02 }
    - name: agreement
      provider: replay
      query: agreement
      count: 1
      successCondition: { min: 0.95 }
scaleDownDelay: 1s
`;
}

const ROUTE = { header: 'x-sluice-preview', value: 'canary', version: 'v2' };

describe.each(FRONTS)('blue-green preview analysis through %s’s header route', (_, makeFront) => {
  it('a healthy green: the preview reaches it by header while users stay on blue, then the switch, no failed request', async () => {
    stack = await previewStack({ mode: 'healthy' });
    const s = stack;
    const front = await makeFront(s);
    const during: {
      state?: TrafficState;
      users?: Awaited<ReturnType<typeof runLoad>>;
      previews?: Awaited<ReturnType<typeof runLoad>>;
    } = {};
    const { run, load, weights } = await rolloutUnderLoad(s, previewSpec(s, front), {
      target: front.url,
      readWeights: async () => (await front.readBack()).weights,
      during: async (cli) => {
        // Once the header route is on, what a user and what a preview request get. "On" is
        // when sluice says so (after its write returned: nginx's reload has started new
        // workers), not when the file it writes first shows the route.
        const deadline = Date.now() + 30_000;
        for (;;) {
          const announced = /requests with x-sluice-preview: canary go to v2/.test(cli.output());
          const state = announced ? await front.readBack().catch(() => undefined) : undefined;
          if (state?.headerRoutes?.length) {
            during.state = state;
            break;
          }
          if (Date.now() > deadline)
            throw new Error(`no header route within 30 s: ${cli.output()}`);
          await new Promise((r) => setTimeout(r, 50));
        }
        [during.users, during.previews] = await Promise.all([
          runLoad({ url: front.url, total: 30, concurrency: 4 }),
          runLoad({
            url: front.url,
            total: 30,
            concurrency: 4,
            headers: { 'x-sluice-preview': 'canary' },
          }),
        ]);
        // The preview was still on while they ran.
        expect((await front.readBack()).headerRoutes).toEqual([ROUTE]);
      },
    });
    const out = run.stdout + run.stderr;
    expect(run.code, out).toBe(0);
    expect(during.state).toEqual({ weights: { v1: 100, v2: 0 }, headerRoutes: [ROUTE] });
    // During the preview: users (no header) all on blue, the header all on green.
    expect(during.users!.byVersion).toEqual({ v1: 30 });
    expect(during.previews!.byVersion).toEqual({ v2: 30 });
    // Then the switch, all at once, with no failed user request, and the route gone.
    expect(weights).toEqual({ v1: 0, v2: 100 });
    expect(await front.readBack()).toEqual({ weights: { v1: 0, v2: 100 } });
    expect(load.failures).toEqual([]);
    expect(load.byVersion.v1).toBeGreaterThan(0);
    expect(load.byVersion.v2).toBeGreaterThan(0);
    expect(load.sequence.at(-1)).toBe('v2');
    const report = JSON.stringify(readReport(s.dir));
    expect(readReport(s.dir).verdict).toBe('pass');
    expect(report).toMatch(/requests with x-sluice-preview: canary go to v2/);
    expect(report).toMatch(/header route removed/);
  });

  for (const [what, mode, metric] of [
    ['errors', { mode: 'errors', errorRate: 30 }, 'error_rate'],
    ['predicts differently (fast, no errors)', { mode: 'wrong' }, 'agreement'],
  ] as const)
    it(`a green that ${what}: the preview fails on ${metric}, users never saw green, the header route is gone`, async () => {
      stack = await previewStack(mode);
      const s = stack;
      const front = await makeFront(s);
      const { run, load } = await rolloutUnderLoad(s, previewSpec(s, front, 2), {
        target: front.url,
        readWeights: async () => (await front.readBack()).weights,
      });
      const out = run.stdout + run.stderr;
      expect(run.code, out).toBe(1);
      // Read back from the router: blue only, no header route.
      expect(await front.readBack()).toEqual({ weights: { v1: 100, v2: 0 } });
      // Users never got an answer from green, and none failed.
      expect(load.byVersion.v2 ?? 0).toBe(0);
      expect(load.sequence).not.toContain('v2');
      expect(load.failures).toEqual([]);
      expect(load.byVersion.v1).toBeGreaterThan(50);
      // Green was measured, and only through the router's header route (the providers' only
      // endpoint): it answered the probe's and the replay's requests.
      expect(await answered(s.canary.url)).toBeGreaterThan(20);
      const report = readReport(s.dir);
      expect(report.verdict).toBe('fail');
      expect(JSON.stringify(report)).toMatch(new RegExp(`${metric}[^]*Failed|Failed[^]*${metric}`));
      expect(JSON.stringify(report)).toMatch(/header route removed/);
    });
});

describe('nginx header routes on real nginx', () => {
  it('kept through a change of weights, refused for a second header, removed by all traffic on one version', async () => {
    stack = await startStack();
    nginx = await startNginx(stack, { headerRoutes: true });
    const router = createTrafficRouter(nginx.config, {
      exec: createExecaExec(),
      logger: quietLogger,
    });
    await router.setHeaderRoutes!([ROUTE]);
    await router.setWeights({ v1: 80, v2: 20 });
    expect(await router.readBack()).toEqual({ weights: { v1: 80, v2: 20 }, headerRoutes: [ROUTE] });
    const tagged = await runLoad({
      url: nginx.frontend,
      total: 20,
      headers: { 'x-sluice-preview': 'canary' },
    });
    expect(tagged.byVersion).toEqual({ v2: 20 });
    // One map, one header: a second header is refused before anything is written.
    await expect(
      router.setHeaderRoutes!([ROUTE, { header: 'x-other', value: 'a', version: 'v1' }]),
    ).rejects.toThrow(/one header/);
    await router.setRoute('v1');
    expect(await router.readBack()).toEqual({ weights: { v1: 100, v2: 0 } });
    const after = await runLoad({
      url: nginx.frontend,
      total: 20,
      headers: { 'x-sluice-preview': 'canary' },
    });
    expect(after.byVersion).toEqual({ v1: 20 });
  });
});
