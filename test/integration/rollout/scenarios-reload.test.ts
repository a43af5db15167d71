/**
 * The router reload fails mid-rollout, on a real nginx: the spawned CLI rolls a healthy canary out
 * (20 %, then 50 %) while the load generator sends traffic through nginx, and the test makes the
 * configuration invalid (an included file) during the 20 % pause, so `nginx -t` fails at the 50 %
 * step. nginx keeps serving its last good configuration. Either the configuration is repaired
 * while sluice rolls back (traffic back on stable, read back, exit 3), or it stays broken (exit 3
 * naming exactly what nginx still does, which the load generator confirms).
 */
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../services/binaries.js';
import { startNginx, type RunningNginx } from './nginx-support.js';
import { rolloutUnderLoad, startStack, type Stack, type spawnCli } from './scenario-support.js';

let stack: Stack | undefined;
let nginx: RunningNginx | undefined;
afterEach(async () => {
  await nginx?.stop();
  nginx = undefined;
  await stack?.stop();
  stack = undefined;
});

function spec(s: Stack, router: string): string {
  return `strategy: canary
stable: { name: v1, url: ${s.stable.url} }
canary: { name: v2, url: ${s.canary.url} }
router: ${router}
steps:
  - setWeight: 20
  - pause: { duration: 4s }
  - setWeight: 50
  - pause: { duration: 2s }
`;
}

/** The rollout's own line once nginx runs the 20 % step (reloaded, new workers, read back). */
const STEP_DONE = /traffic set to v1 80 %, v2 20 % \(read back\)/;
const INVALID = 'this_is_not_an_nginx_directive on;\n';

/** During the 20 % pause, makes `nginx -t` fail; `repairOn`: puts it right once output matches. */
function breakAtStep(n: RunningNginx, repairOn?: RegExp) {
  return async (cli: ReturnType<typeof spawnCli>) => {
    const exited = () => cli.child.exitCode !== null;
    await waitFor(async () => STEP_DONE.test(cli.output()) || exited(), 'the 20 % step', 60_000);
    writeFileSync(n.extraFile, INVALID);
    if (!repairOn) return;
    await waitFor(async () => repairOn.test(cli.output()) || exited(), 'the rollback', 60_000);
    writeFileSync(n.extraFile, '# repaired\n');
  };
}

describe('the router reload fails mid-rollout (real nginx)', () => {
  it('nginx -t fails at a step, is repaired during the rollback: exit 3, traffic on stable read back, no failed user request', async () => {
    stack = await startStack();
    nginx = await startNginx(stack);
    const n = nginx;
    const { run, load, weights } = await rolloutUnderLoad(stack, spec(stack, n.routerYaml), {
      target: n.frontend,
      readWeights: async () => (await n.readBack()).weights,
      during: breakAtStep(n, /putting all traffic back on v1/),
    });
    const out = run.stdout + run.stderr;
    expect(run.code, out).toBe(3);
    // What failed, and where traffic is now.
    expect(out).toMatch(/the configuration test .* failed/);
    expect(out).toMatch(/all traffic is back on v1 \(read back: v1 100 %\)/);
    expect(weights).toEqual({ v1: 100, v2: 0 });
    // nginx never stopped serving: no user request failed, and the last answers are stable's.
    expect(load.failures).toEqual([]);
    expect(load.byVersion.v2 ?? 0).toBeGreaterThan(0);
    expect(load.sequence.slice(-20).every((v) => v === 'v1')).toBe(true);
  });

  it('nginx -t keeps failing: exit 3 says exactly what nginx still does, and it does', async () => {
    stack = await startStack();
    nginx = await startNginx(stack);
    const n = nginx;
    const { run, load, weights } = await rolloutUnderLoad(stack, spec(stack, n.routerYaml), {
      target: n.frontend,
      readWeights: async () => (await n.readBack()).weights,
      during: breakAtStep(n),
      tailMs: 2000,
    });
    const out = run.stdout + run.stderr;
    expect(run.code, out).toBe(3);
    expect(out).toMatch(
      /could not put traffic back on stable v1 \(.*the configuration test .* failed.*\): the nginx \(upstream model in [^)]*\) router sends v1 80 %, v2 20 %/s,
    );
    expect(weights).toEqual({ v1: 80, v2: 20 });
    expect(load.failures).toEqual([]);
    // What the message says is what users get: after the exit, the canary still answers ~20 %.
    const tail = load.sequence.slice(-150);
    const canaryShare = tail.filter((v) => v === 'v2').length / tail.length;
    expect(canaryShare).toBeGreaterThan(0.08);
    expect(canaryShare).toBeLessThan(0.35);
  });

  it('the nginx master is gone mid-rollout: exit 3 says nginx is not running, not a made-up split', async () => {
    stack = await startStack();
    nginx = await startNginx(stack, { pidFile: true });
    const n = nginx;
    let stoppedAt = 0;
    const { run, load } = await rolloutUnderLoad(stack, spec(stack, n.routerYaml), {
      target: n.frontend,
      // Read from the files: nginx is gone, so the router cannot be read back.
      readWeights: async () => ({}),
      during: async (cli) => {
        await waitFor(
          async () => STEP_DONE.test(cli.output()) || cli.child.exitCode !== null,
          'the 20 % step',
          60_000,
        );
        await n.stop();
        stoppedAt = Date.now();
      },
    });
    const out = run.stdout + run.stderr;
    expect(run.code, out).toBe(3);
    expect(stoppedAt).toBeGreaterThan(0);
    expect(out).toMatch(/the reload .* failed/);
    expect(out).toMatch(
      /could not put traffic back on stable v1 .*: the nginx \(upstream model in [^)]*\) router cannot be read back \(.*nginx is not running/s,
    );
    await expect(n.readBack()).rejects.toThrow(/nginx is not running/);
    expect(out).not.toMatch(/read back: v1 100 %/);
    // Users: answered until nginx stopped, refused after (never a wrong answer or a 5xx).
    expect(load.failures.length).toBeGreaterThan(0);
    expect(load.failures.every((f) => !/^\d+$/.test(f))).toBe(true);
  });
});
