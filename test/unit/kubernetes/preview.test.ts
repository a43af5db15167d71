/**
 * Blue-green previews through a router that routes by header (the gateway-api router on an
 * HTTPRoute): the header route is added before the preview analysis, the probe's requests carry
 * the header, and the route is gone before the switch, whichever way the analysis goes.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import type { TrafficState } from '../../../src/core/ports.js';
import type { RolloutEnv } from '../../../src/core/rollout/engine.js';
import type { ProviderConfig } from '../../../src/core/rollout/model.js';
import { runRollout } from '../../../src/core/rollout/run.js';
import { parseRolloutSpec } from '../../../src/core/rollout/spec.js';
import { BuiltinTrafficRouter } from '../../../src/clients/routers/builtin/client.js';
import { startBuiltinRouter } from '../../../src/clients/routers/builtin/serve.js';
import { realSleep } from '../../../src/core/async/sleep.js';
import { VirtualTime } from '../support/virtual-time.js';
import {
  FakeProvider,
  FakeRouter,
  MemoryState,
  recordingLogger,
  values,
} from '../rollout/fakes.js';

type HeaderRoutes = NonNullable<TrafficState['headerRoutes']>;

class HeaderRouter extends FakeRouter {
  override capabilities = { weights: true, mirror: false, headerRouting: true };
  routes: HeaderRoutes = [];
  noRoom = false;
  async setHeaderRoutes(routes: HeaderRoutes): Promise<void> {
    this.calls.push(`setHeaderRoutes ${JSON.stringify(routes)}`);
    if (this.noRoom && routes.length) throw new UsageError('the route has no room');
    this.routes = [...routes];
  }
  override async readBack(): Promise<TrafficState> {
    const state = await super.readBack();
    return this.routes.length ? { ...state, headerRoutes: [...this.routes] } : state;
  }
}

const spec = parseRolloutSpec(
  `strategy: blue-green
stable: v1
canary: v2
router: { type: builtin, admin: "http://127.0.0.1:9901" }
providers:
  probe: { type: http-probe, rate: 5, endpoints: { v1: "http://127.0.0.1:1", v2: "http://127.0.0.1:2" } }
previewAnalysis:
  metrics:
    - name: error_rate
      provider: probe
      query: error_rate
      failureCondition: { max: 0.02 }
scaleDownDelay: 1s
`,
  'rollout.yml',
);

async function run(errorRate: number, router = new HeaderRouter()) {
  const time = new VirtualTime();
  const configs: ProviderConfig[] = [];
  const provider = new FakeProvider(() => values(errorRate));
  const env: RolloutEnv = {
    router,
    providers: async (c) => {
      configs.push(c);
      return provider;
    },
    clock: time,
    sleep: time,
    logger: recordingLogger(),
    state: new MemoryState(),
    signal: new AbortController().signal,
  };
  let settled = false;
  const result = runRollout(spec, env).finally(() => (settled = true));
  for (let t = 0; !settled && t < 600_000; t += 1000) await time.advance(1000);
  return { result: await result, router, configs };
}

const PREVIEW = { header: 'x-sluice-preview', value: 'canary', version: 'v2' };

describe('blue-green preview through a header route', () => {
  it('adds the route before the preview analysis, the probe sends the header, and the route goes before the switch', async () => {
    const { result, router, configs } = await run(0);
    expect(result.outcome).toBe('promoted');
    const calls = router.calls.filter((c) => !c.startsWith('readBack'));
    expect(calls).toEqual([
      `setHeaderRoutes ${JSON.stringify([PREVIEW])}`,
      'setHeaderRoutes []',
      'setRoute v2',
    ]);
    expect(configs.some((c) => c.type === 'http-probe')).toBe(true);
    for (const c of configs)
      if (c.type === 'http-probe')
        // Only the canary's requests: stable's, through the same router, must reach stable.
        expect(c.versionHeaders).toEqual({ v2: { 'x-sluice-preview': 'canary' } });
    expect(router.routes).toEqual([]);
    expect(result.timeline.map((e) => e.event).join('\n')).toMatch(
      /requests with x-sluice-preview: canary go to v2 \(read back: v1 100 %, x-sluice-preview: canary → v2\)/,
    );
  });

  it('a failed preview removes the route too, and traffic stays on stable (rolled back)', async () => {
    const { result, router } = await run(0.5);
    expect(result.outcome).toBe('rolled-back');
    expect(router.routes).toEqual([]);
    expect(router.calls).toContain('setHeaderRoutes []');
    expect(router.calls).not.toContain('setRoute v2');
  });

  it('a route with no room: the preview runs without a header route, with a note', async () => {
    const router = new HeaderRouter();
    router.noRoom = true;
    const { result, configs } = await run(0, router);
    expect(result.outcome).toBe('promoted');
    expect(result.notes.join('\n')).toMatch(
      /no header route for the preview: the route has no room/,
    );
    for (const c of configs) if (c.type === 'http-probe') expect(c.versionHeaders).toBeUndefined();
  });
});

describe('blue-green preview through the built-in router’s header routes', () => {
  it('the header route is set on the real proxy during the preview and gone after the switch', async () => {
    const running = await startBuiltinRouter({
      versions: { v1: 'http://127.0.0.1:9', v2: 'http://127.0.0.1:9' },
      closeGraceMs: 100,
    });
    try {
      const router = new BuiltinTrafficRouter(
        { type: 'builtin', admin: running.adminAddress },
        {
          logger: recordingLogger(),
        },
      );
      const seen: TrafficState[] = [];
      const provider = new FakeProvider(() => values(0));
      const env: RolloutEnv = {
        router,
        providers: async () => {
          // What the router holds while the preview analysis measures.
          seen.push(await router.readBack());
          return provider;
        },
        clock: { now: () => new Date() },
        sleep: realSleep,
        logger: recordingLogger(),
        signal: new AbortController().signal,
      };
      const quick = { ...spec, scaleDownDelayMs: 0 };
      const result = await runRollout(quick, env);
      expect(result.outcome).toBe('promoted');
      expect(seen[0]?.headerRoutes).toEqual([PREVIEW]);
      expect(await router.readBack()).toEqual({ weights: { v1: 0, v2: 100 } });
    } finally {
      await running.close();
    }
  });
});
