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
      `  ${flagText(input).padEnd(width)}  ${firstSentence(input.description)} (${extra.join('; ')})`,
    );
  }
  lines.push(
    '',
    'Exit codes: 0 pass, 1 verdict failed, 2 usage or bad input, 3 infrastructure (network, server).',
  );
  return `${lines.join('\n')}\n`;
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
  if (input.type === 'boolean') return `--${input.name}`;
  return `--${input.name} <${input.type === 'list' ? `${input.name}>...` : input.type === 'number' ? 'n>' : 'value>'}`;
}

function firstSentence(text: string): string {
  // A sentence ends at a full stop that is not part of an abbreviation (e.g., i.e.).
  const end = text.search(/(?<!\be\.g|\bi\.e)\.(\s|$)/);
  return end < 0 ? text : text.slice(0, end + 1);
}
