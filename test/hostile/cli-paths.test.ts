/**
 * Paths a user names that are not plain files: folders, FIFOs, symlink loops, files in the way
 * of a folder, /proc. Each is exit 2 naming the path, never a stack trace or a hang.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../unit/support/temp-dirs.js';
import { expectHandled, root, sluice } from './cli-support.js';

let dir: string;
const gate = ['quality-gate', '--metrics', 'candidate.json', '--baseline', 'file:baseline.json'];

beforeAll(async () => {
  dir = tempDir('sluice-hostile-paths-');
  for (const file of ['baseline.json', 'candidate.json'])
    copyFileSync(path.join(root, 'examples/churn/metrics', file), path.join(dir, file));
  mkdirSync(path.join(dir, 'folder'));
  writeFileSync(path.join(dir, 'file'), 'x');
  execFileSync('mkfifo', [path.join(dir, 'fifo')]);
  symlinkSync('loop-b', path.join(dir, 'loop-a'));
  symlinkSync('loop-a', path.join(dir, 'loop-b'));
  const report = await sluice([...gate, '--output', 'json=report.json'], { cwd: dir });
  expect(report.code).toBe(0);
});

describe('output paths', () => {
  it.each([
    ['a folder', 'folder', /this is a directory/],
    ['under a file', 'file/report.json', /a part of the path is a file/],
    ['a FIFO (would block)', 'fifo', /named pipe/],
    [
      'under /proc (Node recursive mkdir never returns)',
      '/proc/self/x/y.json',
      /cannot be created|does not exist/,
    ],
    ['too long', `${'a'.repeat(5000)}.json`, /too long/],
  ])('--output json=<%s> is exit 2 naming the path', async (_what, target, reason) => {
    const run = await sluice([...gate, '--output', `json=${target}`], {
      cwd: dir,
      timeoutMs: 20_000,
    });
    expectHandled(run, 2);
    expect(run.stderr).toContain(target.slice(0, 100));
    expect(run.stderr.length).toBeLessThan(5000);
    expect(run.stderr).toMatch(reason);
  });

  it('build-image --output oci:<under a file> is exit 2 naming the path', async () => {
    mkdirSync(path.join(dir, 'model'), { recursive: true });
    writeFileSync(path.join(dir, 'model', 'w.bin'), 'w');
    const run = await sluice(['build-image', '--model', 'model', '--output', 'oci:file/layout'], {
      cwd: dir,
      timeoutMs: 30_000,
    });
    expectHandled(run, 2);
    expect(run.stderr).toContain('file/layout');
    expect(run.stderr).toMatch(/a part of the path is a file/);
  });

  it.each([
    ['a folder', 'folder', /this is a directory/],
    ['under a file', 'file/comment.md', /a part of the path is a file/],
    ['a FIFO', 'fifo', /named pipe/],
  ])('comment --preview <%s> is exit 2 naming the path', async (_what, target, reason) => {
    const run = await sluice(['comment', '--reports', 'report.json', '--preview', target], {
      cwd: dir,
    });
    expectHandled(run, 2);
    expect(run.stderr).toContain(target);
    expect(run.stderr).toMatch(reason);
    expect(run.stderr).toContain('preview');
  });
});

describe('input paths', () => {
  it.each([
    ['metrics', ['quality-gate', '--metrics', 'fifo', '--baseline', 'none'], 'fifo', /named pipe/],
    [
      'metrics',
      ['quality-gate', '--metrics', 'loop-a', '--baseline', 'none'],
      'loop-a',
      /symbolic links form a loop/,
    ],
    [
      'metrics',
      ['quality-gate', '--metrics', 'folder', '--baseline', 'none'],
      'folder',
      /directory/,
    ],
    [
      'rules',
      ['quality-gate', '--metrics', 'candidate.json', '--baseline', 'none', '--rules', 'fifo'],
      'fifo',
      /named pipe/,
    ],
    [
      'rules',
      ['quality-gate', '--metrics', 'candidate.json', '--baseline', 'none', '--rules', 'loop-a'],
      'loop-a',
      /symbolic links form a loop/,
    ],
    [
      'rules',
      ['quality-gate', '--metrics', 'candidate.json', '--baseline', 'none', '--rules', 'folder'],
      'folder',
      /directory/,
    ],
    [
      'baseline',
      ['quality-gate', '--metrics', 'candidate.json', '--baseline', 'file:fifo'],
      'fifo',
      /named pipe/,
    ],
    [
      'baseline',
      ['quality-gate', '--metrics', 'candidate.json', '--baseline', 'file:loop-a'],
      'loop-a',
      /symbolic links form a loop/,
    ],
    ['reports', ['comment', '--reports', 'fifo'], 'fifo', /named pipe/],
    ['reports', ['comment', '--reports', 'folder'], 'folder', /directory/],
    [
      'schema',
      ['validate-data', '--data', 'candidate.json', '--schema', 'fifo'],
      'fifo',
      /named pipe/,
    ],
    [
      'schema',
      ['validate-data', '--data', 'candidate.json', '--schema', 'loop-a'],
      'loop-a',
      /symbolic links form a loop/,
    ],
  ])('%s: %j is exit 2 naming the path, in time', async (_input, args, named, reason) => {
    const run = await sluice(args, { cwd: dir, timeoutMs: 20_000 });
    expectHandled(run, 2);
    expect(run.stderr).toContain(named);
    expect(run.stderr).toMatch(reason);
  });
});
