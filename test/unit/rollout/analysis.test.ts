import { describe, expect, it } from 'vitest';
import { assessMetric, conditionPhase, runAnalysis } from '../../../src/core/rollout/analysis.js';
import type { AnalysisMetric } from '../../../src/core/rollout/model.js';
import { VirtualTime } from '../support/virtual-time.js';
import { FakeProvider, providerFactory, values } from './fakes.js';

const metric = (extra: Partial<AnalysisMetric> = {}): AnalysisMetric => ({
  name: 'error_rate',
  provider: { type: 'prometheus', url: 'http://127.0.0.1:9090' },
  query: 'q',
  intervalMs: 60_000,
  count: 5,
  initialDelayMs: 0,
  failureLimit: 0,
  consecutiveErrorLimit: 4,
  inconclusiveLimit: 0,
  place: { file: 'r.yml' },
  ...extra,
});

async function run(
  m: AnalysisMetric,
  answers: (i: number) => ReturnType<typeof values> | { noData: string } | Error,
) {
  const time = new VirtualTime();
  let i = 0;
  const provider = new FakeProvider(() => answers(i++));
  const promise = runAnalysis(
    { metrics: [m] },
    {
      providers: providerFactory(provider),
      clock: time,
      sleep: time,
      stable: { name: 'v1' },
      canary: { name: 'v2' },
      signal: new AbortController().signal,
    },
  );
  let done = false;
  void promise.finally(() => (done = true));
  for (let t = 0; t < 100 && !done; t++) await time.advance(60_000);
  return promise;
}

describe('Argo measurement phases', () => {
  it('success only: not meeting it is Failed; failure only: not meeting it is Successful; both: neither is Inconclusive', () => {
    expect(conditionPhase({ success: { max: 0.01 } }, 0.02, undefined).phase).toBe('Failed');
    expect(conditionPhase({ success: { max: 0.01 } }, 0.005, undefined).phase).toBe('Successful');
    expect(conditionPhase({ failure: { max: 0.05 } }, 0.02, undefined).phase).toBe('Successful');
    expect(conditionPhase({ failure: { max: 0.05 } }, 0.06, undefined).phase).toBe('Failed');
    expect(
      conditionPhase({ success: { max: 0.01 }, failure: { max: 0.05 } }, 0.02, undefined).phase,
    ).toBe('Inconclusive');
  });

  it('max_regression is relative to stable, in the metric’s direction', () => {
    expect(
      conditionPhase({ failure: { maxRegression: 0.1, higherIsBetter: false } }, 0.12, 0.1).phase,
    ).toBe('Failed');
    expect(
      conditionPhase({ failure: { maxRegression: 0.1, higherIsBetter: false } }, 0.105, 0.1).phase,
    ).toBe('Successful');
    expect(
      conditionPhase({ failure: { maxRegression: 0.1, higherIsBetter: true } }, 0.85, 0.99).phase,
    ).toBe('Failed');
    expect(
      conditionPhase({ failure: { maxRegression: 0.1, higherIsBetter: false } }, 0.001, 0).phase,
    ).toBe('Failed');
  });

  it('assesses limits in Argo’s order, errors not counting towards count', () => {
    const m = metric({ failureLimit: 1, inconclusiveLimit: 1, consecutiveErrorLimit: 2, count: 3 });
    expect(
      assessMetric(m, { failed: 1, inconclusive: 0, consecutiveError: 0, count: 1 }, false),
    ).toBeUndefined();
    expect(
      assessMetric(m, { failed: 2, inconclusive: 2, consecutiveError: 3, count: 2 }, false),
    ).toBe('Failed');
    expect(
      assessMetric(m, { failed: 0, inconclusive: 2, consecutiveError: 3, count: 2 }, false),
    ).toBe('Inconclusive');
    expect(
      assessMetric(m, { failed: 0, inconclusive: 0, consecutiveError: 3, count: 0 }, false),
    ).toBe('Error');
    expect(
      assessMetric(m, { failed: 1, inconclusive: 1, consecutiveError: 0, count: 3 }, false),
    ).toBe('Successful');
    // No count, no interval: one measurement.
    expect(
      assessMetric(
        metric({ count: undefined, intervalMs: 0 }),
        { failed: 0, inconclusive: 0, consecutiveError: 0, count: 1 },
        false,
      ),
    ).toBe('Successful');
    // An interval without a count runs until ended.
    expect(
      assessMetric(
        metric({ count: undefined }),
        { failed: 0, inconclusive: 0, consecutiveError: 0, count: 50 },
        false,
      ),
    ).toBeUndefined();
    expect(
      assessMetric(
        metric({ count: undefined }),
        { failed: 0, inconclusive: 0, consecutiveError: 0, count: 50 },
        true,
      ),
    ).toBe('Successful');
  });

  it('tolerates failures up to failureLimit, and a success resets consecutive errors', async () => {
    const answers = [
      values(0.5),
      values(0.001),
      new Error('down'),
      new Error('down'),
      values(0.001),
      values(0.001),
      values(0.001),
    ];
    const result = await run(
      metric({ success: { max: 0.01 }, failureLimit: 1, consecutiveErrorLimit: 2, count: 5 }),
      (i) => answers[i] ?? values(0),
    );
    expect(result.phase).toBe('Successful');
    expect(result.metrics[0]).toMatchObject({ failed: 1, error: 2, count: 5 });
    // The same two errors in a row past consecutiveErrorLimit 1 end the analysis in Error.
    let j = 0;
    const strict = await run(
      metric({ success: { max: 0.01 }, failureLimit: 1, consecutiveErrorLimit: 1 }),
      () => answers[j++] ?? values(0),
    );
    expect(strict.phase).toBe('Error');
  });

  it('no data is Inconclusive, never a pass', async () => {
    const result = await run(metric({ success: { max: 0.01 } }), () => ({ noData: 'empty' }));
    expect(result.phase).toBe('Inconclusive');
    const zero = await run(metric({ success: { max: 0.01 } }), () => values());
    expect(zero.phase).toBe('Inconclusive');
  });
});
