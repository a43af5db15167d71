import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadMetricsFile, parseMetrics } from '../../../src/core/metrics/parsers-all.js';
import type { MetricValue } from '../../../src/core/metrics/model.js';

const fixture = (name: string) =>
  fileURLToPath(new URL(`../../fixtures/metrics/${name}`, import.meta.url));
const num = (text: string, value = Number(text)): MetricValue => ({ kind: 'number', value, text });
const entries = (values: Map<string, MetricValue>) => Object.fromEntries(values);

describe('JSON', () => {
  it('flattens nested keys with dots and lists by index, in file order', () => {
    const set = parseMetrics(
      '{"eval": {"slices": [{"recall": 0.9}, {"recall": 0.8, "tags": []}]}, "accuracy": 0.70, "empty": {}}',
      'json',
      'm.json',
    );
    expect(set.file).toBe('m.json');
    expect([...set.values.keys()]).toEqual([
      'eval.slices.0.recall',
      'eval.slices.1.recall',
      'accuracy',
    ]);
    expect(set.values.get('accuracy')).toEqual(num('0.70', 0.7));
  });

  it('keeps the written text of numbers and loads NaN/Infinity as numbers', () => {
    const set = parseMetrics(
      '{"a": 0.70, "b": 1E-3, "c": NaN, "d": Infinity, "e": -Infinity, "f": -0.0}',
      'json',
      'm.json',
    );
    expect(entries(set.values)).toEqual({
      a: num('0.70'),
      b: num('1E-3'),
      c: num('NaN', Number.NaN),
      d: num('Infinity', Infinity),
      e: num('-Infinity', -Infinity),
      f: num('-0.0', -0),
    });
  });

  it('keeps strings, booleans and null', () => {
    const set = parseMetrics(
      '{"model": "res\\"net\\u00e9", "ok": true, "no": false, "none": null}',
      'json',
      'm.json',
    );
    expect(entries(set.values)).toEqual({
      model: { kind: 'text', value: 'res"neté' },
      ok: { kind: 'boolean', value: true },
      no: { kind: 'boolean', value: false },
      none: { kind: 'null' },
    });
  });

  it('reads a top-level list by index', () => {
    expect([...parseMetrics('[{"a": 1}, 2]', 'json', 'm.json').values.keys()]).toEqual([
      '0.a',
      '1',
    ]);
  });
});

describe('YAML', () => {
  it('keeps number texts, .nan/.inf and plain NaN spellings as numbers', async () => {
    const set = await loadMetricsFile(fixture('formats/metrics.yaml'), {
      displayPath: 'metrics.yaml',
    });
    expect(set.file).toBe('metrics.yaml');
    expect(entries(set.values)).toEqual({
      accuracy: num('0.70'),
      loss: num('.nan', Number.NaN),
      latency_ms: num('.inf', Infinity),
      model: { kind: 'text', value: 'resnet50' },
      calibrated: { kind: 'boolean', value: true },
      notes: { kind: 'null' },
      'eval.slices.0.name': { kind: 'text', value: 'us' },
      'eval.slices.0.recall': num('0.91'),
      'eval.slices.1.name': { kind: 'text', value: 'eu' },
      'eval.slices.1.recall': num('1e-3'),
    });
  });

  it('treats unquoted NaN/Infinity as numbers and quoted ones as text', () => {
    const set = parseMetrics('a: NaN\nb: -Infinity\nc: "NaN"\n', 'yaml', 'm.yaml');
    expect(set.values.get('a')).toEqual(num('NaN', Number.NaN));
    expect(set.values.get('b')).toEqual(num('-Infinity', -Infinity));
    expect(set.values.get('c')).toEqual({ kind: 'text', value: 'NaN' });
  });

  it('resolves aliases', () => {
    const set = parseMetrics('base: &b {recall: 0.5}\ncopy: *b\n', 'yaml', 'm.yaml');
    expect(set.values.get('copy.recall')).toEqual(num('0.5'));
  });
});

describe('TOML', () => {
  it('flattens tables and arrays of tables; keeps big integers exact', async () => {
    const set = await loadMetricsFile(fixture('formats/metrics.toml'));
    expect(entries(set.values)).toEqual({
      accuracy: num('0.7'), // smol-toml gives values, not source text: the shortest text of the same double
      loss: num('NaN', Number.NaN),
      latency_ms: num('Infinity', Infinity),
      model: { kind: 'text', value: 'resnet50' },
      calibrated: { kind: 'boolean', value: true },
      big: num('9007199254740993', 9007199254740992),
      'eval.slices.us.recall': num('0.91'),
      'runs.0.seed': num('1'),
    });
  });
});

describe('CSV and TSV', () => {
  it('reads metric,value rows with a header, quoted fields and NaN spellings', async () => {
    const set = await loadMetricsFile(fixture('formats/long.csv'));
    expect(entries(set.values)).toEqual({
      accuracy: num('0.70'),
      'eval.slices.us,recall': num('0.91'),
      model: { kind: 'text', value: 'resnet50' },
      loss: num('nan', Number.NaN),
      latency_ms: num('inf', Infinity),
    });
  });

  it('reads metric,value rows without a header', async () => {
    const set = await loadMetricsFile(fixture('formats/long-noheader.csv'));
    expect(entries(set.values)).toEqual({ accuracy: num('0.70'), loss: num('0.25') });
  });

  it('reads a header row of names over one row of values', async () => {
    const set = await loadMetricsFile(fixture('formats/wide.csv'));
    expect(entries(set.values)).toEqual({
      accuracy: num('0.70'),
      f1: num('0.655'),
      loss: num('0.25'),
      model: { kind: 'text', value: 'resnet50, v2' },
    });
    expect(entries(parseMetrics('accuracy,loss\r\n0.9,0.1\r\n', 'csv', 'w.csv').values)).toEqual({
      accuracy: num('0.9'),
      loss: num('0.1'),
    });
  });

  it('reads TSV in both shapes', async () => {
    expect(entries((await loadMetricsFile(fixture('formats/long.tsv'))).values)).toEqual({
      accuracy: num('0.70'),
      loss: num('-Infinity', -Infinity),
    });
    expect(entries((await loadMetricsFile(fixture('formats/wide.tsv'))).values)).toEqual({
      accuracy: num('0.70'),
      f1: num('0.655'),
    });
  });

  it('handles doubled quotes and line breaks inside quotes', () => {
    const set = parseMetrics('metric,value\n"say ""hi""","multi\nline"\nx,1\n', 'csv', 'q.csv');
    expect(entries(set.values)).toEqual({
      'say "hi"': { kind: 'text', value: 'multi\nline' },
      x: num('1'),
    });
  });
});

describe('OpenMetrics', () => {
  const expected = {
    model_accuracy: num('0.70'),
    'request_latency_ms{quantile="0.5"}': num('12.5'),
    'request_latency_ms{quantile="0.99",path="/predict"}': num('41.0'),
    model_loss: num('NaN', Number.NaN),
    model_drift: num('+Inf', Infinity),
  };

  it('keys samples by name and labels, ignoring comments and timestamps', async () => {
    expect(entries((await loadMetricsFile(fixture('formats/metrics.prom'))).values)).toEqual(
      expected,
    );
  });

  it('sniffs .txt files as OpenMetrics', async () => {
    expect(entries((await loadMetricsFile(fixture('formats/metrics.txt'))).values)).toEqual(
      expected,
    );
  });

  it('re-escapes label values', () => {
    const set = parseMetrics('m{a="x\\"y\\\\z"} 1\n', 'openmetrics', 'm.prom');
    expect([...set.values.keys()]).toEqual(['m{a="x\\"y\\\\z"}']);
  });
});

describe('format option', () => {
  it('overrides detection', async () => {
    const set = await loadMetricsFile(fixture('formats/metrics.txt'), { format: 'openmetrics' });
    expect(set.values.size).toBe(5);
  });
});
