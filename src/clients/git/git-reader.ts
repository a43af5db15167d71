import { spawn } from 'node:child_process';
import path from 'node:path';
import { GitReadError, refProblem, type GitFailureReason } from '../../core/baseline/git-errors.js';
import type { Exec, GitReader } from '../../core/ports.js';

/** git's own message, one line, bounded: it may be shown to the user. */
function gitMessage(stderr: string): string {
  const line = stderr
    .split('\n')
    .map((text) => text.trim())
    .find((text) => text !== '');
  const text = (line ?? '').replace(/^fatal:\s*/, '');
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function classify(stderr: string): GitFailureReason {
  if (/not a git repository/i.test(stderr)) return 'not-a-repository';
  if (/dubious ownership|safe\.directory/i.test(stderr)) return 'unsafe-repository';
  if (
    /unknown revision|bad revision|not a valid object name|invalid object name|needed a single revision|ambiguous argument/i.test(
      stderr,
    )
  )
    return 'unknown-ref';
  return 'failed';
}

/** Refuses a ref git would read as an option (the baseline spec already refused it; twice is cheap). */
function checkRef(ref: string): void {
  const problem = refProblem(ref);
  if (problem) throw new GitReadError(`git ref \`${ref.slice(0, 100)}\` ${problem}`, 'unknown-ref');
}

/** Reads the repository through the git CLI. Binary-safe for file contents. */
export function createGitReader(exec: Exec, cwd: string): GitReader {
  let topLevel: Promise<string> | undefined;
  const root = () =>
    (topLevel ??= exec
      .run('git', ['rev-parse', '--show-toplevel'], { cwd, allowFailure: true })
      .then((r) => {
        if (r.exitCode === 0) return r.stdout.trim();
        const reason = classify(r.stderr);
        throw new GitReadError(
          `git cannot open the repository at ${cwd}: ${gitMessage(r.stderr)}`,
          reason === 'unknown-ref' ? 'failed' : reason,
        );
      }));
  const shallow = async (dir: string): Promise<boolean> => {
    const result = await exec.run('git', ['rev-parse', '--is-shallow-repository'], {
      cwd: dir,
      allowFailure: true,
    });
    return result.stdout.trim() === 'true';
  };

  return {
    async readFileAt(ref, file) {
      checkRef(ref);
      const dir = await root();
      const exists = await exec.run(
        'git',
        ['cat-file', '-e', '--end-of-options', `${ref}:${file}`],
        {
          cwd: dir,
          allowFailure: true,
        },
      );
      if (exists.exitCode !== 0) {
        // Distinguish "no such file at ref" from "no such ref".
        const commit = await exec.run(
          'git',
          ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`],
          { cwd: dir, allowFailure: true },
        );
        if (commit.exitCode !== 0) {
          const message = gitMessage(commit.stderr);
          throw new GitReadError(
            `git ref \`${ref}\` does not name a commit in this clone${message ? ` (${message})` : ''}`,
            'unknown-ref',
            { shallow: await shallow(dir) },
          );
        }
        return undefined;
      }
      return readBlob(dir, `${ref}:${file}`);
    },
    async mergeBase(a, b) {
      checkRef(a);
      checkRef(b);
      const dir = await root();
      const result = await exec.run('git', ['merge-base', '--end-of-options', a, b], {
        cwd: dir,
        allowFailure: true,
      });
      if (result.exitCode !== 0) {
        const reason = classify(result.stderr);
        throw new GitReadError(
          `git finds no merge base of ${a} and ${b}${result.stderr.trim() ? `: ${gitMessage(result.stderr)}` : ''}`,
          reason === 'failed' ? 'unknown-ref' : reason,
          { shallow: await shallow(dir) },
        );
      }
      return result.stdout.trim();
    },
    async commitsTouching(ref, file, limit) {
      checkRef(ref);
      const result = await exec.run(
        'git',
        ['log', `-n${limit}`, '--format=%H %cI', '--end-of-options', ref, '--', file],
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
    const child = spawn('git', ['cat-file', 'blob', '--end-of-options', object], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    const errors: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => errors.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(Buffer.concat(chunks))
        : reject(
            new GitReadError(
              `git cat-file ${object} exited ${code}: ${gitMessage(Buffer.concat(errors).toString('utf8'))}`,
              'failed',
            ),
          ),
    );
  });
}
