import type { CommandDef, InputDef } from '../inputs/types.js';
import { appliesTo, envVarName } from '../inputs/parse.js';

export function commandHelp(def: CommandDef): string {
  const inputs = def.inputs.filter((input) => appliesTo(input, 'cli'));
  const width = Math.max(...inputs.map((input) => flagText(input).length));
  const lines = [
    `sluice ${def.name}: ${def.summary}`,
    '',
    `Usage: sluice ${def.name} ${inputs
      .filter((input) => input.required)
      .map(flagText)
      .join(' ')} [flags]`,
    '',
    'Flags (each also read from the environment variable shown):',
    ...flagSyntax(inputs),
  ];
  for (const input of inputs) {
    const extra = [
      input.required ? 'required' : undefined,
      input.default !== undefined && input.default !== ''
        ? `default: ${String(input.default)}`
        : undefined,
      input.options ? `one of: ${input.options.join(', ')}` : undefined,
      envVarName(input.name),
    ].filter(Boolean);
    lines.push(
      `  ${flagText(input).padEnd(width)}  ${firstSentence(cliDescription(input))} (${extra.join('; ')})`,
    );
  }
  // Only a command with a verdict to fail on (it has fail-on-verdict) ever exits 1.
  const hasVerdict = def.inputs.some((input) => input.name === 'fail-on-verdict');
  lines.push(
    '',
    hasVerdict
      ? 'Exit codes: 0 pass, 1 verdict failed, 2 usage or bad input, 3 infrastructure (network, server).'
      : 'Exit codes: 0 done, 2 usage or bad input, 3 infrastructure (network, server).',
  );
  return `${lines.join('\n')}\n`;
}

/** How the CLI takes several values and booleans (src/app/cli-args.ts), said once above the flags. */
function flagSyntax(inputs: readonly InputDef[]): string[] {
  const list = inputs.find((input) => input.type === 'list');
  const flag = inputs.find((input) => input.type === 'boolean');
  return [
    list
      ? `  A flag with <…>... takes several values: the words after it (--${list.name} a b, as a shell glob expands), the flag repeated, or commas; its variable: one per line or comma-separated.`
      : undefined,
    flag
      ? `  --[no-]<flag> is a switch: --${flag.name} (or --${flag.name} true) turns it on, --no-${flag.name} (or --${flag.name} false) off.`
      : undefined,
  ].filter((line): line is string => line !== undefined);
}

/** The input's description as the CLI takes it: lists are words after the flag, not lines. */
function cliDescription(input: InputDef): string {
  return input.type === 'list'
    ? input.description.replace(/,? one per line or comma-separated/, '')
    : input.description;
}

export function mainHelp(commands: readonly CommandDef[], version: string): string {
  const width = Math.max(...commands.map((def) => def.name.length));
  return [
    `sluice ${version}: CI/CD steps for machine-learning models`,
    '',
    'Usage: sluice <command> [flags]     sluice <command> --help',
    '',
    'Commands:',
    ...commands.map((def) => `  ${def.name.padEnd(width)}  ${def.summary}`),
    '',
    'Exit codes: 0 pass, 1 verdict failed, 2 usage or bad input, 3 infrastructure (network, server).',
    '',
  ].join('\n');
}

function flagText(input: InputDef): string {
  if (input.type === 'boolean') return `--[no-]${input.name}`;
  return `--${input.name} <${input.type === 'list' ? `${input.name}>...` : input.type === 'number' ? 'n>' : 'value>'}`;
}

function firstSentence(text: string): string {
  // A sentence ends at a full stop that is not part of an abbreviation (e.g., i.e.).
  const end = text.search(/(?<!\be\.g|\bi\.e)\.(\s|$)/);
  return end < 0 ? text : text.slice(0, end + 1);
}
