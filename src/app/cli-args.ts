import { UsageError } from '../core/errors.js';
import { appliesTo } from '../inputs/parse.js';
import type { CommandDef, InputDef } from '../inputs/types.js';
import { editDistance } from '../core/text/edit-distance.js';

const onCliInput = (input: InputDef): boolean => appliesTo(input, 'cli');

export interface ParsedArgs {
  /** Raw text per input name, as the shared input parser expects it (lists newline-joined). */
  values: Map<string, string>;
  help: boolean;
}

/**
 * Flags come from the command's input definitions: `--<name> value`, `--<name>=value`,
 * bare `--<flag>` / `--no-<flag>` for booleans, and list inputs take every following
 * word up to the next flag (`--metrics a.json b.json`, what a shell glob expands to).
 */
export function parseCliArgs(def: CommandDef, argv: readonly string[]): ParsedArgs {
  const inputs = new Map(def.inputs.filter(onCliInput).map((input) => [input.name, input]));
  const lists = new Map<string, string[]>();
  const values = new Map<string, string>();
  let help = false;

  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--help' || word === '-h') {
      help = true;
      continue;
    }
    if (!word.startsWith('--')) {
      throw new UsageError(`unexpected argument \`${word}\``, {
        hint: `flags of \`sluice ${def.name}\` start with --; see \`sluice ${def.name} --help\``,
      });
    }
    const eq = word.indexOf('=');
    let name = word.slice(2, eq < 0 ? undefined : eq);
    let inline = eq < 0 ? undefined : word.slice(eq + 1);
    let input = inputs.get(name);
    if (
      !input &&
      name.startsWith('no-') &&
      inputs.get(name.slice(3))?.type === 'boolean' &&
      inline === undefined
    ) {
      name = name.slice(3);
      input = inputs.get(name);
      inline = 'false';
    }
    if (!input) throw unknownFlag(def, name);

    if (input.type === 'boolean') {
      const next = argv[i + 1];
      if (inline === undefined && next !== undefined && /^(true|false|yes|no|1|0)$/i.test(next)) {
        inline = next;
        i++;
      }
      values.set(name, inline ?? 'true');
    } else if (input.type === 'list') {
      const items = lists.get(name) ?? [];
      if (inline !== undefined) items.push(inline);
      else {
        while (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) items.push(argv[++i]!);
        if (items.length === 0) throw missingValue(def, input);
      }
      lists.set(name, items);
    } else {
      if (inline === undefined) {
        const next = argv[i + 1];
        if (next === undefined || next.startsWith('--')) throw missingValue(def, input);
        inline = next;
        i++;
      }
      if (values.has(name)) {
        throw new UsageError(`--${name} was given twice`, { hint: `give --${name} once` });
      }
      values.set(name, inline);
    }
  }
  for (const [name, items] of lists) values.set(name, items.join('\n'));
  return { values, help };
}

function missingValue(def: CommandDef, input: InputDef): UsageError {
  return new UsageError(`--${input.name} needs a value`, {
    hint: `see \`sluice ${def.name} --help\``,
  });
}

function unknownFlag(def: CommandDef, name: string): UsageError {
  const known = def.inputs.filter(onCliInput).map((input) => input.name);
  const guess = closest(name, known);
  return new UsageError(`unknown flag --${name} for \`sluice ${def.name}\``, {
    hint: guess ? `did you mean --${guess}?` : `flags: ${known.map((k) => `--${k}`).join(', ')}`,
  });
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}
