import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeError, UsageError } from '../../../src/core/errors.js';
import { loadRules, parseRules } from '../../../src/core/gate/rules.js';

const fixture = (name: string) =>
  fileURLToPath(new URL(`../../fixtures/rules/${name}`, import.meta.url));

function rulesError(text: string, file = 'rules.yml'): UsageError {
  try {
    parseRules(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('parseRules', () => {
  it('reads every rule key, the default, written texts and places', () => {
    const rules = parseRules(
      [
        'metrics:',
        '  accuracy:',
        '    direction: higher',
        '    min: 0.80',
        '    max: 1',
        '    max_regression: 0.01',
        '    max_regression_pct: 2',
        '    required: true',
        '  "slices.*.recall": { max_regression: 0.05 }',
        '  latency_ms:',
        'default: { max_regression_pct: 0 }',
      ].join('\n'),
      'gate.yml',
    );
    expect(rules.file).toBe('gate.yml');
    expect(rules.rules).toEqual([
      {
        pattern: 'accuracy',
        direction: 'higher',
        min: 0.8,
        max: 1,
        maxRegression: 0.01,
        maxRegressionPct: 2,
        required: true,
        place: { file: 'gate.yml', line: 2, key: 'metrics.accuracy' },
        written: { min: '0.80', max: '1', maxRegression: '0.01', maxRegressionPct: '2' },
      },
      {
        pattern: 'slices.*.recall',
        maxRegression: 0.05,
        place: { file: 'gate.yml', line: 9, key: 'metrics.slices.*.recall' },
        written: { maxRegression: '0.05' },
      },
      { pattern: 'latency_ms', place: { file: 'gate.yml', line: 10, key: 'metrics.latency_ms' } },
    ]);
    expect(rules.default).toEqual({
      maxRegressionPct: 0,
      place: { file: 'gate.yml', line: 11, key: 'default' },
      written: { maxRegressionPct: '0' },
    });
  });

  it('loads the fixture rules file', async () => {
    const rules = await loadRules(fixture('rules.yml'), 'rules.yml');
    expect(rules.rules.map((rule) => rule.pattern)).toEqual([
      'accuracy',
      'f1',
      'loss',
      'latency_ms',
      'eval.classes.*.recall',
      'eval.slices.*.recall',
    ]);
    expect(rules.default?.maxRegressionPct).toBe(5);
  });

  it('an unknown key: file, line, key path and the allowed keys', async () => {
    const error = await loadRules(fixture('bad-unknown-key.yml'), 'bad-unknown-key.yml').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UsageError);
    const usage = error as UsageError;
    expect(usage.place).toMatchObject({
      file: 'bad-unknown-key.yml',
      line: 4,
      key: 'metrics.accuracy.max_regresion',
    });
    expect(usage.hint).toContain('did you mean max_regression?');
    expect(usage.hint).toContain(
      'direction, min, max, max_regression, max_regression_pct, required',
    );
    expect(describeError(usage)).toContain('bad-unknown-key.yml:4');
    expect(usage.exitCode).toBe(2);
  });

  it('an unknown direction lists the allowed values', async () => {
    const error = (await loadRules(fixture('bad-direction.yml')).catch(
      (e: unknown) => e,
    )) as UsageError;
    expect(error.message).toBe('unknown direction "up"');
    expect(error.place).toMatchObject({ line: 3, key: 'metrics.accuracy.direction' });
    expect(error.hint).toBe('allowed values: higher, lower');
  });

  it('a wrong type', async () => {
    const error = (await loadRules(fixture('bad-type.yml')).catch((e: unknown) => e)) as UsageError;
    expect(error.message).toBe('min must be a finite number, not "high"');
    expect(error.place).toMatchObject({ line: 3, key: 'metrics.accuracy.min' });
    expect(rulesError('metrics:\n  a:\n    min: "0.8"\n').hint).toContain('without quotes');
    expect(rulesError('metrics:\n  a:\n    required: yes\n').message).toMatch(
      /required must be true or false/,
    );
    expect(rulesError('metrics:\n  a:\n    max: .nan\n').message).toMatch(/finite number/);
    expect(rulesError('metrics:\n  a: 0.8\n').message).toMatch(/must be a map of settings/);
    expect(rulesError('metrics:\n  - a\n').message).toMatch(/`metrics` must be a map/);
  });

  it('a negative max_regression', () => {
    const error = rulesError('metrics:\n  accuracy:\n    max_regression: -0.01\n');
    expect(error.message).toMatch(/cannot be negative/);
    expect(error.place).toMatchObject({ line: 3, key: 'metrics.accuracy.max_regression' });
    expect(rulesError('default:\n  max_regression_pct: -1\n').place).toMatchObject({
      key: 'default.max_regression_pct',
    });
  });

  it('a regression rule whose direction cannot be inferred', () => {
    const error = rulesError('metrics:\n  throughput:\n    max_regression: 5\n');
    expect(error.message).toMatch(/direction cannot be inferred/);
    expect(error.place).toMatchObject({ line: 2, key: 'metrics.throughput' });
    expect(error.hint).toMatch(/direction: higher/);
    expect(rulesError('metrics:\n  "eval.*":\n    max_regression_pct: 1\n').message).toMatch(
      /direction/,
    );
    // min/max need no direction; a pattern's own words may give it.
    expect(
      parseRules('metrics:\n  throughput: { min: 5 }\n  "*_loss": { max_regression: 1 }\n', 'r.yml')
        .rules,
    ).toHaveLength(2);
  });

  it('unknown top-level keys, min above max, empty and malformed files', () => {
    const top = rulesError('metric:\n  accuracy: { min: 0.8 }\n');
    expect(top.place).toMatchObject({ line: 1, key: 'metric' });
    expect(top.hint).toContain('did you mean metrics?');
    expect(rulesError('metrics:\n  a: { min: 0.9, max: 0.8 }\n').message).toMatch(
      /greater than max/,
    );
    expect(rulesError('').message).toMatch(/empty/);
    expect(rulesError('- a\n').message).toMatch(/must be a map/);
    const bad = rulesError('metrics:\n  a: { min: 0.8\n  b: 1\n');
    expect(bad.message).toMatch(/malformed YAML/);
    expect(bad.place?.line).toBeGreaterThan(1);
    expect(rulesError('metrics:\n  a: {min: 1}\n  a: {min: 2}\n').place).toMatchObject({ line: 3 });
    expect(rulesError('metrics:\n  "a..b": { min: 1 }\n').message).toMatch(/empty path segment/);
  });

  it('a missing rules file or a directory', async () => {
    const missing = (await loadRules('/nonexistent/rules.yml', 'rules.yml').catch(
      (e: unknown) => e,
    )) as UsageError;
    expect(describeError(missing)).toContain('rules.yml: rules file not found');
    const dir = (await loadRules(fixture(''), 'rules/').catch((e: unknown) => e)) as UsageError;
    expect(dir.message).toMatch(/directory/);
  });
});
