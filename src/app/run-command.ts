import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FolderStore } from '../clients/duckdb/load-module.js';
import type { CommandDeps, CommandImpl, Inputs } from '../core/commands/types.js';
import { ExitCode, SluiceError, exitCodeOf } from '../core/errors.js';
import type { Report } from '../core/report/model.js';
import { renderReport, renderReportChunks } from '../core/report/render/index.js';
import { parseInputs } from '../inputs/parse.js';
import type { ReportFormat } from '../inputs/shared.js';
import type { CommandDef } from '../inputs/types.js';
import type { Platform } from '../platforms/types.js';
import { lazyExec, lazyGitReader } from './lazy-clients.js';
import { parseOutputTargets } from './output-targets.js';

export interface RunOptions {
  def: CommandDef;
  impl: CommandImpl;
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
export async function runCommand(options: RunOptions): Promise<number> {
  const { platform } = options;
  const logger = platform.logger;
  try {
    const inputs = parseInputs(
      options.def,
      options.readInput,
      platform.name === 'github' ? 'action' : platform.name === 'gitlab' ? 'gitlab' : 'cli',
    );
    for (const input of options.def.inputs) {
      const value = inputs[input.name];
      if (input.secret && typeof value === 'string' && value) platform.masker.add(value);
    }
    const run = platform.runContext();
    const deps: CommandDeps = {
      logger,
      clock: { now: () => new Date() },
      exec: lazyExec,
      git: lazyGitReader(run.cwd),
      run,
      ...(platform.ciRegistry ? { ciRegistry: platform.ciRegistry } : {}),
      sql: async () =>
        (await import('../clients/duckdb/engine.js')).createDuckDbEngine({
          persist: options.duckDbStore,
          logger,
        }),
    };
    const result = await options.impl(inputs, deps);
    if (result.stdout !== undefined) options.stdout(result.stdout);
    const report = result.report;
    if (!report) {
      await platform.setOutputs(result.outputs ?? {});
      return ExitCode.Pass;
    }
    if (run.runUrl && !report.fullReportUrl) report.fullReportUrl = run.runUrl;
    await publishReport(report, inputs, options, run.cwd);
    await platform.setOutputs({ ...report.outputs, ...result.outputs });
    // The comment goes last and on its own: a forge that refuses it must not cost the job its
    // outputs, report files or verdict, only add its own failure when the verdict passed.
    const commentExit =
      inputs.comment === true ? await postComment(report, inputs, platform) : ExitCode.Pass;
    const failOnVerdict = inputs['fail-on-verdict'] !== false;
    if (report.verdict === 'fail') {
      if (failOnVerdict) return ExitCode.Verdict;
      logger.warn(`${report.title}: verdict is fail, but fail-on-verdict is false`);
    }
    return commentExit;
  } catch (error) {
    return reportFailure(error, platform);
  }
}

async function publishReport(
  report: Report,
  inputs: Inputs,
  options: RunOptions,
  cwd: string,
): Promise<void> {
  const { platform } = options;
  const format = (inputs.format as ReportFormat | undefined) ?? 'terminal';
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
    ? parseOutputTargets(inputs[targetsInput.name] as string[] | undefined, targetsInput.name)
    : [];
  if (!targets.some((target) => target.format === 'json') && options.defaultJsonReport) {
    targets.push({ format: 'json', path: options.defaultJsonReport });
  }
  for (const target of targets) {
    const file = path.resolve(cwd, target.path);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, renderReportChunks(report, target.format, {}), 'utf8');
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
async function postComment(report: Report, inputs: Inputs, platform: Platform): Promise<number> {
  try {
    const { postReportComment } = await import('./post-comment.js');
    await postReportComment({
      platform,
      reports: [report],
      commentKey: (inputs['comment-key'] as string | undefined) ?? 'sluice',
      token: inputs.token as string | undefined,
      pullRequest: inputs['pull-request'] as number | undefined,
    });
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

export function reportFailure(error: unknown, platform: Platform): number {
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
