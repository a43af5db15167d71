import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../../src/app/cli-args.js';
import { commandHelp } from '../../../src/app/cli-help.js';
import { commandByName } from '../../../src/inputs/index.js';
import type { CommandDef } from '../../../src/inputs/types.js';

const def = (name: string): CommandDef => commandByName(name)!;
const flagLine = (help: string, flag: string) =>
  help.split('\n').find((line) => line.trimStart().startsWith(flag)) ?? '';

describe('sluice <command> --help', () => {
  it('shows booleans as switches, in the syntax the parser takes', () => {
    const help = commandHelp(def('quality-gate'));
    expect(flagLine(help, '--[no-]fail-on-verdict')).toContain('SLUICE_FAIL_ON_VERDICT');
    expect(help).toContain('--no-comment (or --comment false) off');
    // What the help promises, the parser does.
    expect(
      parseCliArgs(def('quality-gate'), ['--no-fail-on-verdict']).values.get('fail-on-verdict'),
    ).toBe('false');
    expect(parseCliArgs(def('quality-gate'), ['--comment', 'false']).values.get('comment')).toBe(
      'false',
    );
  });

  it('says lists are words after the flag, not "one per line", in each flag’s line', () => {
    const help = commandHelp(def('quality-gate'));
    const metrics = flagLine(help, '--metrics');
    expect(metrics).toContain('--metrics <metrics>...');
    expect(metrics).not.toMatch(/one per line|comma-separated/);
    expect(help).toContain('the words after it (--metrics a b');
    expect(parseCliArgs(def('quality-gate'), ['--metrics', 'a', 'b']).values.get('metrics')).toBe(
      'a\nb',
    );
  });

  it('lists exit 1 only for commands that have a verdict to fail on', () => {
    expect(commandHelp(def('quality-gate'))).toContain('1 verdict failed');
    expect(commandHelp(def('validate-data'))).toContain('1 verdict failed');
    for (const name of ['infer-schema', 'build-image', 'push-image', 'comment']) {
      const help = commandHelp(def(name));
      expect(help, name).not.toContain('1 verdict failed');
      expect(help, name).toContain('Exit codes: 0 done, 2 usage or bad input, 3 infrastructure');
    }
  });
});
