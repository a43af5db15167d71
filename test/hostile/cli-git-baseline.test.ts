/**
 * `--baseline git:<ref>` where git cannot help: outside a repository, an unknown ref, a shallow
 * clone, a ref that looks like an option. Exit 2 saying which, never git's raw exit 3.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../unit/support/temp-dirs.js';
import { expectHandled, root, sluice } from './cli-support.js';

let plain: string;
let repo: string;
let shallow: string;
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
    cwd,
    stdio: 'pipe',
  });

beforeAll(() => {
  const base = tempDir('sluice-hostile-git-');
  plain = path.join(base, 'plain');
  repo = path.join(base, 'repo');
  shallow = path.join(base, 'shallow');
  mkdirSync(plain);
  mkdirSync(repo);
  const metrics = path.join(root, 'examples/churn/metrics/candidate.json');
  copyFileSync(metrics, path.join(plain, 'm.json'));
  copyFileSync(metrics, path.join(repo, 'm.json'));
  git(repo, 'init', '-q');
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'one');
  writeFileSync(path.join(repo, 'm.json'), '{"accuracy": 0.5}');
  git(repo, 'commit', '-qam', 'two');
  execFileSync('git', ['clone', '-q', '--depth', '1', `file://${repo}`, shallow], {
    stdio: 'pipe',
  });
});

const gate = (ref: string) => ['quality-gate', '--metrics', 'm.json', '--baseline', `git:${ref}`];

describe('git baseline', () => {
  it('outside a repository: exit 2, says so', async () => {
    const run = await sluice(gate('HEAD'), { cwd: plain });
    expectHandled(run, 2);
    expect(run.stderr).toMatch(/not inside one/);
    expect(run.stderr).toContain('baseline');
  });

  it('an unknown ref: exit 2, names the ref', async () => {
    const run = await sluice(gate('no-such-branch'), { cwd: repo });
    expectHandled(run, 2);
    expect(run.stderr).toContain('`no-such-branch` does not exist');
  });

  it('a commit a shallow clone lacks: exit 2, says shallow and fetch-depth', async () => {
    const run = await sluice(gate('HEAD~1'), { cwd: shallow });
    expectHandled(run, 2);
    expect(run.stderr).toMatch(/shallow/);
    expect(run.stderr).toContain('fetch-depth');
  });

  it.each(['--output=OUT', '-p', '--exec=touch OUT'])(
    'a ref like an option (%s) never reaches git as one',
    async (ref) => {
      const out = path.join(repo, 'pwned');
      const run = await sluice(gate(ref.replace('OUT', out)), { cwd: repo });
      expectHandled(run, 2);
      expect(run.stderr).toMatch(/starts with `-`/);
      expect(existsSync(out)).toBe(false);
    },
  );

  it('no git on PATH: exit 2, says git is missing', async () => {
    const run = await sluice(gate('HEAD'), { cwd: repo, env: { PATH: path.join(repo, 'no-bin') } });
    expectHandled(run, 2);
    expect(run.stderr).toMatch(/git is not installed/);
  });

  it('a good ref still works', async () => {
    const run = await sluice(gate('HEAD~1'), { cwd: repo });
    expect(run.stderr).not.toMatch(/internal error/);
    expect([0, 1]).toContain(run.code);
  });
});

describe('git client', () => {
  it('refuses a ref starting with `-` before running git, and passes --end-of-options', async () => {
    const { createGitReader } = await import('../../src/clients/git/git-reader.js');
    const calls: string[][] = [];
    const exec = {
      run: async (_command: string, args: readonly string[]) => {
        calls.push([...args]);
        return { exitCode: 0, stdout: '/repo\n', stderr: '' };
      },
    };
    const reader = createGitReader(exec, '/repo');
    await expect(reader.readFileAt('--output=/tmp/x', 'm.json')).rejects.toThrow(/starts with `-`/);
    await expect(reader.mergeBase('HEAD', '-x')).rejects.toThrow(/starts with `-`/);
    expect(calls.flat().some((arg) => arg.startsWith('--output'))).toBe(false);
    await reader.mergeBase('HEAD', 'main');
    expect(calls.at(-1)).toEqual(['merge-base', '--end-of-options', 'HEAD', 'main']);
  });
});
