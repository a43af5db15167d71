import { buildImage } from './build-image.js';
import { comment } from './comment.js';
import { inferSchema } from './infer-schema.js';
import { qualityGate } from './quality-gate.js';
import type { CommandDef } from './types.js';
import { pushImage } from './push-image.js';
import { rollout } from './rollout.js';
import { router } from './router.js';
import { validateData } from './validate-data.js';

/** Every command, in the order docs list them. The flagship (root action.yml) comes first. */
export const COMMANDS: readonly CommandDef[] = [
  qualityGate,
  comment,
  validateData,
  inferSchema,
  buildImage,
  pushImage,
  rollout,
];
export const FLAGSHIP = qualityGate.name;

/** What the CLI runs: every command, and the CLI-only ones (no action or component generated). */
export const CLI_COMMANDS: readonly CommandDef[] = [...COMMANDS, router];

export function cliCommandByName(name: string): CommandDef | undefined {
  return CLI_COMMANDS.find((command) => command.name === name);
}

export function commandByName(name: string): CommandDef | undefined {
  return COMMANDS.find((command) => command.name === name);
}
