/**
 * Any text for any input of any command, on any platform, is a value or a UsageError naming the
 * input: never another throw (a TypeError, a RangeError from Date, a SyntaxError from a regex).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../src/app/cli-args.js';
import { parseOutputTargets } from '../../src/app/output-targets.js';
import {
  parseBaselineSpec,
  parseCommitRunRef,
  parsePredictionsBaseline,
} from '../../src/core/baseline/spec.js';
import { UsageError } from '../../src/core/errors.js';
import { COMMANDS } from '../../src/inputs/index.js';
import { parseInput, parseInputs } from '../../src/inputs/parse.js';
import type { Platform } from '../../src/inputs/types.js';

const inputs = COMMANDS.flatMap((def) => def.inputs.map((input) => ({ def, input })));
const platforms: Platform[] = ['cli', 'action', 'gitlab'];

/** Text users (and attackers) write: numbers, control characters, quotes, braces, huge values. */
const hostileText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(
    '1e300',
    '-1e300',
    '1e-300',
    'NaN',
    'Infinity',
    '-0',
    '0x10',
    '9007199254740993',
    '',
    ' ',
    '\n',
    '"',
    '"a',
    'a"b',
    '{',
    '{a,b',
    '[z-a]',
    '--output=/tmp/x',
    'git:-x',
    'git:',
    'file:',
    'mlflow:@',
    'json=',
    '=x',
    '\u0000',
    '\u202e',
    'true',
    'TRUE',
    'yes',
  ),
  fc
    .array(fc.constantFrom(',', '"', '{', '}', '\n', 'a', '1', 'e', '-', '.', '='), {
      maxLength: 50,
    })
    .map((parts) => parts.join('')),
);

function valueOrUsage(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    expect(error.message.length).toBeLessThan(2000);
  }
}

describe('input parsers never throw anything but UsageError', () => {
  it('parseInput: any text, any input, any platform', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...inputs),
        fc.constantFrom(...platforms),
        hostileText,
        ({ input }, platform, text) => valueOrUsage(() => parseInput(input, text, platform)),
      ),
      { numRuns: 3000 },
    );
  });

  it('a UsageError from parseInput names the input', () => {
    fc.assert(
      fc.property(fc.constantFrom(...inputs), hostileText, ({ input }, text) => {
        try {
          parseInput(input, text, 'cli');
        } catch (error) {
          if (!(error instanceof UsageError)) throw error;
          expect(`${error.message} ${error.place?.key ?? ''}`).toContain(input.name);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('parseInputs: every input of a command at once, from any reader', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...COMMANDS),
        fc.constantFrom(...platforms),
        fc.dictionary(fc.string({ maxLength: 20 }), hostileText),
        fc.array(hostileText, { maxLength: 40 }),
        (def, platform, extra, texts) => {
          const values = new Map(def.inputs.map((input, i) => [input.name, texts[i]]));
          valueOrUsage(() => parseInputs(def, (name) => values.get(name) ?? extra[name], platform));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('parseCliArgs: any argv for any command', () => {
    const word = fc.oneof(
      hostileText,
      fc.constantFrom(...inputs.map(({ input }) => `--${input.name}`)),
      fc.constantFrom(...inputs.map(({ input }) => `--no-${input.name}`)),
      fc.constantFrom('--', '-', '-h', '--help', '--=x', '--no-'),
    );
    fc.assert(
      fc.property(fc.constantFrom(...COMMANDS), fc.array(word, { maxLength: 12 }), (def, argv) =>
        valueOrUsage(() => {
          const parsed = parseCliArgs(def, argv);
          parseInputs(def, (name) => parsed.values.get(name), 'cli');
        }),
      ),
      { numRuns: 2000 },
    );
  });

  it('baseline specs and output targets', () => {
    fc.assert(
      fc.property(hostileText, fc.array(hostileText, { maxLength: 5 }), (text, items) => {
        valueOrUsage(() => parseBaselineSpec(text));
        valueOrUsage(() => parseBaselineSpec(`git:${text}`));
        for (const prefix of ['', 'git:', 'mlflow:', 'mlflow:churn@champion:', 'mlflow:runs:/r1/'])
          valueOrUsage(() => parsePredictionsBaseline(`${prefix}${text}`));
        valueOrUsage(() => parseCommitRunRef(`commit:${text}`, 'metrics'));
        valueOrUsage(() => parseOutputTargets(items));
      }),
      { numRuns: 2000 },
    );
  });
});
