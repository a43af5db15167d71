/**
 * A rollout cut short: SIGTERM mid-rollout (the CLI turns it into cancellation and puts traffic
 * back on stable), and kill -9 (nothing can run) followed by a re-run that reconciles from the
 * router's actual state. Real CLI, built-in router, model servers, load generator.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../services/binaries.js';
import {
  builtinSpec,
  probeProvider,
  readReport,
  rolloutUnderLoad,
  routerWeights,
  startStack,
  type Stack,
} from './scenario-support.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

/** 20 % with a long pause (the rollout is caught there), then 50 %. */
function slowSpec(s: Stack, pause = '20s'): string {
  return builtinSpec(
    s,
    `providers:
  ${probeProvider(s)}
templates:
  health:
    metrics:
      - name: error_rate
        provider: probe
        query: error_rate
        interval: 1s
        count: 1
        failureCondition: { max: 0.02 }
steps:
  - setWeight: 20
  - pause: { duration: ${pause} }
  - setWeight: 50
  - analysis: { templates: [health] }
`,
  );
}

const canaryHasTraffic = (s: Stack) => async () =>
  ((await routerWeights(s.router.adminAddress)).v2 ?? 0) > 0;

describe('rollout cut short', () => {
  it('SIGTERM mid-rollout puts all traffic back on stable and exits 1 (aborted, not promoted)', async () => {
    stack = await startStack();
    const s = stack;
    const { run, load, weights, ms } = await rolloutUnderLoad(s, slowSpec(s), {
      during: async (cli) => {
        await waitFor(canaryHasTraffic(s), 'the canary at 20 %');
        cli.child.kill('SIGTERM');
      },
    });
    const out = run.stdout + run.stderr;
    expect(run.signal, out).toBeNull();
    expect(run.code, out).toBe(1);
    expect(out).toMatch(/cancel/i);
    expect(weights).toEqual({ v1: 100, v2: 0 });
    expect(load.failures).toEqual([]);
    expect(ms).toBeLessThan(15_000); // it did not sit out the 20 s pause
    const report = readReport(s.dir);
    expect(report.verdict).toBe('fail');
    expect(JSON.stringify(report)).toMatch(/aborted/);
    // The state says so: the post: step / after_script has nothing left to do.
    const state = JSON.parse(readFileSync(path.join(s.dir, '.sluice/state.json'), 'utf8')) as {
      values: { rollout: string };
    };
    expect(JSON.parse(state.values.rollout)).toMatchObject({ status: 'aborted' });
  });

  it('after kill -9 mid-rollout, a re-run rolls the leftover back first (onResume: rollback), then runs', async () => {
    stack = await startStack();
    const s = stack;
    // The killed job: nothing of sluice runs after SIGKILL, the router stays at 20 %.
    const first = await rolloutUnderLoad(s, slowSpec(s), {
      during: async (cli) => {
        await waitFor(canaryHasTraffic(s), 'the canary at 20 %');
        cli.child.kill('SIGKILL');
      },
      tailMs: 100,
    });
    expect(first.run.signal).toBe('SIGKILL');
    expect(first.weights).toEqual({ v1: 80, v2: 20 });
    // The re-run, with short pauses this time.
    const { run, load, weights } = await rolloutUnderLoad(s, slowSpec(s, '1s'));
    const out = run.stdout + run.stderr;
    expect(run.code, out).toBe(0);
    expect(weights).toEqual({ v1: 0, v2: 100 });
    expect(load.failures).toEqual([]);
    const report = JSON.stringify(readReport(s.dir));
    expect(report).toMatch(/left unfinished/);
    expect(report).toMatch(/reconcile/);
  });
});
