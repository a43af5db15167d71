/**
 * The analysis reads HAProxy's own numbers: HAProxy's built-in Prometheus exporter
 * (`http-request use-service prometheus-exporter` on a stats frontend) is scraped by a real
 * Prometheus, and the rollout's PromQL asks it for each version's error rate and latency, per
 * server of the backend (servers named after the versions, so `{{version}}`, `{{stable}}` and
 * `{{canary}}` are server labels). The recipe of docs/rollout.md, run: the CLI spawned, the
 * example's scikit-learn model in two processes, the load generator through HAProxy.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHaproxy, type RunningHaproxy } from './haproxy-support.js';
import { startPrometheus } from './metrics-support.js';
import { readReport, rolloutUnderLoad, startStack, type Stack } from './scenario-support.js';

let stack: Stack | undefined;
let haproxy: RunningHaproxy | undefined;
let prometheus: { stop: () => Promise<void> } | undefined;
afterEach(async () => {
  await prometheus?.stop();
  prometheus = undefined;
  await haproxy?.stop();
  haproxy = undefined;
  await stack?.stop();
  stack = undefined;
});

/** The share of a version's answers that were 5xx, over the last 5 s (0 when none failed). */
const ERROR_RATE =
  '(sum(rate(haproxy_server_http_responses_total{proxy="model",server="{{version}}",code="5xx"}[5s])) or vector(0)) / sum(rate(haproxy_server_http_responses_total{proxy="model",server="{{version}}"}[5s]))';
/**
 * A version's mean response time, s. HAProxy 2.6 keeps it per server as a sliding average over
 * the last 1,024 requests that starts from 0 (after n requests it shows only 1 - (1023/1024)^n of
 * the true mean: a fresh canary looks fast) and exports it in whole milliseconds. Dividing by
 * that share, with n the server's responses so far, undoes the ramp; below 150 responses the
 * rounding is still too coarse (up to 1 ms / 0.14), so there is no value: no data, never a pass.
 */
const meanResponseTime = (version: string) => {
  const responses = `sum(haproxy_server_http_responses_total{proxy="model",server="${version}"})`;
  return `((max(haproxy_server_response_time_average_seconds{proxy="model",server="${version}"}) / (1 - 0.9990234375 ^ ${responses})) and on() (${responses} >= 150))`;
};
/** How much slower the canary answers than stable, s. */
const LATENCY_INCREASE = `${meanResponseTime('{{canary}}')} - ${meanResponseTime('{{stable}}')}`;

function spec(s: Stack, h: RunningHaproxy, prom: string): string {
  return `strategy: canary
stable: { name: v1, url: ${s.stable.url} }
canary: { name: v2, url: ${s.canary.url} }
router: ${h.routerYaml}
providers:
  haproxy: { type: prometheus, url: ${prom} }
templates:
  haproxy:
    metrics:
      - name: error_rate
        provider: haproxy
        query: '${ERROR_RATE}'
        initialDelay: 3s
        interval: 2s
        count: 2
        failureCondition: { max: 0.02 }
      - name: latency_increase
        provider: haproxy
        query: '${LATENCY_INCREASE}'
        initialDelay: 12s
        count: 1
        failureCondition: { max: 0.015 }
steps:
  - setWeight: 20
  - analysis: { templates: [haproxy] }
`;
}

/** metric → the phases of its measurements, from the JSON report's timeline. */
function phases(): Record<string, string[]> {
  const report = readReport(stack!.dir) as {
    rollout?: { timeline?: { measurement?: { metric: string; phase: string } }[] };
  };
  const out: Record<string, string[]> = {};
  for (const { measurement: m } of report.rollout?.timeline ?? [])
    if (m) (out[m.metric] ??= []).push(m.phase);
  return out;
}

async function setUp(canary: Parameters<typeof startStack>[0]) {
  const s = (stack = await startStack(canary));
  const h = (haproxy = await startHaproxy(s, { exporter: true }));
  const p = (prometheus = await startPrometheus(s.dir, [h.exporter!]));
  return rolloutUnderLoad(s, spec(s, h, p.url), {
    target: h.frontend,
    readWeights: async () => (await h.readBack()).weights,
  });
}

describe("rollout analysed on HAProxy's Prometheus exporter", () => {
  it('a healthy canary passes both queries and promotes; no failed user request', async () => {
    const { run, load, weights } = await setUp({ mode: 'healthy' });
    const out = run.stdout + run.stderr;
    expect(run.code, out).toBe(0);
    expect(weights).toEqual({ v1: 0, v2: 100 });
    expect(load.failures).toEqual([]);
    expect(load.sequence.at(-1)).toBe('v2');
    // Every measurement on data and within limits.
    expect(phases()).toEqual({
      error_rate: ['Successful', 'Successful'],
      latency_increase: ['Successful'],
    });
  });

  it("a canary failing 5 % of requests rolls back on HAProxy's 5xx count", async () => {
    const { run, load, weights, ms } = await setUp({ mode: 'errors', errorRate: 5 });
    const out = run.stdout + run.stderr;
    expect(run.code, out).toBe(1);
    expect(out).toMatch(/error_rate/);
    expect(weights).toEqual({ v1: 100, v2: 0 });
    expect(load.failures.length).toBeGreaterThan(0);
    expect(load.failures.every((f) => f === '500')).toBe(true);
    expect(load.failures.length).toBeLessThanOrEqual(Math.ceil(0.05 * 0.2 * 100 * (ms / 1000)) + 5);
    expect(load.sequence.at(-1)).toBe('v1');
    expect(phases().error_rate).toContain('Failed');
  });

  it("a canary 40 ms slower rolls back on HAProxy's response time; users saw no failure", async () => {
    const { run, load, weights } = await setUp({ mode: 'slow', latencyMs: 40 });
    const out = run.stdout + run.stderr;
    expect(run.code, out).toBe(1);
    expect(out).toMatch(/latency_increase/);
    expect(weights).toEqual({ v1: 100, v2: 0 });
    expect(load.failures).toEqual([]);
    expect(load.sequence.at(-1)).toBe('v1');
    expect(phases().latency_increase).toContain('Failed');
    expect(phases().error_rate).not.toContain('Failed');
  });
});
