import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { createMetricsProvider } from '../../../src/clients/metrics/index.js';
import { parseCsv, readDataset } from '../../../src/clients/metrics/dataset.js';
import { escapeLabelValue, renderTemplate } from '../../../src/clients/metrics/promql.js';
import { VirtualTime } from '../support/virtual-time.js';

const logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  group: <T>(_t: string, run: () => Promise<T>) => run(),
};

describe('PromQL templates', () => {
  it('puts the version in its string literal, escaped', () => {
    expect(renderTemplate('rate(x{version="{{version}}"}[1m])', { version: 'v1' })).toBe(
      'rate(x{version="v1"}[1m])',
    );
    expect(renderTemplate(`x{v='{{ version }}'}`, { version: `a'b\\` })).toBe(`x{v='a\\'b\\\\'}`);
    expect(renderTemplate('x{a="{{stable}}", b="{{canary}}"}', { stable: 's', canary: 'c' })).toBe(
      'x{a="s", b="c"}',
    );
  });
  it('no value can leave its string (property): the rendered query re-reads as the same tokens', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        const rendered = renderTemplate('x{version="{{version}}"}', { version: value });
        // unescaping the literal gives the value back, and nothing follows it but the template
        const literal = rendered.slice('x{version="'.length, -2);
        expect(rendered.endsWith('"}')).toBe(true);
        expect(JSON.parse(`"${literal.replace(/\\'/g, "'")}"`)).toBe(value);
        expect(escapeLabelValue(value, '"')).toBe(literal);
      }),
      { numRuns: 300 },
    );
  });
  it('refuses placeholders outside strings, in raw strings, unknown ones, and broken templates', () => {
    expect(() => renderTemplate('x{version={{version}}}', { version: 'v' })).toThrow(
      /outside a quoted string/,
    );
    expect(() => renderTemplate('x{version=`{{version}}`}', { version: 'v' })).toThrow(/backtick/);
    expect(() => renderTemplate('x{version="{{versoin}}"}', { version: 'v' })).toThrow(
      /unknown placeholder/,
    );
    expect(() => renderTemplate('sum(x{version="{{version}}"}', { version: 'v' })).toThrow(
      /unclosed/,
    );
    expect(() => renderTemplate('x{version="{{version}}}', { version: 'v' })).toThrow(UsageError);
    expect(() => renderTemplate('x{a="{{stable}}"}', { version: 'v' })).toThrow(
      /not told which version is stable/,
    );
    expect(() => renderTemplate('  ', {})).toThrow(/empty/);
  });
});

describe('replay dataset', () => {
  it('reads CSV with quotes, CRLF, numbers and empty cells', () => {
    const rows = parseCsv('id,x,text\r\na,1.5,"say ""hi"", twice"\r\nb,,"two\nlines"\r\n', 'd.csv');
    expect(rows).toEqual([
      { id: 'a', line: 2, values: { id: 'a', x: 1.5, text: 'say "hi", twice' } },
      { id: 'b', line: 3, values: { id: 'b', x: null, text: 'two\nlines' } },
    ]);
    expect(() => parseCsv('a,b\n1\n', 'd.csv')).toThrow(/line 2.*1 cells/);
    expect(() => parseCsv('a\n1\n2\n3\n', 'd.csv', 2)).toThrow(/more than 2 rows/);
  });
  it('refuses other formats, folders and too many rows, naming the file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sluice-ds-'));
    try {
      await writeFile(path.join(dir, 'd.parquet'), 'x');
      await expect(readDataset(path.join(dir, 'd.parquet'))).rejects.toThrow(/\.csv or \.jsonl/);
      await expect(readDataset(dir + '/')).rejects.toThrow(UsageError);
      await writeFile(path.join(dir, 'd.jsonl'), '{"id": 1}\n[1]\n');
      await expect(readDataset(path.join(dir, 'd.jsonl'))).rejects.toThrow(
        /line 2.*not a JSON object/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('HTTP probe on virtual time', () => {
  let server: http.Server;
  let url: string;
  let hits = 0;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hits++;
      res.writeHead(hits % 5 === 0 ? 503 : 200).end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('sends rate × window requests paced by the injected sleep, shared by the metrics of one window', async () => {
    const time = new VirtualTime('2026-01-01T00:00:00Z');
    const provider = createMetricsProvider(
      { type: 'http-probe', rate: 10, timeoutMs: 5000, endpoints: { canary: url } },
      { clock: time, sleep: time, logger },
    );
    hits = 0;
    const w = { version: 'canary', from: '2026-01-01T00:00:00Z', to: '2026-01-01T00:00:03Z' };
    const errors = provider.query({ metric: 'errors', ...w });
    const latency = provider.query({ metric: 'latency', ...w });
    for (let i = 0; i < 30; i++) await time.advance(100);
    const e = await errors;
    const l = await latency;
    expect(hits).toBe(30);
    expect('samples' in e && e.samples.map((s) => s.value).filter((v) => v === 1)).toHaveLength(6);
    expect('samples' in e && e.samples[29]!.at).toBe('2026-01-01T00:00:02.900Z');
    expect('samples' in l && l.samples).toHaveLength(30);
  });

  it('refuses unknown metrics, versions and rates, naming them', () => {
    const time = new VirtualTime();
    const deps = { clock: time, sleep: time, logger };
    const provider = createMetricsProvider(
      { type: 'http-probe', rate: 1, timeoutMs: 100, endpoints: { v: url } },
      deps,
    );
    const w = { from: '2026-01-01T00:00:00Z', to: '2026-01-01T00:00:01Z' };
    return Promise.all([
      expect(provider.query({ metric: 'p99', version: 'v', ...w })).rejects.toThrow(
        /no metric "p99"/,
      ),
      expect(provider.query({ metric: 'latency', version: 'x', ...w })).rejects.toThrow(
        /no endpoint for version x/,
      ),
      expect(() =>
        createMetricsProvider(
          { type: 'http-probe', rate: 0, timeoutMs: 1, endpoints: { v: url } },
          deps,
        ),
      ).toThrow(/rate/),
      expect(() =>
        createMetricsProvider(
          { type: 'http-probe', rate: 1, timeoutMs: 1, endpoints: { v: 'file:///etc/passwd' } },
          deps,
        ),
      ).toThrow(/http or https/),
    ]);
  });
});
