import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * Every test file leaves the temp folder as it found it. A setup file of every vitest project
 * (vitest.config.ts): before the test file is loaded it points TMPDIR (so `os.tmpdir()`, and
 * the programs the tests start with the inherited environment) at a fresh folder of its own;
 * after the file's own afterAll hooks ran, anything still in there fails the file, naming
 * the leftovers, and is removed. Use `tempDir` (test/unit/support/temp-dirs.ts) or remove in
 * an afterAll what a test makes.
 */
const outer = process.env['TMPDIR'];
const guarded = mkdtempSync(join(tmpdir(), 'sluice-t-'));

/**
 * Caches that tools keep in the temp folder by design, linked to the real one so they stay
 * warm: tsx (which the tests start to run sources) compiles into `<tmp>/tsx-<euid>`.
 */
const caches = [`tsx-${process.geteuid?.() ?? 'user'}`];
for (const name of caches) {
  const shared = join(tmpdir(), name);
  mkdirSync(shared, { recursive: true });
  symlinkSync(shared, join(guarded, name));
}
process.env['TMPDIR'] = guarded;

afterAll(() => {
  if (outer === undefined) delete process.env['TMPDIR'];
  else process.env['TMPDIR'] = outer;
  const left = readdirSync(guarded)
    .filter((name) => !caches.includes(name))
    .sort();
  rmSync(guarded, { recursive: true, force: true });
  if (left.length > 0)
    throw new Error(
      `this test file left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in the temp folder: ` +
        `${left.join(', ')}. Remove what a test makes (tempDir in test/unit/support/temp-dirs.ts does it).`,
    );
});
