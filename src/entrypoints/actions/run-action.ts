import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { IMPLEMENTATIONS } from '../../app/commands.js';
import { envFallback, runCommand } from '../../app/run-command.js';
import { commandByName } from '../../inputs/index.js';
import { actionsCacheStore } from '../../platforms/github/actions-cache.js';
import { githubPlatform } from '../../platforms/github/platform.js';

/** `INPUT_<NAME>` as the runner sets it: upper case, spaces to `_`, hyphens kept. */
function actionInput(name: string): string | undefined {
  return process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`];
}

/** Every action's main: the same runner as the CLI, with GitHub's inputs and outputs. */
export async function runAction(name: string): Promise<void> {
  const def = commandByName(name);
  const load = IMPLEMENTATIONS[name];
  if (!def || !load) throw new Error(`no command ${name}`);
  const platform = githubPlatform(process.env, process.cwd(), (line) =>
    process.stdout.write(`${line}\n`),
  );
  const temp = process.env.RUNNER_TEMP || os.tmpdir();
  process.exitCode = await runCommand({
    def,
    impl: await load(platform),
    platform,
    readInput: (input) => actionInput(input) || envFallback(def, input, process.env),
    stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    color: false,
    duckDbStore: actionsCacheStore(process.env),
    defaultJsonReport: path.join(
      temp,
      'sluice',
      `${name}-${process.env.GITHUB_RUN_ATTEMPT ?? '1'}-${process.pid}.json`,
    ),
  });
}
