/**
 * Rollout scenarios with faults only some analyses can see, and infrastructure failing: the real
 * CLI, the built-in router, model server processes and the load generator (see scenario-support).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../services/binaries.js';
import {
  builtinSpec,
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

describe('rollout scenarios with faults', () => {
  it('a canary that predicts differently, fast and error-free, rolls back only on the replay agreement', async () => {
    stack = await startStack({ mode: 'wrong' });
    // Held-out customers in train.py's scaled features.
    const rows = Array.from({ length: 60 }, (_, i) =>
      JSON.stringify({
        id: `r${i}`,
        t: (i % 12) / 12,
        s: (i % 5) / 4,
        m: (i % 7) / 7,
        f: i % 3 === 0 ? 1 : 0,
      }),
    );
    writeFileSync(path.join(stack.dir, 'holdout.jsonl'), `${rows.join('\n')}\n`);
    const spec = builtinSpec(
      stack,
      `providers:
  ${probeProvider(stack)}
  replay:
    type: replay
    data: holdout.jsonl
    request: { path: /predict, template: '{"features": [{{t}}, {{s}}, {{m}}, {{f}}]}' }
    prediction: prediction
    endpoints: { v1: ${stack.stable.url}, v2: ${stack.canary.url} }
templates:
  quality:
    metrics:
      - name: error_rate
        provider: probe
        query: error_rate
        interval: 1s
        count: 1
        failureCondition: { max: 0.02 }
      - name: latency
        provider: probe
        query: latency
        interval: 1s
        count: 1
        compare: { kind: latency, max_increase: 0.5, min_samples: 20 }
      - name: agreement
        provider: replay
        query: agreement
        count: 1
        successCondition: { min: 0.95 }
steps:
  - setWeight: 20
  - analysis: { templates: [quality] }
  - setWeight: 50
  - analysis: { templates: [quality] }
`,
    );
    const { run, load, weights } = await rolloutUnderLoad(stack, spec);
    const out = run.stdout + run.stderr;
    expect(run.code, out).toBe(1);
    expect(weights).toEqual({ v1: 100, v2: 0 });
    // The canary never failed a user request: only the agreement could see it.
    expect(load.failures).toEqual([]);
    expect(load.byVersion.v2).toBeGreaterThan(0);
    const report = JSON.stringify(readReport(stack.dir));
    expect(report).toMatch(/agreement/);
    // error_rate and latency passed; the agreement failed.
    expect(report).toMatch(/agreement[^]*Failed|Failed[^]*agreement/);
  });

  it('a canary that crashes mid-step rolls back with traffic on stable', async () => {
    // ~20 req/s of users plus 40 req/s of probes: it dies about 2 s into its first step.
    stack = await startStack({ mode: 'crash', crashAfter: 120 });
    const spec = builtinSpec(
      stack,
      `providers:
  ${probeProvider(stack)}
templates:
  health:
    metrics:
      - name: error_rate
        provider: probe
        query: error_rate
        interval: 1s
        count: 4
        failureCondition: { max: 0.02 }
steps:
  - setWeight: 20
  - analysis: { templates: [health] }
  - setWeight: 50
  - analysis: { templates: [health] }
`,
    );
    const { run, load, weights, ms } = await rolloutUnderLoad(stack, spec);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(stack.canary.alive()).toBe(false);
    expect(weights).toEqual({ v1: 100, v2: 0 });
    // Failed user requests: only the canary's 20 % share, and only until the rollback.
    expect(load.failures.length).toBeGreaterThan(0);
    expect(load.failures.length).toBeLessThanOrEqual(Math.ceil(0.2 * 100 * (ms / 1000)));
    expect(load.sequence.at(-1)).toBe('v1');
  });

  it('Prometheus down: provider errors abort after consecutiveErrorLimit, exit 3, traffic on stable', async () => {
    stack = await startStack();
    const closed = await freePort();
    const spec = builtinSpec(
      stack,
      `providers:
  prom: { type: prometheus, url: http://127.0.0.1:${closed} }
templates:
  errors:
    metrics:
      - name: error_rate
        provider: prom
        query: sum(rate(model_requests_total{version="{{version}}",code="500"}[30s]))
        interval: 1s
        consecutiveErrorLimit: 2
        failureCondition: { max: 0.01 }
steps:
  - setWeight: 20
  - analysis: { templates: [errors] }
  - setWeight: 50
`,
    );
    const { run, load, weights } = await rolloutUnderLoad(stack, spec);
    const out = run.stdout + run.stderr;
    expect(run.code, out).toBe(3);
    expect(out).toContain(`127.0.0.1:${closed}`);
    expect(weights).toEqual({ v1: 100, v2: 0 });
    expect(load.failures).toEqual([]);
    // Three errors (more than the limit of 2), then the abort.
    const report = JSON.stringify(readReport(stack.dir));
    expect(report.match(/"phase":"Error"/g)?.length ?? 0).toBeGreaterThanOrEqual(3);
  });
});
