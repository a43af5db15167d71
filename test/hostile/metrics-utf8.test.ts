import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { loadRules } from '../../src/core/gate/rules.js';
import { loadMetricsFile } from '../../src/core/metrics/parsers-all.js';
import { decodeText, firstInvalidUtf8 } from '../../src/core/text/utf8.js';
import { tempDir } from '../unit/support/temp-dirs.js';

const dir = tempDir('sluice-utf8-');
function file(name: string, bytes: number[] | Buffer): string {
  const full = path.join(dir, name);
  writeFileSync(full, Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));
  return full;
}
const ascii = (text: string): number[] => [...Buffer.from(text, 'utf8')];

async function usageError(run: () => Promise<unknown>): Promise<UsageError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a UsageError');
}

describe('invalid UTF-8 in a metrics file', () => {
  it('is bad input with the file, the byte offset and the line, never U+FFFD', async () => {
    const bytes = [...ascii('{\n  "acc'), 0xff, ...ascii('": 1\n}\n')];
    const error = await usageError(() =>
      loadMetricsFile(file('bad.json', bytes), { displayPath: 'bad.json' }),
    );
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/not valid UTF-8.*byte offset 8/);
    expect(error.place).toMatchObject({ file: 'bad.json', line: 2 });
  });

  it.each([
    ['a lone continuation byte', [0x80]],
    ['a cut two-byte sequence', [0xc3]],
    ['an overlong encoding', [0xc0, 0xaf]],
    ['a UTF-16 surrogate', [0xed, 0xa0, 0x80]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ])('refuses %s in YAML, CSV and OpenMetrics', async (_name, bad) => {
    for (const [name, before, after] of [
      ['m.yaml', 'acc', ': 1\n'],
      ['m.csv', 'acc', ',1\n'],
      ['m.prom', 'acc{a="', '"} 1\n'],
    ] as const) {
      const error = await usageError(() =>
        loadMetricsFile(file(name, [...ascii(before), ...bad, ...ascii(after)])),
      );
      expect(error.message).toContain(`byte offset ${before.length}`);
    }
  });

  it('reads a UTF-8 byte order mark and a UTF-16 file with its mark', async () => {
    const bom = await loadMetricsFile(file('bom.json', [0xef, 0xbb, 0xbf, ...ascii('{"é": 1}')]));
    expect([...bom.values.keys()]).toEqual(['é']);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"ü": 2}', 'utf16le')]);
    const set = await loadMetricsFile(file('u16.json', utf16));
    expect([...set.values.keys()]).toEqual(['ü']);
    const be = Buffer.from('{"a": 3}', 'utf16le').swap16();
    const setBe = await loadMetricsFile(
      file('u16be.json', Buffer.concat([Buffer.from([0xfe, 0xff]), be])),
    );
    expect([...setBe.values.keys()]).toEqual(['a']);
  });

  it('refuses a UTF-16 mark over an odd number of bytes', () => {
    expect(() => decodeText(Uint8Array.from([0xff, 0xfe, 0x41]), 'x.json')).toThrow(
      /not valid UTF-16/,
    );
  });

  it('refuses invalid UTF-8 in a rules file too', async () => {
    const error = await usageError(() =>
      loadRules(file('rules.yml', [...ascii('metrics:\n  acc'), 0xfe, ...ascii(': {min: 1}\n')])),
    );
    expect(error.message).toMatch(/rules file is not valid UTF-8: .*byte offset 14/);
    expect(error.place?.line).toBe(2);
  });

  it('finds the same first bad byte as a fatal TextDecoder says there is one', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    for (let seed = 0; seed < 2000; seed++) {
      const bytes = Uint8Array.from({ length: 6 }, (_, i) => (seed * 2654435761 + i * 40503) % 256);
      let valid = true;
      try {
        decoder.decode(bytes);
      } catch {
        valid = false;
      }
      expect(firstInvalidUtf8(bytes) === bytes.length).toBe(valid);
    }
  });
});
