import { describe, expect, it } from 'vitest';
import { localPlatform } from '../../../src/platforms/local/platform.js';
import { terminalWidth } from '../../../src/platforms/terminal-width.js';

describe('terminalWidth', () => {
  it('is the terminal’s own width when standard output is one', () => {
    expect(terminalWidth({ isTTY: true, columns: 80 }, { COLUMNS: '200' })).toBe(80);
  });

  it('is COLUMNS for a pipe, and no limit without it', () => {
    expect(terminalWidth({ isTTY: false }, { COLUMNS: '100' })).toBe(100);
    expect(terminalWidth({}, {})).toBeUndefined();
    expect(terminalWidth({}, { COLUMNS: 'wide' })).toBeUndefined();
    expect(terminalWidth({}, { COLUMNS: '0' })).toBeUndefined();
  });
});

describe('the local platform', () => {
  it('carries the terminal width to the report', () => {
    expect(localPlatform('/', () => undefined, false, 80).terminalWidth).toBe(80);
    expect(localPlatform('/', () => undefined, false, undefined).terminalWidth).toBeUndefined();
  });
});
