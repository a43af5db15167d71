import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeError, UsageError } from '../../../src/core/errors.js';
import { loadMetricsFile, parseMetrics } from '../../../src/core/metrics/parsers-all.js';
import type { MetricsFormat } from '../../../src/core/metrics/model.js';

const fixture = (name: string) =>
  fileURLToPath(new URL(`../../fixtures/metrics/${name}`, import.meta.url));

async function loadError(file: string, displayPath?: string): Promise<UsageError> {
  const error = await loadMetricsFile(file, displayPath ? { displayPath } : {}).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  return error as UsageError;
}

function parseError(text: string, format: MetricsFormat, file: string): UsageError {
  try {
    parseMetrics(text, format, file);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('bad metrics files', () => {
  it.each([
    ['bad/malformed.json', 4, /malformed JSON: expected ',' or '}'/],
    ['bad/malformed.yaml', 4, /malformed YAML/],
    ['bad/malformed.toml', 2, /malformed TOML/],
    ['bad/ragged.csv', 3, /CSV row has 3 fields, expected 2/],
    ['bad/duplicate-after-flatten.json', 3, /"eval.recall" appears twice after flattening/],
    ['bad/scalar.json', 1, /single value/],
  ])('%s names the file and the line', async (name, line, message) => {
    const error = await loadError(fixture(name), `metrics/${name}`);
    expect(error.message).toMatch(message);
    expect(error.place).toMatchObject({ file: `metrics/${name}`, line });
    expect(describeError(error)).toContain(`metrics/${name}:${line}`);
    expect(error.hint).toBeTruthy();
    expect(error.exitCode).toBe(2);
  });

  it('an empty file', async () => {
    const error = await loadError(fixture('bad/empty.json'), 'eval/empty.json');
    expect(describeError(error)).toMatch(/^eval\/empty\.json: metrics file is empty/);
    expect(parseError('  \n\n', 'yaml', 'e.yaml').message).toMatch(/empty/);
    expect(parseError('# only a comment\n', 'yaml', 'c.yaml').message).toMatch(/no metrics/);
  });

  describe('on disk', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-metrics-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('a directory where a file belongs', async () => {
      const error = await loadError(dir, 'metrics/');
      expect(describeError(error)).toContain('metrics/: this is a directory');
    });

    it('a file that does not exist', async () => {
      const error = await loadError(path.join(dir, 'nope.json'), 'nope.json');
      expect(describeError(error)).toContain('nope.json: metrics file not found');
      expect(error.hint).toMatch(/path/);
    });

    it('an extension nothing can read', async () => {
      const file = path.join(dir, 'metrics.dat');
      await writeFile(file, 'accuracy 0.9 extra words\n');
      const error = await loadError(file, 'metrics.dat');
      expect(describeError(error)).toContain('metrics.dat: cannot tell the format');
      expect(error.hint).toMatch(/\.json/);
    });
  });

  it('duplicate keys inside one JSON object, with the key path', () => {
    const error = parseError('{\n "eval": {\n  "a": 1,\n  "a": 2\n }\n}', 'json', 'd.json');
    expect(error.message).toMatch(/duplicate key "a"/);
    expect(error.place).toMatchObject({ file: 'd.json', line: 4, key: 'eval.a' });
  });

  it('duplicate keys in YAML', () => {
    const error = parseError('a: 1\nb: 2\na: 3\n', 'yaml', 'd.yaml');
    expect(error.place).toMatchObject({ file: 'd.yaml', line: 3 });
    expect(error.hint).toMatch(/once/);
  });

  it('duplicate metrics in CSV and OpenMetrics', () => {
    expect(parseError('a,1\nb,2\na,3\n', 'csv', 'd.csv').place).toMatchObject({
      line: 3,
      key: 'a',
    });
    expect(parseError('a,b,a\n1,2,3\n', 'csv', 'w.csv').place).toMatchObject({ line: 1, key: 'a' });
    expect(parseError('m{x="1"} 1\nm{x="1"} 2\n', 'openmetrics', 'd.prom').place).toMatchObject({
      line: 2,
    });
  });

  it('ragged and malformed CSV', () => {
    expect(parseError('a,b,c\n1,2\n', 'csv', 'w.csv').place).toMatchObject({
      file: 'w.csv',
      line: 2,
    });
    expect(parseError('a,b,c\n1,2,3\n4,5,6\n', 'csv', 'w.csv').message).toMatch(/exactly one/);
    expect(parseError('a,b,c\n', 'csv', 'w.csv').message).toMatch(/no row of values/);
    expect(parseError('metric,value\n"open,1\n', 'csv', 'q.csv').place).toMatchObject({ line: 2 });
    expect(parseError('a\tb\n1\n', 'tsv', 't.tsv').message).toMatch(/TSV row/);
  });

  it('malformed JSON reports line and column', () => {
    const error = parseError('{"a": 1,\n "b": }', 'json', 'x.json');
    expect(error.place).toMatchObject({ file: 'x.json', line: 2, column: 7, key: 'b' });
    expect(parseError('{"a": 1} trailing', 'json', 'x.json').message).toMatch(/after the end/);
    expect(parseError('{"a": "open', 'json', 'x.json').message).toMatch(/unterminated string/);
  });

  it('malformed OpenMetrics lines', () => {
    expect(parseError('# HELP x\nmodel_accuracy\n', 'openmetrics', 'm.prom').place).toMatchObject({
      line: 2,
    });
    expect(parseError('m{a="1" 2\n', 'openmetrics', 'm.prom').message).toMatch(
      /malformed OpenMetrics/,
    );
    expect(parseError('m high\n', 'openmetrics', 'm.prom').message).toMatch(/not a number/);
  });

  it('a top-level scalar in YAML', () => {
    expect(parseError('just text\n', 'yaml', 's.yaml').message).toMatch(/single value/);
  });
});
