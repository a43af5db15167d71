/**
 * Styles (ANSI escapes) only where they show as styles: the CLI's rule (src/app/color.ts) and
 * the scripts' headings (scripts/lib/style.sh, used by `npm run demo`) follow the same one.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useColor } from '../../../src/app/color.js';

const ROOT = join(import.meta.dirname, '../../..');
const tty = { isTTY: true };
const pipe = { isTTY: false };

describe('useColor', () => {
  it.each([
    ['a terminal', tty, {}, true],
    ['a pipe or a file', pipe, {}, false],
    ['a terminal with NO_COLOR=1', tty, { NO_COLOR: '1' }, false],
    ['a terminal with NO_COLOR empty (unset, per no-color.org)', tty, { NO_COLOR: '' }, true],
    ['a dumb terminal', tty, { TERM: 'dumb' }, false],
    ['a pipe with FORCE_COLOR=1', pipe, { FORCE_COLOR: '1' }, true],
    [
      'a pipe with FORCE_COLOR=true and NO_COLOR=1',
      pipe,
      { FORCE_COLOR: 'true', NO_COLOR: '1' },
      true,
    ],
    ['a terminal with FORCE_COLOR=0', tty, { FORCE_COLOR: '0' }, true],
    ['a pipe with FORCE_COLOR=0', pipe, { FORCE_COLOR: '0' }, false],
    ['a pipe with FORCE_COLOR=false', pipe, { FORCE_COLOR: 'false' }, false],
  ])('%s → %s', (_what, stream, env, expected) => {
    expect(useColor(stream, env)).toBe(expected);
  });
});

describe('scripts/lib/style.sh heading', () => {
  const ESC = '\u001b';
  const base = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', TERM: 'xterm' };
  const heading = (env: Record<string, string>, onTerminal: boolean): string => {
    const command = `. scripts/lib/style.sh; heading 'quality-gate'`;
    // util-linux `script` gives the command a terminal; its own output is the pipe we read.
    const [file, args] = onTerminal
      ? ['script', ['-qec', `bash -c "${command}"`, '/dev/null']]
      : ['bash', ['-c', command]];
    const result = spawnSync(file, args as string[], {
      cwd: ROOT,
      env: { ...base, ...env },
      encoding: 'utf8',
    });
    expect(result.status, result.stderr).toBe(0);
    return result.stdout;
  };

  it('is plain text when the output is not a terminal', () => {
    expect(heading({}, false)).toBe('\n== quality-gate\n');
  });

  it('is bold on a terminal', () => {
    expect(heading({}, true)).toContain(`${ESC}[1m== quality-gate${ESC}[0m`);
  });

  it('is plain on a terminal with NO_COLOR, bold in a pipe with FORCE_COLOR', () => {
    expect(heading({ NO_COLOR: '1' }, true)).not.toContain(ESC);
    expect(heading({ FORCE_COLOR: '1' }, false)).toBe(`\n${ESC}[1m== quality-gate${ESC}[0m\n`);
    expect(heading({ FORCE_COLOR: '0' }, false)).not.toContain(ESC);
  });

  it('is the only place a script writes an escape code', () => {
    const scripts = readdirSync(join(ROOT, 'scripts'), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.sh') && file !== join('lib', 'style.sh'))
      .filter((file) =>
        /\\033|\\x1b|\\e\[|\\u001b/.test(readFileSync(join(ROOT, 'scripts', file), 'utf8')),
      );
    expect(scripts).toEqual([]);
  });
});
