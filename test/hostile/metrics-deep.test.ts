import { describe, expect, it } from 'vitest';
import { usageError } from '../unit/support/errors.js';
import { MAX_NESTING } from '../../src/core/metrics/tree.js';
import { parseMetrics } from '../../src/core/metrics/parsers-all.js';
import type { MetricsFormat } from '../../src/core/metrics/model.js';

const DEEP = 100_000;

const cases: [string, MetricsFormat, string][] = [
  ['JSON objects', 'json', `${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}`],
  ['JSON lists', 'json', `${'['.repeat(DEEP)}1${']'.repeat(DEEP)}`],
  ['YAML flow', 'yaml', `a: ${'['.repeat(DEEP)}1${']'.repeat(DEEP)}\n`],
  ['YAML block', 'yaml', `${'- '.repeat(DEEP)}1\n`],
  ['TOML inline arrays', 'toml', `a = ${'['.repeat(DEEP)}1${']'.repeat(DEEP)}\n`],
  ['TOML inline tables', 'toml', `a = ${'{b = '.repeat(DEEP)}1${'}'.repeat(DEEP)}\n`],
  ['TOML table header', 'toml', `[${Array(DEEP).fill('a').join('.')}]\nx = 1\n`],
  ['TOML dotted key', 'toml', `${Array(DEEP).fill('a').join('.')} = 1\n`],
];

describe.each(cases)('%s nested 100,000 deep', (_name, format, text) => {
  it('is a UsageError naming the file and the depth limit, not a stack overflow', () => {
    const error = usageError(() => parseMetrics(text, format, `m.${format}`));
    expect(error.place?.file).toBe(`m.${format}`);
    expect(`${error.message} ${error.hint ?? ''}`).toMatch(
      new RegExp(`nest.*(${MAX_NESTING}|excessively)|depth ${MAX_NESTING}`, 's'),
    );
  });
});

describe('nesting within the limit', () => {
  it('reads 200 levels in JSON, YAML and TOML', () => {
    const keys = Array(200).fill('k');
    const json = `${'{"k":'.repeat(200)}1${'}'.repeat(200)}`;
    expect([...parseMetrics(json, 'json', 'm.json').values.keys()]).toEqual([keys.join('.')]);
    const yaml = `${'{k: '.repeat(200)}1${'}'.repeat(200)}\n`;
    expect([...parseMetrics(yaml, 'yaml', 'm.yaml').values.keys()]).toEqual([keys.join('.')]);
    const toml = `${keys.join('.')} = 1\n`;
    expect([...parseMetrics(toml, 'toml', 'm.toml').values.keys()]).toEqual([keys.join('.')]);
  });

  it('names the key path where JSON got too deep', () => {
    const error = usageError(() =>
      parseMetrics(`{"eval": ${'{"x":'.repeat(300)}1${'}'.repeat(301)}`, 'json', 'm.json'),
    );
    expect(error.place?.key?.startsWith('eval.x.x')).toBe(true);
    expect(error.place?.line).toBe(1);
  });
});
