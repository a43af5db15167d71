import type { CommandDef, InputDef } from '../../src/inputs/types.js';
import { envVarName } from '../../src/inputs/parse.js';
import { defaultText } from './defaults.js';

export const startMarker = (name: string): string => `<!-- inputs:${name}:start -->`;
export const endMarker = (name: string): string => `<!-- inputs:${name}:end -->`;

/** Text safe inside a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

function code(text: string): string {
  return text === '' ? '`""`' : `\`${text.replace(/`/g, "'")}\``;
}

function typeOf(input: InputDef): string {
  if (input.type === 'choice') return `one of ${(input.options ?? []).map(code).join(', ')}`;
  if (input.type === 'list' && input.options)
    return `list of ${input.options.map(code).join(', ')}`;
  return input.type;
}

function defaultOf(input: InputDef): string {
  const plain = defaultText(input.default);
  const parts: string[] = [];
  if (plain !== undefined) parts.push(plain.split('\n').map(code).join('<br>'));
  if (input.actionDefault !== undefined) parts.push(`action: ${code(input.actionDefault)}`);
  return parts.join('<br>');
}

function secretNote(input: InputDef): string {
  return ` Secret: masked in logs. The GitLab component takes the name of a masked CI/CD variable holding it instead: \`${input.name}-variable\` (default \`${envVarName(`gitlab-${input.name}`)}\`).`;
}

function platformsOf(input: InputDef): string {
  return input.platforms ? ` (only: ${input.platforms.join(', ')})` : '';
}

/** The tables of inputs and outputs of one command, as they sit between its README markers. */
export function renderInputTables(def: CommandDef): string {
  const lines = [
    '| Input | Type | Required | Default | Description |',
    '| --- | --- | --- | --- | --- |',
    ...def.inputs.map(
      (input) =>
        `| \`${input.name}\` | ${cell(typeOf(input))} | ${input.required ? 'yes' : 'no'} | ${cell(defaultOf(input))} | ${cell(input.description + platformsOf(input) + (input.secret ? secretNote(input) : ''))} |`,
    ),
    '',
    'CLI: `--<input> <value>` or the environment variable `SLUICE_<INPUT>` (upper snake case); flags win.',
  ];
  if (def.outputs.length > 0) {
    lines.push(
      '',
      '| Output | Description |',
      '| --- | --- |',
      ...def.outputs.map((output) => `| \`${output.name}\` | ${cell(output.description)} |`),
    );
  }
  return lines.join('\n');
}

/**
 * Replaces the text between each command's markers; text outside the markers is never touched.
 * Commands without markers are returned in `missing` so the caller can say so.
 */
export function updateReadme(
  readme: string,
  commands: readonly CommandDef[],
): { text: string; missing: string[] } {
  let text = readme;
  const missing: string[] = [];
  for (const def of commands) {
    const start = text.indexOf(startMarker(def.name));
    const end = text.indexOf(endMarker(def.name));
    if (start === -1 || end === -1 || end < start) {
      missing.push(def.name);
      continue;
    }
    const before = text.slice(0, start + startMarker(def.name).length);
    text = `${before}\n${renderInputTables(def)}\n${text.slice(end)}`;
  }
  return { text, missing };
}
