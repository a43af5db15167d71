import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExecaExec } from '../../../src/clients/exec/execa-exec.js';
import {
  startBuiltinRouter,
  type RunningBuiltinRouter,
} from '../../../src/clients/routers/builtin/serve.js';
import { createTrafficRouter } from '../../../src/clients/routers/index.js';
import { InfraError, UsageError } from '../../../src/core/errors.js';
import type { TrafficRouter } from '../../../src/core/ports.js';
import { runLoad } from '../services/load.js';
import type { ModelServer } from '../services/model-server.js';
import { startChurnServer } from './churn-model.js';
import { quietLogger, servedBy } from './support.js';

let blue: ModelServer;
let green: ModelServer;
let proxy: RunningBuiltinRouter;
let router: TrafficRouter;

beforeAll(async () => {
  [blue, green] = await Promise.all([startChurnServer('blue'), startChurnServer('green')]);
  proxy = await startBuiltinRouter({ versions: { blue: blue.url, green: green.url } });
  router = createTrafficRouter(
    { type: 'builtin', admin: proxy.adminAddress },
    { exec: createExecaExec(), logger: quietLogger },
  );
});
afterAll(async () => {
  await proxy?.close();
  await Promise.all([blue?.stop(), green?.stop()]);
});

describe('built-in router on real model servers', () => {
  it('says what it supports', () => {
    expect(router.capabilities).toEqual({ weights: true, mirror: true, headerRouting: true });
  });

  it('splits 90/10 over 2,000 requests exactly (smooth weighted round-robin) and reads it back', async () => {
    await router.setWeights({ blue: 90, green: 10 });
    expect(await router.readBack()).toEqual({ weights: { blue: 90, green: 10 } });
    const load = await runLoad({ url: proxy.address, total: 2000, concurrency: 16 });
    expect(load.failures).toEqual([]);
    expect(load.byVersion.blue).toBeGreaterThanOrEqual(1798);
    expect(load.byVersion.green).toBeGreaterThanOrEqual(198);
    expect(load.byVersion.blue! + load.byVersion.green!).toBe(2000);
    console.log(`builtin 90/10 over 2000: ${JSON.stringify(load.byVersion)}`);
  });

  it('switches all traffic at once under ~300 rps with no failed request', async () => {
    await router.setRoute('blue');
    const loading = runLoad({ url: proxy.address, durationMs: 3000, rate: 300, concurrency: 32 });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await router.setRoute('green');
    const load = await loading;
    expect(load.failures).toEqual([]);
    expect(load.retriedStale).toBeLessThanOrEqual(0);
    expect(load.sent).toBeGreaterThan(700);
    const tail = load.sequence.slice(-200);
    expect(new Set(tail)).toEqual(new Set(['green']));
    expect(await router.readBack()).toEqual({ weights: { blue: 0, green: 100 } });
    console.log(
      `builtin switch: sent ${load.sent}, failed ${load.failures.length}, ${JSON.stringify(load.byVersion)}`,
    );
  });

  it('mirrors every request to the mirror version while users get the routed version', async () => {
    await router.setRoute('blue');
    await router.setMirror!('green');
    expect(await router.readBack()).toEqual({ weights: { blue: 100, green: 0 }, mirror: 'green' });
    const before = await servedBy(green.url);
    const load = await runLoad({ url: proxy.address, total: 300, concurrency: 8 });
    expect(load.byVersion).toEqual({ blue: 300 });
    await expect
      .poll(async () => (await servedBy(green.url)) - before, { timeout: 5000 })
      .toBe(300);
    await router.setMirror!(undefined);
    expect((await router.readBack()).mirror).toBeUndefined();
  });

  it('routes requests carrying a header to their version before weights', async () => {
    await router.setRoute('blue');
    await router.setHeaderRoutes!([{ header: 'X-Canary', value: 'yes', version: 'green' }]);
    expect((await router.readBack()).headerRoutes).toEqual([
      { header: 'x-canary', value: 'yes', version: 'green' },
    ]);
    const tagged = await runLoad({ url: proxy.address, total: 50, headers: { 'x-canary': 'yes' } });
    const plain = await runLoad({ url: proxy.address, total: 50, headers: { 'x-canary': 'no' } });
    expect(tagged.byVersion).toEqual({ green: 50 });
    expect(plain.byVersion).toEqual({ blue: 50 });
    // All traffic on one version (a switch, a rollback, an abort) removes header routes too.
    await router.setRoute('blue');
    expect(await router.readBack()).toEqual({ weights: { blue: 100, green: 0 } });
  });

  it('refuses weights that do not add up or name an unknown version, and changes nothing', async () => {
    await router.setWeights({ blue: 75, green: 25 });
    await expect(router.setWeights({ blue: 90, green: 20 })).rejects.toThrow(UsageError);
    await expect(router.setWeights({ blue: 90, purple: 10 })).rejects.toThrow(
      /no version "purple"/,
    );
    expect(await router.readBack()).toEqual({ weights: { blue: 75, green: 25 } });
  });

  it('answers 502 and counts it when a version is down; the admin client fails with InfraError when the proxy is gone', async () => {
    const doomed = await startChurnServer('doomed');
    const other = await startBuiltinRouter({ versions: { doomed: doomed.url } });
    await doomed.stop();
    const load = await runLoad({ url: other.address, total: 5, concurrency: 1 });
    expect(load.failures).toEqual(['502', '502', '502', '502', '502']);
    expect(other.proxy.stats.versions.doomed!.upstreamErrors).toBe(5);
    const client = createTrafficRouter(
      { type: 'builtin', admin: other.adminAddress },
      { exec: createExecaExec(), logger: quietLogger },
    );
    await other.close();
    await expect(client.readBack()).rejects.toThrow(InfraError);
  });
});
