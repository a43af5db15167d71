import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../src/inputs/index.js';

const repeated = (names: string[]): string[] =>
  names.filter((name, index) => names.indexOf(name) !== index);

describe('command definitions', () => {
  it('declare each input and output once (README, action.yml and GitLab list them)', () => {
    for (const command of COMMANDS) {
      expect(repeated(command.inputs.map((i) => i.name)), command.name).toEqual([]);
      expect(repeated(command.outputs.map((o) => o.name)), command.name).toEqual([]);
    }
  });
});
