import { parseCliArgs } from '../app/cli-args.js';
import { commandHelp, mainHelp } from '../app/cli-help.js';
import { useColor } from '../app/color.js';
import { IMPLEMENTATIONS } from '../app/commands.js';
import { detectPlatform } from '../app/detect-platform.js';
import { envFallback, runCommand } from '../app/run-command.js';
import { ExitCode, UsageError, describeError } from '../core/errors.js';
import { CLI_COMMANDS, cliCommandByName } from '../inputs/index.js';
import { envVarName } from '../inputs/parse.js';
import pkg from '../../package.json' with { type: 'json' };

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainHelp(CLI_COMMANDS, pkg.version));
    return name ? ExitCode.Pass : ExitCode.Usage;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${pkg.version}\n`);
    return ExitCode.Pass;
  }
  const def = cliCommandByName(name);
  const load = IMPLEMENTATIONS[name];
  if (!def || !load) {
    throw new UsageError(`unknown command \`${name}\``, {
      hint: `commands: ${CLI_COMMANDS.map((c) => c.name).join(', ')}`,
    });
  }
  const args = parseCliArgs(def, subcommandAsInput(def.inputs, rest));
  if (args.help) {
    process.stdout.write(commandHelp(def));
    return ExitCode.Pass;
  }
  const color = useColor(process.stderr, process.env);
  const platform = detectPlatform(
    process.env,
    process.cwd(),
    (line) => process.stderr.write(`${line}\n`),
    color,
  );
  return runCommand({
    def,
    impl: await load(),
    platform,
    readInput: (input) =>
      args.values.get(input) ??
      process.env[envVarName(input)] ??
      envFallback(def, input, process.env),
    stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    color: useColor(process.stdout, process.env),
  });
}

/**
 * `sluice rollout abort`: a first word naming a value of the command's `action` input is that
 * input (`--action abort`).
 */
function subcommandAsInput(
  inputs: readonly { name: string; options?: readonly string[] }[],
  rest: string[],
): string[] {
  const action = inputs.find((input) => input.name === 'action');
  const [first, ...others] = rest;
  if (action?.options && first !== undefined && action.options.includes(first)) {
    return ['--action', first, ...others];
  }
  return rest;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${describeError(error)}\n`);
      process.exitCode = error.exitCode;
    } else {
      process.stderr.write(
        `internal error (a bug in sluice; please report it): ${String(error)}\n`,
      );
      process.exitCode = 70;
    }
  },
);
