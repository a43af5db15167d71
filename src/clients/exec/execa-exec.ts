import type { Exec } from '../../core/ports.js';
import {
  DEFAULT_FORCE_KILL_AFTER_MS,
  DEFAULT_MAX_BUFFER,
  execErrors,
  type ExecConfig,
} from './exec-errors.js';

/**
 * Exec over execa, for the programs sluice must not leave behind (docker, compose, and model
 * servers): the child is killed when sluice exits (`cleanup`), a timeout or a cancel sends
 * SIGTERM and then SIGKILL after `forceKillAfterMs` (a program that ignores SIGTERM still
 * stops), and each captured stream is bounded by `maxBuffer`. Errors name the program and
 * carry no secret the masker knows. Loaded on first use (src/app/lazy-clients.ts): execa is
 * 117 KB bundled, more than a run that starts no process should read. execa itself is imported
 * here with `import()` too, so that the bundler makes it a chunk of its own, one file that every
 * action shares (this module's chunk differs per action: scripts/build.mjs).
 */
export function createExecaExec(config: ExecConfig = {}): Exec {
  return {
    async run(command, args, options = {}) {
      const errors = execErrors(command, args, config);
      const { execa } = await import('execa');
      const result = await execa(command, [...args], {
        ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
        ...(options.env === undefined ? {} : { env: options.env }),
        extendEnv: true,
        // An empty input closes stdin: a program that reads it sees the end, never waits.
        input: options.input ?? '',
        reject: false,
        stripFinalNewline: false,
        cleanup: true,
        maxBuffer: config.maxBuffer ?? DEFAULT_MAX_BUFFER,
        forceKillAfterDelay: config.forceKillAfterMs ?? DEFAULT_FORCE_KILL_AFTER_MS,
        ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
        ...(options.signal === undefined ? {} : { cancelSignal: options.signal }),
        windowsHide: true,
      });
      if (result.timedOut) throw errors.timedOut(options.timeoutMs ?? 0);
      if (result.isCanceled) throw errors.cancelled(options.signal?.reason);
      if (result.isMaxBuffer)
        throw errors.tooMuchOutput(
          result.stdout.length > result.stderr.length ? 'stdout' : 'stderr',
        );
      if (result.failed && result.exitCode === undefined && !result.signal)
        throw errors.notStarted(
          (result.cause instanceof Error ? result.cause : result) as Error & { code?: string },
        );
      const exitCode = result.exitCode ?? 1;
      if (exitCode !== 0 && !options.allowFailure) {
        throw result.signal && result.exitCode === undefined
          ? errors.killed(result.signal, result.stderr)
          : errors.exited(exitCode, result.stderr);
      }
      return { exitCode, stdout: result.stdout, stderr: result.stderr };
    },
  };
}
