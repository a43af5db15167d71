import type { CommandImpl } from '../core/commands/types.js';
import type { buildImage } from '../inputs/build-image.js';
import type { comment } from '../inputs/comment.js';
import type { inferSchema } from '../inputs/infer-schema.js';
import type { pushImage } from '../inputs/push-image.js';
import type { qualityGate } from '../inputs/quality-gate.js';
import type { rollout } from '../inputs/rollout.js';
import type { router } from '../inputs/router.js';
import type { CommandDef, InputsOf } from '../inputs/types.js';
import type { validateData } from '../inputs/validate-data.js';

/**
 * Each command's implementation, loaded only when that command runs, so a bundle
 * never pays at start-up for the modules of commands it does not run.
 */
export const IMPLEMENTATIONS: Record<string, () => Promise<CommandImpl>> = {
  'quality-gate': async () =>
    byName<typeof qualityGate>((await import('../core/commands/quality-gate.js')).runQualityGate),
  comment: async () =>
    byName<typeof comment>((await import('../core/commands/comment.js')).commentCommand),
  'validate-data': async () =>
    byName<typeof validateData>(
      (await import('../core/commands/validate-data.js')).validateDataCommand,
    ),
  'infer-schema': async () =>
    byName<typeof inferSchema>(
      (await import('../core/commands/infer-schema.js')).inferSchemaCommand,
    ),
  'build-image': async () =>
    byName<typeof buildImage>((await import('../core/commands/build-image.js')).buildImageCommand),
  'push-image': async () =>
    byName<typeof pushImage>((await import('../core/commands/push-image.js')).pushImageCommand),
  rollout: async () =>
    byName<typeof rollout>((await import('../core/commands/rollout.js')).rolloutCommand),
  router: async () => byName<typeof router>((await import('./router-serve.js')).routerServeCommand),
};

/**
 * An implementation typed by its definition `D`, kept by name beside the others. The CLI runs it
 * with the definition `commandByName` gives for the same name, which is `D`: the type argument
 * checks the implementation against it, then the loose type lets the map hold every command.
 */
function byName<D extends CommandDef>(impl: CommandImpl<InputsOf<D>>): CommandImpl {
  return impl as unknown as CommandImpl;
}
