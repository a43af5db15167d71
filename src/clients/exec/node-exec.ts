import { spawn } from 'node:child_process';
import type { Exec } from '../../core/ports.js';
import { DEFAULT_MAX_BUFFER, execErrors, type ExecConfig } from './exec-errors.js';

/**
 * Exec over child_process, for short reads that gate a cold start (git, in quality-gate's git
 * baselines): it loads nothing beyond Node, where execa is 117 KB to read first (DEVELOPING.md,
 * "Bundling"). It bounds the output like the execa adapter; a call that asks for a timeout or
 * a cancel signal goes to `fallback` (the execa adapter), which stops programs properly.
 */
export function createNodeExec(config: ExecConfig = {}, fallback?: () => Promise<Exec>): Exec {
  const limit = config.maxBuffer ?? DEFAULT_MAX_BUFFER;
  return {
    async run(command, args, options = {}) {
      if (options.timeoutMs !== undefined || options.signal !== undefined) {
        if (!fallback) throw new Error('this Exec has no fallback for timeoutMs or signal');
        return (await fallback()).run(command, args, options);
      }
      const errors = execErrors(command, args, config);
      return new Promise((resolve, reject) => {
        const child = spawn(command, [...args], {
          cwd: options.cwd,
          env: options.env ? { ...process.env, ...options.env } : process.env,
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        const stdout: string[] = [];
        const stderr: string[] = [];
        let overflow: string | undefined;
        const collect = (into: string[], stream: string) => {
          let size = 0;
          return (text: string) => {
            if (overflow) return;
            size += text.length;
            if (size > limit) {
              overflow = stream;
              child.kill('SIGKILL');
            } else into.push(text);
          };
        };
        child.stdout.setEncoding('utf8');
        child.stderr.setEncoding('utf8');
        child.stdout.on('data', collect(stdout, 'stdout'));
        child.stderr.on('data', collect(stderr, 'stderr'));
        child.on('error', (error) => reject(errors.notStarted(error)));
        child.on('close', (code, signal) => {
          if (overflow) return reject(errors.tooMuchOutput(overflow));
          const result = { exitCode: code ?? 1, stdout: stdout.join(''), stderr: stderr.join('') };
          if (result.exitCode === 0 || options.allowFailure) return resolve(result);
          reject(
            code === null && signal
              ? errors.killed(signal, result.stderr)
              : errors.exited(result.exitCode, result.stderr),
          );
        });
        // A program that exits without reading its input closes the pipe: that is not an error.
        child.stdin.on('error', () => undefined);
        child.stdin.end(options.input ?? '');
      });
    },
  };
}

/** The lean Exec with execa behind it for timeouts and cancels. */
export const nodeExec: Exec = createNodeExec({}, async () =>
  (await import('./execa-exec.js')).createExecaExec(),
);
