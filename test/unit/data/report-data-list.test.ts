import { describe, expect, it } from 'vitest';
import { expandBraces, MAX_BRACE_EXPANSIONS } from '../../../src/core/data/brace-globs.js';
import { UsageError } from '../../../src/core/errors.js';
import { parseList } from '../../../src/inputs/parse.js';

describe('--data lists with brace globs', () => {
  it('keep a brace group with commas as one item', () => {
    expect(parseList('multi/{a,b}.csv')).toEqual(['multi/{a,b}.csv']);
    expect(parseList('x/{a,{b,c}}/*.csv, y.csv\nz/{1,2}.parquet')).toEqual([
      'x/{a,{b,c}}/*.csv',
      'y.csv',
      'z/{1,2}.parquet',
    ]);
  });

  it('still split at commas outside braces, and when a brace is never closed on its line', () => {
    expect(parseList('a.csv,b.csv')).toEqual(['a.csv', 'b.csv']);
    expect(parseList('a{.csv,b.csv\nc}.csv')).toEqual(['a{.csv', 'b.csv', 'c}.csv']);
    expect(parseList('}a,b{')).toEqual(['}a', 'b{']);
  });
});

describe('expandBraces', () => {
  it('expands alternatives, nested ones too, as a shell would', () => {
    expect(expandBraces('multi/{a,b}.csv')).toEqual(['multi/a.csv', 'multi/b.csv']);
    expect(expandBraces('d/{x,y{1,2}}/*.csv')).toEqual(['d/x/*.csv', 'd/y1/*.csv', 'd/y2/*.csv']);
    expect(expandBraces('{a,b}/{c,d}.csv')).toEqual(['a/c.csv', 'a/d.csv', 'b/c.csv', 'b/d.csv']);
  });

  it('leaves paths without a comma group as written', () => {
    expect(expandBraces('plain.csv')).toEqual(['plain.csv']);
    expect(expandBraces('odd{}.csv')).toEqual(['odd{}.csv']);
    expect(expandBraces('open{a,b.csv')).toEqual(['open{a,b.csv']);
  });

  it('refuses a pattern that expands to a runaway number of paths', () => {
    const pattern = '{0,1,2,3,4,5,6,7,8,9}'.repeat(4) + '.csv';
    expect(() => expandBraces(pattern)).toThrow(UsageError);
    expect(() => expandBraces(pattern)).toThrow(String(MAX_BRACE_EXPANSIONS));
  });
});
