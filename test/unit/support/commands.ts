/**
 * The converted commands run with values rather than text: what is not given takes its
 * definition's default, as the parser would fill it in (`inputsWithDefaults`), and a misspelt
 * input name does not compile.
 */
import {
  inferSchemaCommand,
  type InferSchemaInputs,
} from '../../../src/core/commands/infer-schema.js';
import { runQualityGate, type QualityGateInputs } from '../../../src/core/commands/quality-gate.js';
import type { CommandDeps, CommandResult } from '../../../src/core/commands/types.js';
import {
  validateDataCommand,
  type ValidateDataInputs,
} from '../../../src/core/commands/validate-data.js';
import { commentCommand, type CommentInputs } from '../../../src/core/commands/comment.js';
import { comment } from '../../../src/inputs/comment.js';
import { inferSchema } from '../../../src/inputs/infer-schema.js';
import { inputsWithDefaults } from '../../../src/inputs/parse.js';
import { qualityGate } from '../../../src/inputs/quality-gate.js';
import { validateData } from '../../../src/inputs/validate-data.js';

export function runValidateData(
  given: Partial<ValidateDataInputs>,
  deps: CommandDeps,
): Promise<CommandResult> {
  return validateDataCommand(inputsWithDefaults(validateData, given), deps);
}

export function runInferSchema(
  given: Partial<InferSchemaInputs>,
  deps: CommandDeps,
): Promise<CommandResult> {
  return inferSchemaCommand(inputsWithDefaults(inferSchema, given), deps);
}

export function runGate(
  given: Partial<QualityGateInputs>,
  deps: Parameters<typeof runQualityGate>[1],
): Promise<CommandResult> {
  return runQualityGate(inputsWithDefaults(qualityGate, given), deps);
}

export function runComment(
  given: Partial<CommentInputs>,
  deps: CommandDeps,
): Promise<CommandResult> {
  return commentCommand(inputsWithDefaults(comment, given), deps);
}
