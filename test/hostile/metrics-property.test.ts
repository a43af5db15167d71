import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSchema } from '../../src/core/data/schema.js';
import { UsageError } from '../../src/core/errors.js';
import { parseRules } from '../../src/core/gate/rules.js';
import { METRICS_FORMATS, detectFormat } from '../../src/core/metrics/detect.js';
import { parseMetrics } from '../../src/core/metrics/parsers-all.js';
import { decodeText } from '../../src/core/text/utf8.js';

/**
 * Every parser of a user file, on any bytes: a result or a UsageError, never another error
 * (a TypeError or RangeError is a bug, exit 70) and never a hang (each run is timed).
 */
function parsesOrRefuses(parse: (text: string) => unknown, bytes: Uint8Array): void {
  const started = performance.now();
  try {
    parse(decodeText(bytes, 'input'));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    expect(error.place?.file ?? '').not.toBe(undefined);
  }
  expect(performance.now() - started).toBeLessThan(2_000);
}

/** Bytes that look like the syntax of the formats (brackets, quotes, colons, anchors, …). */
const syntax = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '{',
        '}',
        '[',
        ']',
        '"',
        "'",
        ':',
        ',',
        '=',
        '\n',
        ' ',
        '  ',
        '\t',
        '-',
        '#',
        '&a',
        '*a',
        '&b',
        '*b',
        '<<',
        '|',
        '>',
        '!!str',
        '---',
        '...',
        'a',
        'b.c',
        '1',
        '0.70',
        '-1e3',
        'NaN',
        'inf',
        '.nan',
        'true',
        'null',
        '9007199254740993',
        '\\',
        '\\u00e9',
        '{a="1"}',
        '\r\n',
        'metrics',
        'default',
        'min',
        'max_regression',
        'direction',
        'higher',
        'columns',
        'type',
        'integer',
        'checks',
        'sql',
        'drift',
        'rows',
        'é',
        '\u0000',
        '\ufeff',
      ),
      fc.string({ maxLength: 4 }),
    ),
    { maxLength: 60 },
  )
  .map((parts) => new TextEncoder().encode(parts.join('')));

const anyBytes = fc.uint8Array({ maxLength: 200 });
const inputs = fc.oneof(syntax, anyBytes);

const RUNS = { numRuns: 200 };

describe.each(METRICS_FORMATS)('the %s metrics parser', (format) => {
  it('parses or refuses any bytes with a UsageError', () => {
    fc.assert(
      fc.property(inputs, (bytes) =>
        parsesOrRefuses((text) => parseMetrics(text, format, `m.${format}`), bytes),
      ),
      RUNS,
    );
  });
});

describe('format detection', () => {
  it('detects or refuses any bytes with a UsageError', () => {
    fc.assert(
      fc.property(inputs, (bytes) =>
        parsesOrRefuses((text) => {
          const format = detectFormat('metrics.txt', text);
          return parseMetrics(text, format, 'metrics.txt');
        }, bytes),
      ),
      RUNS,
    );
  });
});

describe('the rules parser', () => {
  it('parses or refuses any bytes with a UsageError', () => {
    fc.assert(
      fc.property(inputs, (bytes) => parsesOrRefuses((text) => parseRules(text, 'r.yml'), bytes)),
      RUNS,
    );
  });
});

describe('the schema parser', () => {
  it('parses or refuses any bytes with a UsageError', () => {
    fc.assert(
      fc.property(inputs, (bytes) =>
        parsesOrRefuses(
          (text) => parseSchema(text, 's.yml', (dir, path) => `${dir}/${path}`),
          bytes,
        ),
      ),
      RUNS,
    );
  });
});

describe('the UTF-8 decoder', () => {
  it('decodes or refuses any bytes with a UsageError naming an offset', () => {
    fc.assert(
      fc.property(anyBytes, (bytes) => {
        try {
          decodeText(bytes, 'f');
        } catch (error) {
          expect(error).toBeInstanceOf(UsageError);
          expect((error as UsageError).message).toMatch(/byte offset \d+|UTF-16/);
        }
      }),
      { numRuns: 500 },
    );
  });
});
