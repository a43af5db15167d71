import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { parseRolloutSpec, parseRouterInput } from '../../../src/core/rollout/spec.js';
import { PROVIDER_METRICS } from '../../../src/core/rollout/spec-providers.js';
import { PROBE_METRICS } from '../../../src/clients/metrics/http-probe.js';
import { REPLAY_METRICS } from '../../../src/clients/metrics/replay.js';
import { HaproxyTrafficRouter } from '../../../src/clients/routers/haproxy.js';

/**
 * Spec values that reach the network (header names and values, paths, URLs, PromQL templates,
 * metric names) are checked when the spec is read: exit 2 naming file, line and key, before any
 * traffic moves.
 */

const HEAD = 'stable: v1\ncanary: v2\nrouter: { type: builtin, admin: "http://127.0.0.1:9901" }\n';

function usage(text: string): UsageError {
  try {
    parseRolloutSpec(text, 'rollout.yml');
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('no error');
}

const promWithHeaders = (headers: string) =>
  `${HEAD}providers:\n  prom:\n    type: prometheus\n    url: http://127.0.0.1:9090\n    headers: ${headers}\n`;

describe('rollout spec: values that go on the wire', () => {
  it('refuses a header name that is not an RFC 9110 token, naming file, line and key', () => {
    const e = usage(promWithHeaders('{ "Bad Header": x }'));
    expect(e.place).toMatchObject({ file: 'rollout.yml', line: 8, key: 'providers.prom.headers' });
    expect(e.message).toMatch(/"Bad Header", which is not a header name/);
    for (const name of ['"a:b"', '"é"', '"x\\ty"', '""'])
      expect(usage(promWithHeaders(`{ ${name}: x }`)).place?.key).toBe('providers.prom.headers');
  });

  it('refuses header values with CR, LF, NUL, a character beyond Latin-1, or edge spaces, without echoing them', () => {
    for (const value of ['"a\\r\\nX-Evil: 1"', '"a\\nb"', '"a\\0b"', '"tōken"', '" padded"'])
      expect(usage(promWithHeaders(`{ Authorization: ${value} }`))).toMatchObject({
        place: { file: 'rollout.yml', line: 8, key: 'providers.prom.headers.Authorization' },
      });
    const e = usage(promWithHeaders('{ Authorization: "Bearer s3cret\\r\\n" }'));
    expect(e.message).toMatch(/carriage return/);
    expect(`${e.message} ${e.hint}`).not.toContain('s3cret');
  });

  it('refuses headers the HTTP client writes itself, and the same header twice', () => {
    expect(usage(promWithHeaders('{ Transfer-Encoding: chunked }')).message).toMatch(
      /HTTP client writes itself/,
    );
    expect(usage(promWithHeaders('{ Host: evil }')).place?.key).toBe('providers.prom.headers.Host');
    expect(usage(promWithHeaders('{ X-Org: a, x-org: b }')).message).toMatch(/twice/);
  });

  it('every header it accepts, fetch accepts too (property)', () => {
    const char = fc.integer({ min: 0, max: 0x17f }).map((c) => String.fromCharCode(c));
    const text = fc.array(char, { minLength: 1, maxLength: 12 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(text, text, (name, value) => {
        let accepted = true;
        try {
          parseRolloutSpec(
            promWithHeaders(`{ ${JSON.stringify(name)}: ${JSON.stringify(value)} }`),
            'rollout.yml',
          );
        } catch (error) {
          if (!(error instanceof UsageError)) throw error;
          accepted = false;
        }
        if (accepted) expect(() => new Headers().append(name, value)).not.toThrow();
      }),
      { numRuns: 400 },
    );
  });

  it('refuses a PromQL template Prometheus would be sent broken, at the query’s line', () => {
    const metric = (query: string) =>
      `${HEAD}analysis:\n  metrics:\n    - name: errors\n      provider: { type: prometheus, url: "http://127.0.0.1:9090" }\n      query: ${query}\n      successCondition: { max: 1 }\n`;
    const outside = usage(metric("'sum(errors{version={{version}}})'"));
    expect(outside).toMatchObject({
      place: { file: 'rollout.yml', line: 8, key: 'analysis.metrics[0].query' },
    });
    expect(outside.hint).toMatch(/version="\{\{version\}\}"/);
    expect(usage(metric('\'sum(errors{v="{{nope}}"})\'')).message).toMatch(/unknown placeholder/);
    expect(usage(metric("'sum(rate(errors[1m])'")).message).toMatch(/unclosed/);
    expect(() =>
      parseRolloutSpec(metric(`'sum(errors{version="{{version}}"})'`), 'r.yml'),
    ).not.toThrow();
  });

  it('refuses a probe or replay metric its provider does not measure', () => {
    const e = usage(
      `${HEAD}providers:\n  probe: { type: http-probe, endpoints: { v1: "http://127.0.0.1:1", v2: "http://127.0.0.1:2" } }\nanalysis:\n  metrics:\n    - { name: p99, provider: probe, successCondition: { max: 1 } }\n`,
    );
    expect(e).toMatchObject({
      place: { file: 'rollout.yml', line: 8, key: 'analysis.metrics[0].name' },
    });
    expect(e.hint).toMatch(/latency_p99/);
  });

  it('knows the same probe and replay metrics as the clients', () => {
    expect([...PROVIDER_METRICS['http-probe']]).toEqual([...PROBE_METRICS]);
    expect([...PROVIDER_METRICS.replay]).toEqual([...REPLAY_METRICS]);
  });

  it('refuses paths, URLs, rates and replay templates the clients would refuse mid-rollout', () => {
    const probe = (extra: string) => `${HEAD}providers:\n  probe: { type: http-probe, ${extra} }\n`;
    expect(usage(probe('path: "/pre dict"')).place?.key).toBe('providers.probe.path');
    expect(usage(probe('path: "predict"')).place?.key).toBe('providers.probe.path');
    expect(usage(probe('rate: 5000')).message).toMatch(/from 0.01 to 1000/);
    expect(usage(probe('timeout: 0s')).place?.key).toBe('providers.probe.timeout');
    expect(usage(probe('endpoints: { v1: "http://u:p@127.0.0.1:1" }')).message).toMatch(
      /credentials/,
    );
    expect(usage(probe('endpoints: { v1: "http://127.0.0.1:1/a b" }')).place?.key).toBe(
      'providers.probe.endpoints.v1',
    );
    expect(
      usage(
        'stable: { name: v1, url: "http://u:p@127.0.0.1:1" }\ncanary: v2\nrouter: { type: builtin, admin: "http://127.0.0.1:9901" }\n',
      ).place?.key,
    ).toBe('stable.url');
    const replay = (extra: string) =>
      `${HEAD}providers:\n  r: { type: replay, data: d.jsonl, prediction: $.p, ${extra} }\n`;
    expect(usage(replay('request: { path: /p, template: "{\\"x\\": {{a}} " }')).place?.key).toBe(
      'providers.r.request.template',
    );
    expect(() =>
      parseRolloutSpec(
        replay('request: { path: /p, template: "{\\"x\\": [{{a}}, {{b}}]}" }'),
        'r.yml',
      ),
    ).not.toThrow();
    expect(
      usage(
        `${HEAD}providers:\n  r: { type: replay, data: d.jsonl, prediction: "$.a..b", request: { path: /p } }\n`,
      ).place?.key,
    ).toBe('providers.r.prediction');
  });

  it('refuses a built-in router admin address its client cannot use, in the spec and the input', () => {
    expect(
      usage('stable: v1\ncanary: v2\nrouter: { type: builtin, admin: "https://127.0.0.1:9901" }\n')
        .place,
    ).toMatchObject({ line: 3, key: 'router.admin' });
    expect(() => parseRouterInput('builtin:http://u:p@127.0.0.1:9901')).toThrow(/plain http/);
    expect(() => parseRouterInput('builtin:http://127.0.0.1:9901/a b')).toThrow(UsageError);
  });

  it('says a weight’s bounds in words', () => {
    expect(usage(`${HEAD}steps:\n  - setWeight: 150\n`).message).toMatch(
      /setWeight must be a whole number from 0 to 100, not 150/,
    );
  });
});

describe('HAProxy header routes: values that become runtime API commands', () => {
  const config = {
    type: 'haproxy' as const,
    socket: '/run/haproxy/admin.sock',
    backend: 'model',
    servers: { v1: 'v1', v2: 'v2' },
  };
  const deps = { logger: { info: () => {}, warn: () => {}, debug: () => {}, error: () => {} } };
  // `add map <file> …` is one line of the runtime API: a map path with a space or a newline
  // would be a second command. Refused with exit 2 before the socket is opened.
  it.each([
    '/etc/haproxy/a map.map',
    '/etc/haproxy/x.map\nset weight model/v2 100',
    'relative.map;clear',
  ])('refuses the map file %j', (headerMap) => {
    const make = () => new HaproxyTrafficRouter({ ...config, headerMap }, deps as never);
    expect(make).toThrow(UsageError);
    expect(make).toThrow(/is not a file path the runtime API takes as one word/);
  });

  it.each(['Bad Header', 'x-a\r\nx-b', ''])('refuses the header %j', (header) => {
    const make = () =>
      new HaproxyTrafficRouter(
        { ...config, headerMap: '/etc/haproxy/p.map', header },
        deps as never,
      );
    expect(make).toThrow(UsageError);
  });
});
