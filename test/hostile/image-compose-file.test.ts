/**
 * The compose file is the user's (or a pull request's): read through the one safe reader, so a
 * FIFO is refused by name instead of hanging the job, a folder or a huge file is exit 2.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeBuild } from '../../src/clients/docker/docker-compose.js';
import { exitCodeOf } from '../../src/core/errors.js';
import type { Exec } from '../../src/core/ports.js';
import { usageError } from '../unit/image/helpers.js';
import { tempDir } from '../unit/support/temp-dirs.js';

/** A Docker CLI that has the compose plugin and builds nothing: the file is read before any build. */
const ran: string[][] = [];
const exec = {
  run: (command: string, args: readonly string[]) => {
    ran.push([command, ...args]);
    return Promise.resolve({ exitCode: 0, stdout: '', stderr: '' });
  },
} as unknown as Exec;

describe('the compose file', () => {
  it.each([
    ['a FIFO', (file: string) => execFileSync('mkfifo', [file]), 'named pipe'],
    ['a folder', (file: string) => mkdirSync(file), 'directory'],
    ['missing', () => undefined, 'not found'],
    [
      'far too large',
      (file: string) => {
        writeFileSync(file, '');
        truncateSync(file, 64 * 1024 * 1024);
      },
      'too large',
    ],
  ])(
    '%s is refused by name, exit 2, before any build',
    { timeout: 10_000 },
    async (_, make, says) => {
      const dir = tempDir('sluice-hostile-compose-');
      const file = join(dir, 'compose.yml');
      make(file);
      ran.length = 0;
      const error = await usageError(
        composeBuild(exec, { file, service: 'model', image: 'm:1', labels: {} }),
      );
      expect(exitCodeOf(error)).toBe(2);
      expect(error.message).toContain(says);
      expect(error.place).toMatchObject({ file, key: 'compose-file' });
      expect(ran.some((args) => args.includes('build'))).toBe(false);
    },
  );
});
