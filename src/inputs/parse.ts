import { UsageError } from '../core/errors.js';
import type { CommandDef, InputDef, InputsOf, InputValue, Platform } from './types.js';

/**
 * The one parser every platform shares: the action reads `INPUT_*`, the GitLab component and the
 * CLI read `--flags` / `SLUICE_*`, and all of them hand a `read(name)` function to this. Reading
 * stays at the edge; turning strings into typed values (and rejecting bad ones) happens here once.
 */
export type InputReader = (name: string) => string | undefined;

const TRUE_WORDS = ['true', 'yes', '1'];
const FALSE_WORDS = ['false', 'no', '0'];
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** `--metrics` */
function cliFlag(name: string): string {
  return `--${name}`;
}

/** `SLUICE_FAIL_ON_VERDICT` for `fail-on-verdict`. */
export function envVarName(name: string): string {
  return `SLUICE_${name.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()}`;
}

/** Whether an input exists on a platform (inputs without `platforms` exist everywhere). */
export function appliesTo(input: InputDef, platform: Platform): boolean {
  return input.platforms === undefined || input.platforms.includes(platform);
}

/**
 * Every input of the command on this platform, typed by its definition (`InputsOf`): a
 * defaulted input carries its default, a required one is there or this throws.
 */
export function parseInputs<D extends CommandDef>(
  def: D,
  read: InputReader,
  platform: Platform,
): InputsOf<D> {
  const values: Record<string, InputValue> = {};
  for (const input of def.inputs) {
    if (!appliesTo(input, platform)) continue;
    rejectRenamed(input, read, platform);
    values[input.name] = parseInput(input, read(input.name), platform);
  }
  // What the loop built is what InputsOf spells out, input by input.
  return values as InputsOf<D>;
}

/**
 * Inputs given as values rather than text (tests, programmatic callers): each one not given
 * takes its definition's default, as `parseInputs` would; a required one missing throws.
 * Values are taken as they are (not checked against the definition's options or bounds).
 */
export function inputsWithDefaults<D extends CommandDef>(
  def: D,
  given: Partial<InputsOf<D>>,
  platform: Platform = 'cli',
): InputsOf<D> {
  const values: Record<string, InputValue> = {};
  for (const input of def.inputs) {
    if (!appliesTo(input, platform)) continue;
    const value = (given as Record<string, InputValue>)[input.name];
    values[input.name] = value !== undefined ? value : parseInput(input, undefined, platform);
  }
  return values as InputsOf<D>;
}

/** One input from its raw text; `""` and `undefined` both mean "not given". */
export function parseInput(
  input: InputDef,
  raw: string | undefined,
  platform: Platform,
): InputValue {
  const text = raw?.trim();
  if (text === undefined || text === '') {
    if (input.default !== undefined) return copyDefault(input.default);
    if (input.required) {
      throw new UsageError(`input \`${input.name}\` is required`, {
        hint: howToSet(input.name, platform),
      });
    }
    return undefined;
  }
  try {
    switch (input.type) {
      case 'boolean':
        return parseBoolean(input, text);
      case 'number':
        return checkRegex(input, parseNumber(input, text), text);
      case 'choice':
        return checkRegex(input, checkOption(input, text), text);
      case 'list':
        return parseList(text, input.name).map((item) =>
          checkRegex(input, checkOption(input, item), item),
        );
      case 'string':
        return checkRegex(input, text, text);
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    // Every parse error names the input the way this platform sets it.
    throw new UsageError(error.message, {
      place: { key: input.name },
      hint: `${error.hint ? `${error.hint.replace(/[\s.;]+$/, '')}; ` : ''}${whereSet(input, platform)}`,
      cause: error,
    });
  }
}

/** How the user set this input on this platform (the flag, the variables, the `with:` key). */
function whereSet(input: InputDef, platform: Platform): string {
  const fallback = input.envFallback ? ` (or $${input.envFallback})` : '';
  switch (platform) {
    case 'action':
      return `set by \`${input.name}:\` under \`with:\`${fallback}`;
    case 'gitlab':
      return `set by \`${input.name}:\` under \`inputs:\`${fallback}`;
    case 'cli':
      return `set by ${cliFlag(input.name)} or $${envVarName(input.name)}${fallback}`;
  }
}

/**
 * Positions of commas inside a closed `{…}` on their line: a brace glob's alternatives
 * (`data/{a,b}.csv`), which are one item. A `{` never closed on its line protects nothing.
 */
function bracedCommas(text: string): Set<number> {
  const inside = new Set<number>();
  const open: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '\n' || char === '\r') open.length = 0;
    else if (char === '{') open.push(i);
    else if (char === '}' && open.length > 0) {
      const start = open.pop() as number;
      if (open.length === 0) for (let j = start + 1; j < i; j++) if (text[j] === ',') inside.add(j);
    }
  }
  return inside;
}

/**
 * A list in the style of docker/actions-toolkit's getList: items split on newlines and commas,
 * trimmed, empty ones dropped; an item in double quotes may hold commas (`""` is a literal quote),
 * and so may a closed brace group (`data/{a,b}.csv` is one glob).
 */
export function parseList(text: string, name = 'list'): string[] {
  const braced = bracedCommas(text);
  const items: string[] = [];
  let current = '';
  let quoted = false;
  let wasQuoted = false;
  const flush = (): void => {
    const item = wasQuoted ? current : current.trim();
    if (item !== '') items.push(item);
    current = '';
    wasQuoted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        current += '"';
        i++;
      } else if (char === '"') {
        quoted = false;
      } else {
        current += char;
      }
    } else if (char === '"' && current.trim() === '') {
      quoted = true;
      wasQuoted = true;
      current = '';
    } else if ((char === ',' && !braced.has(i)) || char === '\n' || char === '\r') {
      flush();
    } else if (wasQuoted) {
      if (char !== undefined && char.trim() !== '') {
        throw new UsageError(`input \`${name}\`: unexpected text after a quoted item`, {
          hint: 'put a comma or a new line after the closing quote',
        });
      }
    } else {
      current += char;
    }
  }
  if (quoted) {
    throw new UsageError(`input \`${name}\` has an unterminated quote`, {
      hint: 'close the double quote, or write `""` for a literal quote inside a quoted item',
    });
  }
  flush();
  return items;
}

function rejectRenamed(input: InputDef, read: InputReader, platform: Platform): void {
  for (const old of input.renamedFrom ?? []) {
    const value = read(old);
    if (value !== undefined && value.trim() !== '') {
      throw new UsageError(`input \`${old}\` was renamed to \`${input.name}\``, {
        hint: howToSet(input.name, platform),
      });
    }
  }
}

function parseBoolean(input: InputDef, text: string): boolean {
  const word = text.toLowerCase();
  if (TRUE_WORDS.includes(word)) return true;
  if (FALSE_WORDS.includes(word)) return false;
  throw new UsageError(`input \`${input.name}\` must be a boolean, got ${shown(input, text)}`, {
    hint: `use one of: ${[...TRUE_WORDS, ...FALSE_WORDS].join(', ')}`,
  });
}

function parseNumber(input: InputDef, text: string): number {
  const value = Number(text);
  if (!DECIMAL.test(text) || !Number.isFinite(value)) {
    throw new UsageError(`input \`${input.name}\` must be a number, got ${shown(input, text)}`, {
      hint: `write a finite decimal number${rangeText(input) ? ` ${rangeText(input)}` : ''}, e.g. ${example(input)}`,
    });
  }
  if (
    (input.min !== undefined && value < input.min) ||
    (input.max !== undefined && value > input.max)
  ) {
    throw new UsageError(
      `input \`${input.name}\` must be ${rangeText(input)}, got ${shown(input, text)}`,
      { hint: `e.g. ${example(input)}` },
    );
  }
  if (input.integer && !Number.isSafeInteger(value)) {
    throw new UsageError(
      `input \`${input.name}\` must be a whole number, got ${shown(input, text)}`,
      {
        hint: `write a whole number${rangeText(input) ? ` ${rangeText(input)}` : ''}, e.g. ${example(input)}`,
      },
    );
  }
  return Object.is(value, -0) ? 0 : value;
}

/** `from 1 to 9`, `at least 0`, `at most 64`, or '' without bounds. */
function rangeText(input: InputDef): string {
  const { min, max } = input;
  if (min !== undefined && max !== undefined) return `from ${min} to ${max}`;
  if (min !== undefined) return `at least ${min}`;
  if (max !== undefined) return `at most ${max}`;
  return '';
}

function example(input: InputDef): string {
  if (typeof input.default === 'number') return String(input.default);
  if (input.min !== undefined) return String(input.min);
  return input.integer ? '42' : '42 or 0.5';
}

function checkOption(input: InputDef, value: string): string {
  if (input.options === undefined || input.options.includes(value)) return value;
  throw new UsageError(`input \`${input.name}\` does not allow ${shown(input, value)}`, {
    hint: `allowed: ${input.options.join(', ')}`,
  });
}

function checkRegex<T extends string | number>(input: InputDef, value: T, text: string): T {
  if (input.regex === undefined || new RegExp(input.regex).test(text)) return value;
  throw new UsageError(
    `input \`${input.name}\`: ${shown(input, text)} is not a form it takes (${input.regex})`,
    {
      hint: input.description,
    },
  );
}

/** The value as the user wrote it, unless it is a secret. */
function shown(input: InputDef, text: string): string {
  return input.secret ? 'a value that is not shown (secret)' : `\`${text}\``;
}

function copyDefault(value: NonNullable<InputDef['default']>): InputValue {
  return Array.isArray(value) ? [...value] : (value as string | number | boolean);
}

function howToSet(name: string, platform: Platform): string {
  switch (platform) {
    case 'action':
      return `add \`${name}:\` under \`with:\` of this step`;
    case 'gitlab':
      return `set \`${name}:\` under \`inputs:\` where the component is included`;
    case 'cli':
      return `pass \`${cliFlag(name)} <value>\` or set ${envVarName(name)}`;
  }
}
