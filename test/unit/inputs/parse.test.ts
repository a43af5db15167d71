import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { commandByName, COMMANDS } from '../../../src/inputs/index.js';
import {
  appliesTo,
  envVarName,
  parseInput,
  parseInputs,
  parseList,
} from '../../../src/inputs/parse.js';
import type { CommandDef, InputDef } from '../../../src/inputs/types.js';

const reader =
  (values: Record<string, string>) =>
  (name: string): string | undefined =>
    values[name];

function usageError(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected a UsageError, nothing was thrown');
}

const def = (inputs: InputDef[]): CommandDef => ({
  name: 'test',
  summary: 's',
  inputs,
  outputs: [],
});

describe('parseInputs on the real quality-gate definition', () => {
  const qualityGate = commandByName('quality-gate')!;

  it('reads typed values and fills defaults', () => {
    const values = parseInputs(
      qualityGate,
      reader({ metrics: 'a.json\nb.json', comment: 'yes', 'pull-request': '12' }),
      'cli',
    );
    expect(values).toMatchObject({
      metrics: ['a.json', 'b.json'],
      baseline: 'auto',
      format: 'terminal',
      comment: true,
      'fail-on-verdict': true,
      'pull-request': 12,
    });
    expect(values.rules).toBeUndefined();
    expect('rules' in values).toBe(true);
  });

  it('names a missing required input with the way to set it on each platform', () => {
    // quality-gate needs `metrics` or `predictions` (checked by the command); validate-data's
    // `data` is required by the definition.
    const validate = commandByName('validate-data')!;
    const given = reader({ schema: 'schema.yml' });
    expect(usageError(() => parseInputs(validate, given, 'cli')).message).toBe(
      'input `data` is required',
    );
    expect(usageError(() => parseInputs(validate, given, 'cli')).hint).toContain(
      '--data <value>` or set SLUICE_DATA',
    );
    expect(usageError(() => parseInputs(validate, given, 'action')).hint).toContain('with:');
    expect(usageError(() => parseInputs(validate, given, 'gitlab')).hint).toContain('inputs:');
  });

  it('treats an empty string like a missing value', () => {
    const values = parseInputs(
      qualityGate,
      reader({ metrics: 'm.json', rules: '', baseline: '  ' }),
      'action',
    );
    expect(values.rules).toBeUndefined();
    expect(values.baseline).toBe('auto');
  });

  it('checks the baseline regex', () => {
    const error = usageError(() =>
      parseInputs(qualityGate, reader({ metrics: 'm.json', baseline: 'svn:trunk' }), 'cli'),
    );
    expect(error.message).toContain('`baseline`');
    expect(error.message).toContain('svn:trunk');
    expect(
      parseInputs(qualityGate, reader({ metrics: 'm', baseline: 'git:main' }), 'cli').baseline,
    ).toBe('git:main');
  });

  it('gives every command a parse that succeeds with its required inputs set', () => {
    for (const command of COMMANDS) {
      const values: Record<string, string> = {};
      for (const input of command.inputs) if (input.required) values[input.name] = 'x';
      expect(() => parseInputs(command, reader(values), 'cli')).not.toThrow();
    }
  });
});

describe('booleans', () => {
  const input: InputDef = { name: 'flag', type: 'boolean', description: 'd' };
  it.each([
    ['true', true],
    ['TRUE', true],
    ['Yes', true],
    ['1', true],
    ['false', false],
    ['No', false],
    ['0', false],
  ])('%s → %s', (raw, expected) => {
    expect(parseInput(input, raw, 'cli')).toBe(expected);
  });
  it('rejects anything else, listing the allowed words', () => {
    const error = usageError(() => parseInput(input, 'maybe', 'cli'));
    expect(error.message).toContain('`flag` must be a boolean, got `maybe`');
    expect(error.hint).toBe(
      'use one of: true, yes, 1, false, no, 0; set by --flag or $SLUICE_FLAG',
    );
  });
});

describe('numbers', () => {
  const input: InputDef = { name: 'n', type: 'number', description: 'd' };
  it.each([
    ['42', 42],
    ['-0.5', -0.5],
    ['.25', 0.25],
    ['1e3', 1000],
  ])('%s → %s', (raw, expected) => {
    expect(parseInput(input, raw, 'cli')).toBe(expected);
  });
  it.each(['abc', '0x10', 'Infinity', 'NaN', '1e999', '12px'])('rejects %s', (raw) => {
    expect(usageError(() => parseInput(input, raw, 'cli')).message).toContain(
      '`n` must be a number',
    );
  });
});

describe('choices', () => {
  const input: InputDef = {
    name: 'format',
    type: 'choice',
    options: ['json', 'junit'],
    description: 'd',
  };
  it('accepts an option and lists them on a miss', () => {
    expect(parseInput(input, 'json', 'cli')).toBe('json');
    const error = usageError(() => parseInput(input, 'xml', 'cli'));
    expect(error.message).toContain('`xml`');
    expect(error.hint).toBe('allowed: json, junit; set by --format or $SLUICE_FORMAT');
  });
});

describe('lists', () => {
  it('splits on newlines and commas, trims, drops empty items', () => {
    expect(parseList('a.json, b.json\n\n c.json ,,\r\nd.json\n')).toEqual([
      'a.json',
      'b.json',
      'c.json',
      'd.json',
    ]);
  });
  it('keeps commas inside double quotes and unescapes doubled quotes', () => {
    expect(parseList('"a,b.json", c\n"say ""hi"""')).toEqual(['a,b.json', 'c', 'say "hi"']);
  });
  it('keeps quotes that are not at the start of an item', () => {
    expect(parseList('a"b, c')).toEqual(['a"b', 'c']);
  });
  it('rejects an unterminated quote and text after a closing quote', () => {
    expect(usageError(() => parseList('"a, b', 'metrics')).message).toContain(
      '`metrics` has an unterminated quote',
    );
    expect(usageError(() => parseList('"a"b', 'metrics')).message).toContain('after a quoted item');
  });
  it('checks each item against options', () => {
    const input: InputDef = {
      name: 'formats',
      type: 'list',
      options: ['json', 'junit'],
      description: 'd',
    };
    expect(parseInput(input, 'json,junit', 'cli')).toEqual(['json', 'junit']);
    expect(usageError(() => parseInput(input, 'json,xml', 'cli')).message).toContain('`xml`');
  });
  it('returns a copy of a list default', () => {
    const fallback = ['a'];
    const input: InputDef = { name: 'l', type: 'list', default: fallback, description: 'd' };
    const value = parseInput(input, undefined, 'cli') as string[];
    value.push('b');
    expect(fallback).toEqual(['a']);
  });
});

describe('secrets, renames and platforms', () => {
  it('never echoes a secret value in an error', () => {
    const input: InputDef = {
      name: 'token',
      type: 'string',
      secret: true,
      regex: '^gl',
      description: 'd',
    };
    const error = usageError(() => parseInput(input, 'hunter2-secret', 'cli'));
    expect(`${error.message} ${error.hint}`).not.toContain('hunter2');
  });

  it('fails loudly on a renamed input, asking the reader for the old name', () => {
    const command = def([
      { name: 'publish-script', type: 'string', renamedFrom: ['publish'], description: 'd' },
    ]);
    const asked: string[] = [];
    const read = (name: string): string | undefined => {
      asked.push(name);
      return name === 'publish' ? 'npm publish' : undefined;
    };
    const error = usageError(() => parseInputs(command, read, 'action'));
    expect(error.message).toBe('input `publish` was renamed to `publish-script`');
    expect(asked).toContain('publish');
    expect(parseInputs(command, reader({ publish: '' }), 'action')).toEqual({
      'publish-script': undefined,
    });
  });

  it('leaves out inputs that do not exist on the platform', () => {
    const only: InputDef = {
      name: 'cache',
      type: 'boolean',
      platforms: ['action'],
      default: true,
      description: 'd',
    };
    expect(appliesTo(only, 'cli')).toBe(false);
    expect(parseInputs(def([only]), reader({}), 'cli')).toEqual({});
    expect(parseInputs(def([only]), reader({}), 'action')).toEqual({ cache: true });
  });

  it('ignores actionDefault (the runner fills it in) and uses the plain default', () => {
    const input: InputDef = {
      name: 'token',
      type: 'string',
      actionDefault: '${{ github.token }}',
      description: 'd',
    };
    expect(parseInput(input, undefined, 'action')).toBeUndefined();
  });
});

describe('names', () => {
  it('maps kebab-case to SLUICE_UPPER_SNAKE', () => {
    expect(envVarName('fail-on-verdict')).toBe('SLUICE_FAIL_ON_VERDICT');
    expect(envVarName('metrics')).toBe('SLUICE_METRICS');
  });
});
