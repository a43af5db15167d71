import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import type { FolderStore } from '../clients/duckdb/load-module.js';
import type { CommandDeps, CommandImpl, Inputs } from '../core/commands/types.js';
import { ExitCode, SluiceError, exitCodeOf } from '../core/errors.js';
import { writeUserOutput } from '../core/files/user-file.js';
import { realSleep } from '../core/async/sleep.js';
import type { Report } from '../core/report/model.js';
import { renderReport, renderReportChunks } from '../core/report/render/index.js';
import { parseInputs } from '../inputs/parse.js';
import type { ForgeInputs, ReportInputs } from '../inputs/shared.js';
import type { CommandDef, InputValue, InputsOf } from '../inputs/types.js';
import type { Platform } from '../platforms/types.js';
import {
  createLazyExec,
  lazyDockerEngine,
  lazyGitReader,
  lazyModelRegistry,
  lazyRegistryPort,
} from './lazy-clients.js';
import { parseOutputTargets } from './output-targets.js';
import { kubernetesEnvironment } from '../platforms/kubernetes-env.js';

export interface RunOptions<D extends CommandDef = CommandDef> {
  def: D;
  /** The command's implementation, typed by `def`'s inputs. */
  impl: CommandImpl<InputsOf<D>>;
  platform: Platform;
  /** Raw input text by input name (flags, env or INPUT_* variables). */
  readInput: (name: string) => string | undefined;
  stdout: (text: string) => void;
  /** The terminal renderer may colour its output. */
  color: boolean;
  /** Where the JSON report goes when the user named no `json=` output (actions: RUNNER_TEMP). */
  defaultJsonReport?: string;
  /** Keeps DuckDB's install between CI runs (GitHub: the actions cache); none elsewhere. */
  duckDbStore?: FolderStore;
}

/**
 * The one sequence every command follows on every platform: parse inputs, run the core,
 * render the report to every surface asked for, comment, and turn the verdict into an exit code.
 * Returns the exit code instead of exiting, so callers' cleanup still runs.
 */
export async function runCommand<D extends CommandDef>(options: RunOptions<D>): Promise<number> {
  const { platform } = options;
  const logger = platform.logger;
  let stopListening: (() => void) | undefined;
  try {
    const parsed = parseInputs(
      options.def,
      options.readInput,
      platform.name === 'github' ? 'action' : platform.name === 'gitlab' ? 'gitlab' : 'cli',
    );
    // What every command shares (report and forge inputs), read the same way whatever `def` is.
    const inputs: SharedInputs = parsed;
    for (const input of options.def.inputs) {
      const value = inputs[input.name];
      if (input.secret && typeof value === 'string' && value) platform.masker.add(value);
    }
    const run = platform.runContext();
    const exec = createLazyExec(platform.masker);
    const signal = options.def.abortOnSignal ? cancelOnSignals() : undefined;
    if (signal) stopListening = signal.dispose;
    const deps: CommandDeps = {
      logger,
      clock: { now: () => new Date() },
      exec,
      git: lazyGitReader(run.cwd, platform.masker),
      run,
      folders: { home: homedir(), temp: tmpdir() },
      def: options.def,
      registry: lazyRegistryPort(exec, platform.masker),
      docker: lazyDockerEngine(exec),
      ...(platform.ciRegistry ? { ciRegistry: platform.ciRegistry } : {}),
      masker: platform.masker,
      // MLflow reads its own variables (MLFLOW_TRACKING_URI, …) whatever the platform.
      modelRegistry: lazyModelRegistry(process.env, platform.masker),
      forge: (request) => platform.createForge(request),
      ...(platform.createDeployments
        ? { deployments: platform.createDeployments.bind(platform) }
        : {}),
      summary: {
        write: (markdown) => platform.writeSummary(markdown),
        limitBytes: platform.summaryLimit,
      },
      state: platform.state,
      sleep: realSleep,
      ...(signal ? { signal: signal.signal } : {}),
      // Routers and metrics providers load only when a rollout opens one.
      routers: async (config) =>
        (await import('../clients/routers/index.js')).createTrafficRouter(config, {
          exec,
          logger,
          kubernetes: kubernetesEnvironment(),
          masker: platform.masker,
          ...(signal ? { signal: signal.signal } : {}),
        }),
      deployHosts: async (config) =>
        new (await import('../clients/docker/compose-host.js')).ComposeHost(config, {
          exec,
          logger,
          sleep: realSleep,
        }),
      metrics: async (config) =>
        (await import('../clients/metrics/index.js')).createMetricsProvider(config, {
          clock: { now: () => new Date() },
          sleep: realSleep,
          logger,
          masker: platform.masker,
        }),
      sql: async () =>
        (await import('../clients/duckdb/engine.js')).createDuckDbEngine({
          persist: options.duckDbStore,
          logger,
        }),
    };
    const result = await options.impl(parsed, deps);
    if (result.stdout !== undefined) options.stdout(result.stdout);
    const report = result.report;
    if (!report) {
      await platform.setOutputs(result.outputs ?? {});
      return result.error ? reportFailure(result.error, platform) : ExitCode.Pass;
    }
    if (run.runUrl && !report.fullReportUrl) report.fullReportUrl = run.runUrl;
    await publishReport(report, inputs, options, run.cwd);
    await platform.setOutputs({ ...report.outputs, ...result.outputs });
    // The comment goes last and on its own: a forge that refuses it must not cost the job its
    // outputs, report files or verdict, only add its own failure when the verdict passed.
    const commentExit =
      inputs.comment === true ? await postComment(report, inputs, deps, platform) : ExitCode.Pass;
    // A failure the command met after doing its work (a rollout put back on stable) wins.
    if (result.error) return reportFailure(result.error, platform);
    const failOnVerdict = inputs['fail-on-verdict'] !== false;
    if (report.verdict === 'fail') {
      if (failOnVerdict) return ExitCode.Verdict;
      logger.warn(`${report.title}: verdict is fail, but fail-on-verdict is false`);
    }
    return commentExit;
  } catch (error) {
    return reportFailure(error, platform);
  } finally {
    stopListening?.();
  }
}

/**
 * SIGTERM and SIGINT abort a signal instead of ending the process, so the command can undo what
 * it started; a second one of them ends the process as usual.
 */
function cancelOnSignals(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const names = ['SIGTERM', 'SIGINT'] as const;
  const handlers = names.map((name) => {
    const handler = () => {
      if (controller.signal.aborted) process.exit(name === 'SIGINT' ? 130 : 143);
      controller.abort(new Error(name));
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
  return {
    signal: controller.signal,
    dispose: () => handlers.forEach(([name, handler]) => process.off(name, handler)),
  };
}

async function publishReport<D extends CommandDef>(
  report: Report,
  inputs: SharedInputs,
  options: RunOptions<D>,
  cwd: string,
): Promise<void> {
  const { platform } = options;
  // Every reporting command has a `format` input (defaulted); one without prints the table.
  const format = inputs.format ?? 'terminal';
  // In pieces: JSON of a million metrics is longer than one string can be.
  for (const chunk of renderReportChunks(
    report,
    format,
    format === 'terminal'
      ? {
          color: options.color,
          ...(platform.terminalWidth !== undefined ? { width: platform.terminalWidth } : {}),
        }
      : {},
  ))
    options.stdout(chunk);

  const targetsInput = options.def.inputs.find((input) => input.role === 'report-targets');
  const targets = targetsInput
    ? parseOutputTargets(listValue(inputs[targetsInput.name]), targetsInput.name)
    : [];
  if (!targets.some((target) => target.format === 'json') && options.defaultJsonReport) {
    targets.push({ format: 'json', path: options.defaultJsonReport });
  }
  for (const target of targets) {
    const file = path.resolve(cwd, target.path);
    await writeUserOutput(file, renderReportChunks(report, target.format, {}), {
      file: target.path,
      what: `${target.format} report`,
      ...(targetsInput ? { key: targetsInput.name } : {}),
    });
    if (target.format === 'json') report.outputs.report = file;
  }

  // Platforms without a job summary (local, GitLab) have no limit either: rendering a Markdown
  // report of a million metrics for them would only cost memory.
  if (platform.summaryLimit !== undefined)
    await platform.writeSummary(
      renderReport(report, 'markdown', { maxLength: platform.summaryLimit, lengthUnit: 'utf8' }),
    );
}

/** Posts the sticky comment; a failure is logged (message and hint) and becomes its exit code. */
async function postComment(
  report: Report,
  inputs: SharedInputs,
  deps: CommandDeps,
  platform: Platform,
): Promise<number> {
  try {
    const { postReportComment } = await import('../core/comment/post-report.js');
    await postReportComment(
      {
        reports: [report],
        // `comment` is true only for a command with the report inputs, which default the key.
        commentKey: inputs['comment-key'] ?? missingInput('comment-key'),
        token: inputs.token,
        pullRequest: inputs['pull-request'],
      },
      deps,
    );
    return ExitCode.Pass;
  } catch (error) {
    return reportFailure(error, platform);
  }
}

/** An input's well-known variable (`SOURCE_DATE_EPOCH`, `DOCKER_CONFIG`) when the user gave none. */
export function envFallback(
  def: CommandDef,
  name: string,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const variable = def.inputs.find((input) => input.name === name)?.envFallback;
  return variable ? env[variable] || undefined : undefined;
}

/**
 * The inputs runCommand itself reads: those of the report and forge inputs a command has
 * (absent, they read as undefined), beside whatever else the command defines.
 */
type SharedInputs = Inputs & Partial<ReportInputs & ForgeInputs>;

function listValue(value: InputValue): string[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

/** An input the definitions always give a value (by default) was missing: a bug in sluice. */
function missingInput(name: string): never {
  throw new Error(`input \`${name}\` has no value, though its definition gives a default`);
}

function reportFailure(error: unknown, platform: Platform): number {
  const logger = platform.logger;
  if (error instanceof SluiceError) {
    // The logger puts the place in front (or in the annotation), so the message goes without it.
    const text = error.hint ? `${error.message}\n  hint: ${error.hint}` : error.message;
    logger.error(platform.masker.mask(text), error.place);
    return error.exitCode;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  logger.error(
    platform.masker.mask(`internal error (a bug in sluice; please report it):\n${detail}`),
  );
  return exitCodeOf(error);
}
