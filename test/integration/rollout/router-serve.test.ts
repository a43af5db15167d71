/**
 * `sluice router serve`, spawned: it prints where it listens, routes by its starting weights,
 * takes weight changes on its admin API (what `sluice rollout` drives), and ends on SIGTERM.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../services/binaries.js';
import { runLoad } from '../services/load.js';
import type { ModelServer } from '../services/model-server.js';
import { startChurnServer } from './churn-model.js';
import { spawnCli, root } from './scenario-support.js';

let v1: ModelServer;
let v2: ModelServer;
beforeAll(async () => {
  [v1, v2] = await Promise.all([startChurnServer('v1'), startChurnServer('v2')]);
});
afterAll(async () => {
  await Promise.all([v1?.stop(), v2?.stop()]);
});

describe('sluice router serve', () => {
  it('serves by its weights, takes admin changes, prints its addresses, and stops cleanly on SIGTERM', async () => {
    const cli = spawnCli(
      [
        'router',
        'serve',
        '--versions',
        `v1=${v1.url},v2=${v2.url}`,
        '--weights',
        'v1=70,v2=30',
        '--listen',
        '127.0.0.1:0',
        '--admin',
        '127.0.0.1:0',
      ],
      root,
    );
    try {
      await waitFor(async () => /admin API on http:\/\/\S+/.test(cli.output()), 'router serve');
      const traffic = /traffic on (http:\/\/\S+)/.exec(cli.output())![1]!;
      const admin = /admin API on (http:\/\/[^\s)]+)/.exec(cli.output())![1]!;
      const first = await runLoad({ url: traffic, total: 400, concurrency: 16 });
      expect(first.failures).toEqual([]);
      expect(first.byVersion.v1! / 400).toBeGreaterThan(0.6);
      expect(first.byVersion.v1! / 400).toBeLessThan(0.8);
      const put = await fetch(`${admin}/state`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ weights: { v1: 0, v2: 100 } }),
      });
      expect(put.ok).toBe(true);
      const second = await runLoad({ url: traffic, total: 100, concurrency: 8 });
      expect(second.byVersion).toEqual({ v2: 100 });
    } finally {
      cli.child.kill('SIGTERM');
    }
    const run = await cli.done;
    expect(run.signal).toBeNull();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/stopping/);
  });

  it('a bad --versions or --weights is exit 2 naming the input', async () => {
    const bad = spawnCli(['router', 'serve', '--versions', 'v1'], root);
    const run = await bad.done;
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/versions/);
    const weights = spawnCli(
      [
        'router',
        'serve',
        '--versions',
        `v1=${v1.url}`,
        '--weights',
        'v1=lots',
        '--listen',
        '127.0.0.1:0',
        '--admin',
        '127.0.0.1:0',
      ],
      root,
    );
    const run2 = await weights.done;
    expect(run2.code).toBe(2);
    expect(run2.stderr).toMatch(/weights/);
  });
});
