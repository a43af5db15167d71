import { homedir, tmpdir } from 'node:os';
import { lazyDockerEngine, lazyRegistryPort } from '../../../src/app/lazy-clients.js';
import { nodeExec } from '../../../src/clients/exec/node-exec.js';
import { expect } from 'vitest';
import {
  buildImageCommand,
  type BuildImageInputs,
} from '../../../src/core/commands/build-image.js';
import { pushImageCommand, type PushImageInputs } from '../../../src/core/commands/push-image.js';
import type { CommandDeps, CommandResult } from '../../../src/core/commands/types.js';
import { UsageError } from '../../../src/core/errors.js';
import type { Exec, GitReader, Logger } from '../../../src/core/ports.js';
import { buildImage } from '../../../src/inputs/build-image.js';
import { inputsWithDefaults } from '../../../src/inputs/parse.js';
import { pushImage } from '../../../src/inputs/push-image.js';

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  group: (_title, run) => run(),
};

/**
 * What an image command needs on this machine: a quiet logger, real processes, a work folder,
 * and the registry and Docker engine ports the app assembles (over `exec`).
 */
export function localDeps(cwd: string, exec: Exec = nodeExec): CommandDeps {
  return {
    logger: silentLogger,
    clock: { now: () => new Date() },
    exec,
    git: {} as GitReader,
    run: { platform: 'local', cwd },
    folders: { home: homedir(), temp: tmpdir() },
    registry: lazyRegistryPort(exec),
    docker: lazyDockerEngine(exec),
    def: buildImage,
  } as CommandDeps;
}

/** The UsageError a command's promise rejects with (the test fails if it resolves or throws another). */
export async function usageError(promise: Promise<unknown>): Promise<UsageError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UsageError);
  return error as UsageError;
}

/** Inputs of a daemonless build from `scratch` of the folder `model`, reproducible and unpushed. */
export function daemonlessBuildInputs(extra: Partial<BuildImageInputs>): Partial<BuildImageInputs> {
  return {
    base: 'scratch',
    model: 'model',
    push: false,
    platform: 'linux/amd64',
    'compression-level': 1,
    parallel: 2,
    'chunk-size': 16,
    'cache-dir': 'none',
    'source-date-epoch': 1_700_000_000,
    ...extra,
  };
}

/**
 * build-image run with values rather than text: what is not given takes its definition's
 * default, as the parser fills it in, and a misspelt input name does not compile.
 */
export function runBuildImage(
  given: Partial<BuildImageInputs>,
  deps: CommandDeps,
): Promise<CommandResult> {
  return buildImageCommand(inputsWithDefaults(buildImage, given), deps);
}

/** push-image run with values, its defaults filled in (see runBuildImage). */
export function runPushImage(
  given: Partial<PushImageInputs>,
  deps: CommandDeps,
): Promise<CommandResult> {
  return pushImageCommand(inputsWithDefaults(pushImage, given), deps);
}
