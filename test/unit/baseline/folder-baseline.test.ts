import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveBaseline } from '../../../src/core/baseline/resolve.js';
import { UsageError } from '../../../src/core/errors.js';
import type { GitReader } from '../../../src/core/ports.js';
import { tempDir } from '../support/temp-dirs.js';

const git = {} as GitReader;

function tree(files: Record<string, string>): string {
  const dir = tempDir('sluice-folder-baseline-');
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

const resolve = (cwd: string, folder: string, candidates: string[]) =>
  resolveBaseline({ kind: 'file', path: folder }, candidates, {
    git,
    run: { platform: 'local', cwd },
  });

const value = (set: { values: Map<string, unknown> } | undefined) =>
  (set?.values.get('acc') as { value?: number } | undefined)?.value;

describe('a baseline folder', () => {
  it('matches candidates by their path under the candidates’ common folder', async () => {
    const cwd = tree({
      'a/metrics.json': '{"acc": 1}',
      'b/metrics.json': '{"acc": 2}',
      'base/a/metrics.json': '{"acc": 0.1}',
      'base/b/metrics.json': '{"acc": 0.2}',
      'base/metrics.json': '{"acc": 9}',
    });
    const resolved = await resolve(cwd, 'base', ['a/metrics.json', 'b/metrics.json']);
    expect(resolved.sets.map(value)).toEqual([0.1, 0.2]);
    expect(resolved.sets.map((set) => set?.file)).toEqual(['a/metrics.json', 'b/metrics.json']);
  });

  it('refuses to compare two candidates of one name with the same baseline file', async () => {
    const cwd = tree({
      'a/metrics.json': '{"acc": 1}',
      'b/metrics.json': '{"acc": 2}',
      'base/metrics.json': '{"acc": 9}',
    });
    const error = await resolve(cwd, 'base', ['a/metrics.json', 'b/metrics.json']).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toContain('a/metrics.json and b/metrics.json');
    expect((error as UsageError).message).toContain(path.join('base', 'a', 'metrics.json'));
  });

  it('still finds files by name for one candidate, or candidates side by side', async () => {
    const cwd = tree({
      'eval/m.json': '{"acc": 1}',
      'eval/n.json': '{"acc": 2}',
      'out/x/m.json': '{"acc": 3}',
      'base/m.json': '{"acc": 0.5}',
      'base/n.json': '{"acc": 0.6}',
    });
    expect((await resolve(cwd, 'base', ['eval/m.json', 'eval/n.json'])).sets.map(value)).toEqual([
      0.5, 0.6,
    ]);
    expect((await resolve(cwd, 'base', ['out/x/m.json'])).sets.map(value)).toEqual([0.5]);
    // Different names in different folders: the bare name is unambiguous.
    expect((await resolve(cwd, 'base', ['eval/n.json', 'out/x/m.json'])).sets.map(value)).toEqual([
      0.6, 0.5,
    ]);
  });

  it('has no baseline for a candidate the folder lacks', async () => {
    const cwd = tree({ 'a/m.json': '{"acc": 1}', 'base/other.json': '{}' });
    expect((await resolve(cwd, 'base', ['a/m.json'])).sets).toEqual([undefined]);
  });
});
