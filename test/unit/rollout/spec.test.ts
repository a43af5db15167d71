import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { parseRolloutSpec, parseStepsInput } from '../../../src/core/rollout/spec.js';

const BASE = 'stable: v1\ncanary: v2\nrouter: { type: builtin, admin: "http://127.0.0.1:9901" }\n';

function usage(text: string): UsageError {
  try {
    parseRolloutSpec(text, 'rollout.yml');
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('no error');
}

describe('rollout spec', () => {
  it('fills Argo defaults: 10 → 25 → 50 with pauses, failureLimit 0, consecutiveErrorLimit 4, inconclusiveLimit 0, rollback', () => {
    const spec = parseRolloutSpec(
      `${BASE}analysis:\n  metrics:\n    - name: error_rate\n      provider: { type: prometheus, url: "http://127.0.0.1:9090" }\n      successCondition: { max: 0.01 }\n`,
      'rollout.yml',
    );
    expect(spec.strategy).toBe('canary');
    expect(
      spec.steps.filter((s) => 'setWeight' in s).map((s) => ('setWeight' in s ? s.setWeight : 0)),
    ).toEqual([10, 25, 50]);
    const metric = spec.backgroundAnalysis!.metrics[0]!;
    expect([metric.failureLimit, metric.consecutiveErrorLimit, metric.inconclusiveLimit]).toEqual([
      0, 4, 0,
    ]);
    expect(metric.query).toBe('error_rate');
    expect(spec.onInconclusive).toBe('rollback');
    expect(spec.onResume).toBe('rollback');
    expect(spec.scaleDownDelayMs).toBe(30_000);
  });

  it('names the file, line and key of a mistake, with a fix', () => {
    const e = usage(`${BASE}steps:\n  - setWeight: 150\n`);
    expect(e.place).toMatchObject({ file: 'rollout.yml', line: 5, key: 'steps[0].setWeight' });
    expect(e.message).toMatch(/a whole number from 0 to 100/);
    const typo = usage(`${BASE}onInconclusiv: wait\n`);
    expect(typo.hint).toMatch(/did you mean onInconclusive/);
    expect(typo.place?.line).toBe(4);
    expect(usage(`${BASE}providers:\n  p: { type: prometheus }\n`).message).toMatch(
      /providers.p has no url/,
    );
    expect(usage(`${BASE}analysis: missing\n`).message).toMatch(/no template named "missing"/);
    expect(
      usage('stable: v1\ncanary: v1\nrouter: { type: builtin, admin: "http://x" }').message,
    ).toMatch(/both "v1"/);
    expect(
      usage(
        `${BASE}templates:\n  t:\n    metrics:\n      - { name: m, provider: { type: prometheus, url: "http://h" }, count: 3 }\n`,
      ).hint,
    ).toMatch(/interval/);
    expect(
      usage(
        `${BASE}templates:\n  t:\n    metrics:\n      - { name: foo, provider: { type: prometheus, url: "http://h" }, failureCondition: { max_regression: 0.1 } }\n`,
      ).hint,
    ).toMatch(/direction: higher/);
    expect(usage('stable: [').place?.file).toBe('rollout.yml');
    expect(usage('').message).toMatch(/empty/);
  });

  it('reads blue-green, router kinds and the steps input', () => {
    const spec = parseRolloutSpec(
      'strategy: blue-green\nstable: { name: v1, url: "http://127.0.0.1:8081" }\ncanary: v2\nrouter: { type: haproxy, socket: /run/h.sock, backend: model, servers: { v1: s1, v2: s2 } }\nscaleDownDelay: 2m\nonResume: finish\n',
      'bg.yml',
    );
    expect(spec.router).toEqual({
      type: 'haproxy',
      socket: '/run/h.sock',
      backend: 'model',
      servers: { v1: 's1', v2: 's2' },
    });
    expect(spec.scaleDownDelayMs).toBe(120_000);
    expect(spec.stable.url).toBe('http://127.0.0.1:8081');
    expect(parseStepsInput('10:1m,50')).toMatchObject([
      { setWeight: 10 },
      { pause: { durationMs: 60_000 } },
      { setWeight: 50 },
    ]);
    expect(() => parseStepsInput('10:soon')).toThrow(UsageError);
  });
});

describe('the spec is read by the one bounded YAML reader', () => {
  const base =
    'strategy: canary\ncanary: v2\nrouter: { type: builtin, admin: "http://127.0.0.1:9901" }\n';

  it('refuses an alias bomb at its line, before anything expands it', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g'].entries()) {
      const prev = 'abcdef'[i]!;
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const error = (() => {
      try {
        parseRolloutSpec(`${levels.join('\n')}\nstable: *g\n${base}`, 'rollout.yml');
      } catch (e) {
        return e as UsageError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error?.message).toMatch(/alias/);
    expect(error?.place?.file).toBe('rollout.yml');
  });

  it('follows an alias where a value is read', () => {
    const spec = parseRolloutSpec(
      `stable: v1\n${base}steps:\n  - setWeight: &w 20\n  - pause: { duration: 1s }\n  - setWeight: 40\n  - pause: { duration: 1s }\n  - setWeight: *w\n`,
      'rollout.yml',
    );
    expect(JSON.stringify(spec.steps)).toContain('20');
  });
});
