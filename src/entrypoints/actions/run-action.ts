import os from 'node:os';
import path from 'node:path';
import type { FolderStore } from '../../clients/duckdb/load-module.js';
import { envFallback, runCommand } from '../../app/run-command.js';
import type { CommandImpl } from '../../core/commands/types.js';
import type { CommandDef, InputsOf } from '../../inputs/types.js';
import { githubPlatform } from '../../platforms/github/platform.js';
import type { Env } from '../../platforms/types.js';

/** `INPUT_<NAME>` as the runner sets it: upper case, spaces to `_`, hyphens kept. */
function actionInput(name: string): string | undefined {
  return process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`];
}

export interface ActionOptions {
  /** Keeps DuckDB's install between runs: only the commands that run DuckDB pass one. */
  duckDbStore?: (env: Env) => FolderStore | undefined;
}

/**
 * Every action's main: the same runner as the CLI, with GitHub's inputs and outputs.
 *
 * Each action's entry imports its own command (its definition and implementation) statically
 * and nothing else: an action always runs that command, so loading it later only adds a round
 * of module loading to the cold start, and a map of every command would make every other
 * command's code (and their clients) a chunk this action can load.
 */
export async function runAction<D extends CommandDef>(
  def: D,
  impl: CommandImpl<InputsOf<D>>,
  options: ActionOptions = {},
): Promise<void> {
  const platform = githubPlatform(process.env, process.cwd(), (line) =>
    process.stdout.write(`${line}\n`),
  );
  const temp = process.env.RUNNER_TEMP || os.tmpdir();
  const duckDbStore = options.duckDbStore?.(process.env);
  process.exitCode = await runCommand({
    def,
    impl,
    platform,
    readInput: (input) => actionInput(input) || envFallback(def, input, process.env),
    stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    color: false,
    ...(duckDbStore ? { duckDbStore } : {}),
    defaultJsonReport: path.join(
      temp,
      'sluice',
      `${def.name}-${process.env.GITHUB_RUN_ATTEMPT ?? '1'}-${process.pid}.json`,
    ),
  });
}
