import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type * as ExecaExec from '../../../src/clients/exec/execa-exec.js';
import { InfraError } from '../../../src/core/errors.js';
import { createMasker } from '../../../src/platforms/masker.js';

const execaLoads = vi.hoisted(() => ({ count: 0 }));
vi.mock('../../../src/clients/exec/execa-exec.js', async (importOriginal) => {
  const original = await importOriginal<typeof ExecaExec>();
  execaLoads.count += 1;
  return original;
});

const { createLazyExec, lazyGitReader } = await import('../../../src/app/lazy-clients.js');

const repo = mkdtempSync(path.join(os.tmpdir(), 'sluice-lazy-'));
afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe('lazy clients', () => {
  it('git runs through the lean child_process Exec: execa is not even loaded', async () => {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
    git('init', '-q');
    writeFileSync(path.join(repo, 'm.json'), '{"a":1}');
    git('add', '.');
    git('-c', 'user.email=a@b', '-c', 'user.name=a', 'commit', '-qm', 'm');
    const reader = lazyGitReader(repo);
    const head = git('rev-parse', 'HEAD').toString().trim();
    expect(await reader.mergeBase('HEAD', 'HEAD')).toBe(head);
    expect(execaLoads.count).toBe(0);
  });

  it('deps.exec is execa, loaded on first use, and masks the secrets it is given', async () => {
    const masker = createMasker();
    masker.add('s3cr3t-value');
    const exec = createLazyExec(masker);
    expect(execaLoads.count).toBe(0);
    const error = await exec
      .run(process.execPath, ['-e', 'console.error("bad s3cr3t-value"); process.exit(4)'])
      .catch((reason: unknown) => reason);
    expect(execaLoads.count).toBe(1);
    expect(error).toBeInstanceOf(InfraError);
    expect((error as InfraError).message).toContain('exited 4: bad ***');
  });
});
