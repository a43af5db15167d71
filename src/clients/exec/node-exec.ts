import { spawn } from 'node:child_process';
import { InfraError } from '../../core/errors.js';
import type { Exec } from '../../core/ports.js';

/** Exec over child_process: light enough for the actions' cold start (no execa here). */
export const nodeExec: Exec = {
  run(command, args, options = {}) {
    return new Promise((resolve, reject) => {
      const child = spawn(command, [...args], {
        cwd: options.cwd,
        env: options.env ? { ...process.env, ...options.env } : process.env,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.on('error', (error) =>
        reject(new InfraError(`cannot run ${command}: ${error.message}`, { cause: error })),
      );
      child.on('close', (code) => {
        const result = {
          exitCode: code ?? 1,
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
        };
        if (result.exitCode !== 0 && !options.allowFailure) {
          reject(
            new InfraError(
              `${command} ${args.join(' ')} exited ${result.exitCode}: ${result.stderr.trim().slice(0, 500)}`,
            ),
          );
        } else resolve(result);
      });
      // A program that exits without reading its input closes the pipe: that is not an error.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input ?? '');
    });
  },
};
