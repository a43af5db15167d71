import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Exec, GitReader } from '../../core/ports.js';

/** Reads the repository through the git CLI. Binary-safe for file contents. */
export function createGitReader(exec: Exec, cwd: string): GitReader {
  let topLevel: Promise<string> | undefined;
  const root = () =>
    (topLevel ??= exec
      .run('git', ['rev-parse', '--show-toplevel'], { cwd })
      .then((r) => r.stdout.trim()));

  return {
    async readFileAt(ref, file) {
      const exists = await exec.run('git', ['cat-file', '-e', `${ref}:${file}`], {
        cwd: await root(),
        allowFailure: true,
      });
      if (exists.exitCode !== 0) {
        // Distinguish "no such file at ref" from "no such ref".
        await exec.run('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], {
          cwd: await root(),
        });
        return undefined;
      }
      return readBlob(await root(), `${ref}:${file}`);
    },
    async mergeBase(a, b) {
      const result = await exec.run('git', ['merge-base', a, b], { cwd: await root() });
      return result.stdout.trim();
    },
    async commitsTouching(ref, file, limit) {
      const result = await exec.run(
        'git',
        ['log', `-n${limit}`, '--format=%H %cI', ref, '--', file],
        {
          cwd: await root(),
          allowFailure: true,
        },
      );
      if (result.exitCode !== 0) return [];
      return result.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [sha = '', date = ''] = line.split(' ');
          return { sha, date };
        });
    },
    async repoRelative(file) {
      return path
        .relative(await root(), path.resolve(cwd, file))
        .split(path.sep)
        .join('/');
    },
  };
}

function readBlob(cwd: string, object: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', 'blob', object], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(Buffer.concat(chunks))
        : reject(new Error(`git cat-file ${object} exited ${code}`)),
    );
  });
}
