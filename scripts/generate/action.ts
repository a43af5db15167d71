import { appliesTo } from '../../src/inputs/parse.js';
import type { CommandDef } from '../../src/inputs/types.js';
import { actionDefaultText } from './defaults.js';
import { GENERATED_NOTE, yamlDocument } from './yaml.js';

export interface ActionOptions {
  /** Path from the action.yml to the repository root: `../..` for actions/<name>, `.` for the root. */
  root: string;
}

interface ActionInput {
  description: string;
  required: boolean;
  default?: string;
}

/** The action.yml of one command; inputs that do not exist on the action platform are left out. */
export function renderAction(def: CommandDef, options: ActionOptions): string {
  const inputs: Record<string, ActionInput> = {};
  for (const input of def.inputs) {
    if (!appliesTo(input, 'action')) continue;
    const entry: ActionInput = {
      description: input.description,
      required: input.required === true,
    };
    const fallback = actionDefaultText(input);
    if (fallback !== undefined) entry.default = fallback;
    inputs[input.name] = entry;
  }
  const outputs = Object.fromEntries(
    def.outputs.map((output) => [output.name, { description: output.description }]),
  );
  const dist = `${options.root === '.' ? '' : `${options.root}/`}dist/${def.name}`;
  const runs: Record<string, string> = { using: 'node24', main: `${dist}/index.js` };
  if (def.post) runs.post = `${dist}/post.js`;
  return yamlDocument(
    {
      name: `sluice ${def.name}`,
      description: def.summary,
      author: 'sluice',
      branding: { icon: 'check-circle', color: 'blue' },
      inputs,
      outputs,
      runs,
    },
    GENERATED_NOTE,
  );
}
