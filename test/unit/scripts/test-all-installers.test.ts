/**
 * scripts/test-all.sh runs every scripts/install/*.sh at once and reports each one's output,
 * time and exit code after all are done (a failing one fails the phase). Run here on dummy
 * installers in a temp folder, with the function taken from the script itself.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');
const dir = mkdtempSync(path.join(tmpdir(), 'sluice-installers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function installersFunction(): string {
  const script = readFileSync(path.join(root, 'scripts/test-all.sh'), 'utf8');
  const match = /^installers\(\) \{\n[\s\S]*?\n\}\n/m.exec(script);
  if (!match) throw new Error('scripts/test-all.sh has no installers() function');
  return match[0];
}

function run(installers: Record<string, string>) {
  const project = mkdtempSync(path.join(dir, 'project-'));
  mkdirSync(path.join(project, 'scripts/install'), { recursive: true });
  for (const [name, body] of Object.entries(installers))
    writeFileSync(path.join(project, 'scripts/install', `${name}.sh`), body);
  const started = Date.now();
  const result = spawnSync('bash', ['-c', `${installersFunction()}\ninstallers`], {
    cwd: project,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { ...result, ms: Date.now() - started };
}

describe('test-all.sh installers', () => {
  it('runs them at the same time and prints each whole, in order', () => {
    const result = run({
      a: 'sleep 1; echo a done\n',
      b: 'sleep 1; echo b done\n',
      c: 'sleep 1; echo c done\n',
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.ms).toBeLessThan(2_500); // not 3 s one after the other
    expect(result.stdout).toMatch(
      /--- scripts\/install\/a\.sh \(\d+ s, exit 0\)\na done\n--- scripts\/install\/b\.sh \(\d+ s, exit 0\)\nb done\n--- scripts\/install\/c\.sh/,
    );
  });

  it('a failing installer fails the phase, named, after the others finished', () => {
    const result = run({ bad: 'echo cannot build >&2; exit 4\n', good: 'sleep 0.5; echo ok\n' });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('--- scripts/install/bad.sh (0 s, exit 4)\ncannot build');
    expect(result.stdout).toContain('--- scripts/install/good.sh');
    expect(result.stderr).toContain('installer failed: scripts/install/bad.sh');
  });
});
