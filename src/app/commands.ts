import type { CommandImpl } from '../core/commands/types.js';

/**
 * Each command's implementation, loaded only when that command runs, so a bundle
 * never pays at start-up for the modules of commands it does not run.
 */
export const IMPLEMENTATIONS: Record<string, () => Promise<CommandImpl>> = {
  'quality-gate': async () => (await import('../core/commands/quality-gate.js')).runQualityGate,
  comment: async () => (await import('../core/commands/comment.js')).commentCommand,
  'validate-data': async () =>
    (await import('../core/commands/validate-data.js')).validateDataCommand,
  'infer-schema': async () => (await import('../core/commands/infer-schema.js')).inferSchemaCommand,
  'build-image': async () => (await import('../core/commands/build-image.js')).buildImageCommand,
  'push-image': async () => (await import('../core/commands/push-image.js')).pushImageCommand,
};
