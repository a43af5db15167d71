import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { githubRunContext } from '../../../src/platforms/github/context.js';
import { fileCommandEntry } from '../../../src/platforms/github/file-commands.js';
import { githubPlatform } from '../../../src/platforms/github/platform.js';
import { annotation, escapeData } from '../../../src/platforms/github/workflow-commands.js';
import { tempDir } from '../support/temp-dirs.js';

const tmp = () => tempDir('sluice-gh-');

function prEvent(dir: string, headRepo: string | null): string {
  const file = path.join(dir, 'event.json');
  writeFileSync(
    file,
    JSON.stringify({
      pull_request: {
        number: 42,
        base: { ref: 'main', sha: 'b'.repeat(40), repo: { full_name: 'acme/model' } },
        head: { sha: 'h'.repeat(40), repo: headRepo === null ? null : { full_name: headRepo } },
      },
    }),
  );
  return file;
}

describe('GitHub run context', () => {
  it('reads the pull request from the event payload, head SHA not merge commit', () => {
    const dir = tmp();
    const context = githubRunContext(
      {
        GITHUB_EVENT_PATH: prEvent(dir, 'acme/model'),
        GITHUB_REPOSITORY: 'acme/model',
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_RUN_ID: '7',
      },
      dir,
    );
    expect(context.changeRequest).toEqual({
      number: 42,
      baseRef: 'main',
      baseSha: 'b'.repeat(40),
      headSha: 'h'.repeat(40),
      isFork: false,
    });
    expect(context.runUrl).toBe('https://github.com/acme/model/actions/runs/7');
  });

  it('treats a fork (or a deleted head repository) as read-only', () => {
    const dir = tmp();
    expect(
      githubRunContext({ GITHUB_EVENT_PATH: prEvent(dir, 'mallory/model') }, dir).changeRequest
        ?.isFork,
    ).toBe(true);
    expect(
      githubRunContext({ GITHUB_EVENT_PATH: prEvent(dir, null) }, dir).changeRequest?.isFork,
    ).toBe(true);
  });

  it('ranks the run by run id, then attempt (1 when GitHub leaves it out)', () => {
    expect(githubRunContext({ GITHUB_RUN_ID: '7', GITHUB_RUN_ATTEMPT: '3' }, '/w').runRank).toEqual(
      [7, 3],
    );
    expect(githubRunContext({ GITHUB_RUN_ID: '7' }, '/w').runRank).toEqual([7, 1]);
    expect(githubRunContext({}, '/w').runRank).toBeUndefined();
  });

  it('ranks a workflow_run job by the run that triggered it, whose reports it posts', () => {
    const event = path.join(tmp(), 'event.json');
    writeFileSync(event, JSON.stringify({ workflow_run: { id: 5001, run_attempt: 2 } }));
    const context = githubRunContext(
      { GITHUB_EVENT_PATH: event, GITHUB_RUN_ID: '9000', GITHUB_RUN_ATTEMPT: '1' },
      '/w',
    );
    expect(context.runRank).toEqual([5001, 2]);
  });

  it('has no change request on a push', () => {
    expect(githubRunContext({}, '/w').changeRequest).toBeUndefined();
  });
});

describe('GitHub workflow commands', () => {
  it('escapes data and properties so user text cannot inject a command', () => {
    expect(escapeData('a%b\r\n::error::x')).toBe('a%25b%0D%0A::error::x');
    expect(annotation('error', 'bad\nthing', { file: 'rules,1.yml', line: 3, key: 'a:b' })).toBe(
      '::error file=rules%2C1.yml,line=3,title=a%3Ab::bad%0Athing',
    );
  });

  it('writes outputs as delimited file-command blocks that survive newlines', () => {
    const entry = fileCommandEntry('report', 'line1\nline2', 'EOF_X');
    expect(entry).toBe('report<<EOF_X\nline1\nline2\nEOF_X\n');
    expect(() => fileCommandEntry('x', 'has EOF_X inside', 'EOF_X')).toThrow();
  });
});

describe('GitHub platform', () => {
  it('appends outputs and the job summary to the runner files', async () => {
    const dir = tmp();
    const env = {
      GITHUB_OUTPUT: path.join(dir, 'out'),
      GITHUB_STEP_SUMMARY: path.join(dir, 'summary'),
    };
    writeFileSync(env.GITHUB_OUTPUT, '');
    const platform = githubPlatform(env, dir, () => undefined);
    await platform.setOutputs({ passed: 'false', 'failed-metrics': 'accuracy,f1' });
    await platform.writeSummary('## report');
    const out = readFileSync(env.GITHUB_OUTPUT, 'utf8');
    expect(out).toMatch(/^passed<<(ghadelimiter_\w+)\nfalse\n\1\n/);
    expect(out).toContain('\naccuracy,f1\n');
    expect(readFileSync(env.GITHUB_STEP_SUMMARY, 'utf8')).toBe('## report\n');
  });

  it('masks a token in everything it logs, and registers it with the runner', () => {
    const lines: string[] = [];
    const platform = githubPlatform({}, '/w', (line) => lines.push(line));
    platform.masker.add('ghp_secretsecret');
    platform.logger.error('request with ghp_secretsecret failed');
    expect(lines[0]).toBe('::add-mask::ghp_secretsecret');
    expect(lines[1]).not.toContain('ghp_secretsecret');
  });

  it('does not comment on a fork pull request, and says why', async () => {
    const dir = tmp();
    const platform = githubPlatform(
      { GITHUB_EVENT_PATH: prEvent(dir, 'mallory/model'), GITHUB_REPOSITORY: 'acme/model' },
      dir,
      () => undefined,
    );
    const result = await platform.createForge({ token: 'ghs_token_value', pullRequest: undefined });
    expect(result).toEqual({ reason: expect.stringContaining('fork') });
  });

  it('does not comment without a token or outside a pull request', async () => {
    const dir = tmp();
    const onPr = githubPlatform(
      { GITHUB_EVENT_PATH: prEvent(dir, 'acme/model'), GITHUB_REPOSITORY: 'acme/model' },
      dir,
      () => undefined,
    );
    expect(await onPr.createForge({ token: undefined, pullRequest: undefined })).toEqual({
      reason: expect.stringContaining('no token'),
    });
    const onPush = githubPlatform({ GITHUB_REPOSITORY: 'acme/model' }, dir, () => undefined);
    expect(await onPush.createForge({ token: 't0ken', pullRequest: undefined })).toEqual({
      reason: expect.stringContaining('not a pull request'),
    });
  });
});
