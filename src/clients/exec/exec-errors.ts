import { InfraError } from '../../core/errors.js';
import type { SecretMasker } from '../../core/ports.js';

/** What every Exec adapter may be given; none of it is required. */
export interface ExecConfig {
  /** Masks secrets in the text of every error (the command line, the program's stderr). */
  masker?: Pick<SecretMasker, 'mask'>;
  /** The most output kept from each of stdout and stderr, in characters; more stops the program. */
  maxBuffer?: number;
  /** After a timeout or a cancel, how long the program gets to exit on SIGTERM before SIGKILL. */
  forceKillAfterMs?: number;
}

/** 64 Mi characters: far above what sluice reads from any program, far below a runner's memory. */
export const DEFAULT_MAX_BUFFER = 64 * 1024 * 1024;
export const DEFAULT_FORCE_KILL_AFTER_MS = 5_000;

/** The errors both adapters raise, with the secrets masked and the program named. */
export function execErrors(command: string, args: readonly string[], config: ExecConfig) {
  const mask = (text: string) => config.masker?.mask(text) ?? text;
  const line = [command, ...args].join(' ');
  const infra = (message: string, hint?: string, cause?: unknown) =>
    new InfraError(mask(message), {
      ...(hint === undefined ? {} : { hint: mask(hint) }),
      ...(cause === undefined ? {} : { cause }),
    });
  return {
    /** The program could not be started: `cause` keeps spawn's code (ENOENT) for isProgramMissing. */
    notStarted: (cause: Error & { code?: string }) =>
      infra(
        `cannot run ${command}: ${cause.message}`,
        cause.code === 'ENOENT' ? `${command} is not installed or not on PATH` : undefined,
        cause,
      ),
    exited: (exitCode: number, stderr: string) =>
      infra(`${line} exited ${exitCode}: ${stderr.trim().slice(0, 500)}`),
    killed: (signal: string, stderr: string) =>
      infra(`${line} was killed by ${signal}: ${stderr.trim().slice(0, 500)}`),
    timedOut: (timeoutMs: number) =>
      infra(
        `${line} did not finish within ${formatMs(timeoutMs)}: stopped it`,
        `sluice sent SIGTERM, then SIGKILL after ${formatMs(config.forceKillAfterMs ?? DEFAULT_FORCE_KILL_AFTER_MS)}`,
      ),
    cancelled: (reason: unknown) =>
      infra(
        `${line} was cancelled: stopped it`,
        undefined,
        reason instanceof Error ? reason : undefined,
      ),
    tooMuchOutput: (stream: string) =>
      infra(
        `${command} wrote more than ${config.maxBuffer ?? DEFAULT_MAX_BUFFER} characters to ${stream}: stopped it`,
        `sluice keeps at most ${config.maxBuffer ?? DEFAULT_MAX_BUFFER} characters of a program's output; run \`${line}\` by hand to see what it writes`,
      ),
  };
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
