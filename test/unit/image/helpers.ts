import { nodeExec } from '../../../src/clients/exec/node-exec.js';
import type { CommandDeps } from '../../../src/core/commands/types.js';
import type { Exec, GitReader, Logger } from '../../../src/core/ports.js';

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  group: (_title, run) => run(),
};

/** What an image command needs on this machine: a quiet logger, real processes, a work folder. */
export function localDeps(cwd: string, exec: Exec = nodeExec): CommandDeps {
  return {
    logger: silentLogger,
    clock: { now: () => new Date() },
    exec,
    git: {} as GitReader,
    run: { platform: 'local', cwd },
  } as CommandDeps;
}
