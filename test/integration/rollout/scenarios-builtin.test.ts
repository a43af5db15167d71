/**
 * Rollout scenarios on real parts: `sluice rollout` (the CLI, spawned) drives the built-in router
 * in front of two model server processes while the load generator sends traffic through it for the
 * whole rollout. Assertions are on what the load generator saw and what the router reads back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  builtinSpec,
  ERROR_RATE_STEPS,
  probeProvider,
  readReport,
  rolloutUnderLoad,
  startStack,
  type Stack,
} from './scenario-support.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

/** Canary 20 % then 50 %, each step with an error-rate analysis on the probe (2 × 1 s). */
function errorRateSpec(s: Stack): string {
  return builtinSpec(
    s,
    `providers:
  ${probeProvider(s)}
${ERROR_RATE_STEPS}`,
  );
}

describe('rollout scenarios through the built-in router', () => {
  it('a healthy canary promotes: exit 0, all traffic on it, no failed user request', async () => {
    stack = await startStack();
    const { run, load, weights } = await rolloutUnderLoad(stack, errorRateSpec(stack));
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(weights).toEqual({ v1: 0, v2: 100 });
    expect(load.failures).toEqual([]);
    expect(load.sent).toBeGreaterThan(300);
    // Traffic moved: both versions answered users, the canary last.
    expect(load.byVersion.v1).toBeGreaterThan(0);
    expect(load.byVersion.v2).toBeGreaterThan(0);
    expect(load.sequence.at(-1)).toBe('v2');
    expect(readReport(stack.dir).verdict).toBe('pass');
  });

  it('a canary failing 5 % of requests rolls back: exit 1, all traffic on stable, failures bounded', async () => {
    stack = await startStack({ mode: 'errors', errorRate: 5 });
    const { run, load, weights, ms } = await rolloutUnderLoad(stack, errorRateSpec(stack));
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(weights).toEqual({ v1: 100, v2: 0 });
    expect(readReport(stack.dir).verdict).toBe('fail');
    // Users saw at most 5 % of the canary's 20 % share for the time it was exposed (bounded by
    // the whole run), and only HTTP 500s from the canary, never a network error.
    expect(load.failures.every((f) => f === '500')).toBe(true);
    expect(load.failures.length).toBeLessThanOrEqual(Math.ceil(0.05 * 0.2 * 100 * (ms / 1000)) + 5);
    // It never got past the first step: no 50 % share.
    expect(load.sequence.at(-1)).toBe('v1');
  });

  it('a slow canary rolls back on the comparative latency judge', async () => {
    stack = await startStack({ mode: 'slow', latencyMs: 40 });
    const spec = builtinSpec(
      stack,
      `providers:
  ${probeProvider(stack, 50)}
templates:
  latency:
    metrics:
      - name: latency
        provider: probe
        query: latency
        interval: 1s
        count: 2
        compare: { kind: latency, max_increase: 0.2, confidence: 0.95, min_samples: 20 }
steps:
  - setWeight: 20
  - analysis: { templates: [latency] }
  - setWeight: 50
  - analysis: { templates: [latency] }
`,
    );
    const { run, load, weights } = await rolloutUnderLoad(stack, spec);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(weights).toEqual({ v1: 100, v2: 0 });
    expect(load.failures).toEqual([]);
    expect(run.stdout + run.stderr).toMatch(/latency/);
  });
});
