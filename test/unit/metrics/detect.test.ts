import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { detectFormat } from '../../../src/core/metrics/detect.js';
import { parseMetrics } from '../../../src/core/metrics/parsers-all.js';

describe('detectFormat', () => {
  it('goes by extension, case-insensitively', () => {
    expect(detectFormat('a/b/metrics.JSON', '')).toBe('json');
    expect(detectFormat('m.yml', '')).toBe('yaml');
    expect(detectFormat('m.yaml', '')).toBe('yaml');
    expect(detectFormat('m.toml', '')).toBe('toml');
    expect(detectFormat('m.csv', '')).toBe('csv');
    expect(detectFormat('m.tsv', '')).toBe('tsv');
    expect(detectFormat('m.prom', '')).toBe('openmetrics');
  });

  it('sniffs .txt, .metrics and extensionless files by content', () => {
    expect(detectFormat('m.txt', '# HELP a x\na_total{x="1"} 3\njob:rate:5m 0.5\n')).toBe(
      'openmetrics',
    );
    expect(detectFormat('m.metrics', 'accuracy 0.9\n')).toBe('openmetrics');
    expect(detectFormat('m.txt', '  {"a": 1}')).toBe('json');
    expect(detectFormat('m.txt', 'accuracy: 0.9\nloss: 0.1\n')).toBe('yaml');
    expect(detectFormat('m.txt', 'accuracy = 0.9\n[eval]\nrecall = 1\n')).toBe('toml');
    expect(detectFormat('metrics', 'accuracy,0.9\n')).toBe('csv');
    expect(detectFormat('m.txt', 'accuracy\t0.9\n')).toBe('tsv');
  });

  it('names the file when it cannot tell', () => {
    expect(() => detectFormat('m.xlsx', 'x', 'shown/m.xlsx')).toThrow(UsageError);
    try {
      detectFormat('m.txt', 'just some words here\n', 'shown/m.txt');
    } catch (error) {
      expect((error as UsageError).place).toEqual({ file: 'shown/m.txt' });
    }
  });
});

describe('flattening collisions in YAML', () => {
  it('names the line of the second key', () => {
    expect(() => parseMetrics('a.b: 1\na:\n  b: 2\n', 'yaml', 'c.yaml')).toThrow(
      expect.objectContaining({ place: { file: 'c.yaml', line: 3, key: 'a.b' } }),
    );
  });
});
