/**
 * The rollout on real nginx (healthy canary promotes) and HAProxy (a bad canary rolls back): the
 * CLI spawned with a spec naming the router, the example's scikit-learn model served by two
 * processes, the load generator through the router. nginx-support.ts and haproxy-support.ts set
 * the routers up as their integration tests do.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHaproxy, type RunningHaproxy } from './haproxy-support.js';
import { startNginx, type RunningNginx } from './nginx-support.js';
import {
  ERROR_RATE_STEPS,
  probeProvider,
  readReport,
  rolloutUnderLoad,
  startStack,
  type Stack,
} from './scenario-support.js';

let stack: Stack | undefined;
let front: RunningNginx | RunningHaproxy | undefined;
afterEach(async () => {
  await front?.stop();
  front = undefined;
  await stack?.stop();
  stack = undefined;
});

function spec(s: Stack, router: string): string {
  return `strategy: canary
stable: { name: v1, url: ${s.stable.url} }
canary: { name: v2, url: ${s.canary.url} }
router: ${router}
providers:
  ${probeProvider(s)}
${ERROR_RATE_STEPS}`;
}

describe('rollout scenarios on nginx and HAProxy', () => {
  it('nginx: a healthy canary promotes through reloads, no failed user request', async () => {
    stack = await startStack();
    const nginx = await startNginx(stack);
    front = nginx;
    const { run, load, weights } = await rolloutUnderLoad(stack, spec(stack, nginx.routerYaml), {
      target: nginx.frontend,
      readWeights: async () => (await nginx.readBack()).weights,
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(weights).toEqual({ v1: 0, v2: 100 });
    expect(load.failures).toEqual([]);
    expect(load.byVersion.v1).toBeGreaterThan(0);
    expect(load.byVersion.v2).toBeGreaterThan(0);
    expect(load.sequence.at(-1)).toBe('v2');
    expect(readReport(stack.dir).verdict).toBe('pass');
  });

  it('HAProxy: a canary failing 5 % of requests rolls back over the runtime API', async () => {
    stack = await startStack({ mode: 'errors', errorRate: 5 });
    const haproxy = await startHaproxy(stack);
    front = haproxy;
    const { run, load, weights, ms } = await rolloutUnderLoad(
      stack,
      spec(stack, haproxy.routerYaml),
      { target: haproxy.frontend, readWeights: async () => (await haproxy.readBack()).weights },
    );
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(weights).toEqual({ v1: 100, v2: 0 });
    expect(load.failures.every((f) => f === '500')).toBe(true);
    expect(load.failures.length).toBeLessThanOrEqual(Math.ceil(0.05 * 0.2 * 100 * (ms / 1000)) + 5);
    expect(load.sequence.at(-1)).toBe('v1');
    expect(readReport(stack.dir).verdict).toBe('fail');
  });
});
