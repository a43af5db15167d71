import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../../src/app/cli-args.js';
import { envVarName } from '../../../src/inputs/parse.js';
import { UsageError } from '../../../src/core/errors.js';
import { qualityGate } from '../../../src/inputs/quality-gate.js';

describe('parseCliArgs', () => {
  it('takes every word after a list flag up to the next flag (what a shell glob expands to)', () => {
    const args = parseCliArgs(qualityGate, [
      '--metrics',
      'a.json',
      'b.json',
      '--baseline',
      'git:main',
    ]);
    expect(args.values.get('metrics')).toBe('a.json\nb.json');
    expect(args.values.get('baseline')).toBe('git:main');
  });

  it('joins a repeated list flag and accepts --name=value', () => {
    const args = parseCliArgs(qualityGate, [
      '--output=json=r.json',
      '--output',
      'junit=j.xml',
      '--metrics=m.json',
    ]);
    expect(args.values.get('output')).toBe('json=r.json\njunit=j.xml');
    expect(args.values.get('metrics')).toBe('m.json');
  });

  it('reads bare, valued and negated booleans', () => {
    expect(parseCliArgs(qualityGate, ['--comment']).values.get('comment')).toBe('true');
    expect(parseCliArgs(qualityGate, ['--comment', 'false']).values.get('comment')).toBe('false');
    expect(parseCliArgs(qualityGate, ['--no-fail-on-verdict']).values.get('fail-on-verdict')).toBe(
      'false',
    );
  });

  it('names an unknown flag and suggests the closest one', () => {
    const error = (() => {
      try {
        parseCliArgs(qualityGate, ['--metric', 'a.json']);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toContain('--metric');
    expect((error as UsageError).hint).toContain('--metrics');
  });

  it('refuses a flag without its value, a positional word, and a scalar given twice', () => {
    expect(() => parseCliArgs(qualityGate, ['--rules'])).toThrow(/--rules needs a value/);
    expect(() => parseCliArgs(qualityGate, ['stray'])).toThrow(/unexpected argument/);
    expect(() => parseCliArgs(qualityGate, ['--rules', 'a', '--rules', 'b'])).toThrow(/twice/);
  });

  it('spots --help anywhere', () => {
    expect(parseCliArgs(qualityGate, ['--metrics', 'a', '--help']).help).toBe(true);
  });

  it('maps input names to environment variables', () => {
    expect(envVarName('fail-on-verdict')).toBe('SLUICE_FAIL_ON_VERDICT');
  });
});
