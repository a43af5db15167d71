import { describe, expect, it } from 'vitest';
import type { RunContext } from '../../../src/core/commands/types.js';
import type { Exec } from '../../../src/core/ports.js';
import { UsageError } from '../../../src/core/errors.js';
import {
  branchTag,
  currentBranch,
  expandTagTemplates,
} from '../../../src/core/image/tag-templates.js';
import { githubRunContext } from '../../../src/platforms/github/context.js';
import { gitlabRunContext } from '../../../src/platforms/gitlab/context.js';

/** A checkout as CI makes it: detached, so `git rev-parse --abbrev-ref HEAD` says HEAD. */
const detached: Exec = {
  run: async () => ({ exitCode: 0, stdout: 'HEAD\n', stderr: '' }),
};
const onBranch: Exec = {
  run: async () => ({ exitCode: 0, stdout: 'main\n', stderr: '' }),
};

describe('{branch} in tags', () => {
  it('takes the branch GitLab names, on its detached checkout', async () => {
    const run = gitlabRunContext({ CI_COMMIT_REF_NAME: 'feature/ABC-12_x' }, '/w');
    expect(run.branch).toBe('feature/ABC-12_x');
    const branch = await currentBranch(run, detached, '/w');
    expect(
      expandTagTemplates(['127.0.0.1:5000/m:{branch}'], {
        sha: undefined,
        branch,
        modelVersion: undefined,
      }),
    ).toEqual(['127.0.0.1:5000/m:feature-ABC-12_x']);
  });

  it('takes the head branch of a GitHub pull request, else the pushed branch, never a tag', () => {
    expect(
      githubRunContext({ GITHUB_HEAD_REF: 'fix/login', GITHUB_REF_NAME: '12/merge' }, '/w').branch,
    ).toBe('fix/login');
    expect(
      githubRunContext({ GITHUB_REF_NAME: 'main', GITHUB_REF_TYPE: 'branch' }, '/w').branch,
    ).toBe('main');
    expect(githubRunContext({ GITHUB_REF_NAME: 'v1.0', GITHUB_REF_TYPE: 'tag' }, '/w').branch).toBe(
      undefined,
    );
    expect(
      gitlabRunContext({ CI_COMMIT_REF_NAME: 'v1.0', CI_COMMIT_TAG: 'v1.0' }, '/w').branch,
    ).toBe(undefined);
  });

  it('falls back to the checked-out branch, and explains a detached one with no CI branch', async () => {
    const local: RunContext = { platform: 'local', cwd: '/w' };
    expect(await currentBranch(local, onBranch, '/w')).toBe('main');
    const branch = await currentBranch(local, detached, '/w');
    expect(branch).toBeUndefined();
    expect(() =>
      expandTagTemplates(['r.example/m:{branch}'], {
        sha: 'a'.repeat(40),
        branch,
        modelVersion: undefined,
      }),
    ).toThrow(UsageError);
  });

  it('makes any branch name a valid tag: / and other characters to -, no leading . or -, 128 at most', () => {
    expect(branchTag('feature/x@y#z')).toBe('feature-x-y-z');
    expect(branchTag('-dash')).toBe('_dash');
    expect(branchTag('.hidden')).toBe('_hidden');
    expect(branchTag('Ünï/b')).toBe('_n--b');
    const long = branchTag(`a/${'b'.repeat(300)}`);
    expect(long).toHaveLength(128);
    expect(long).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/);
  });
});
