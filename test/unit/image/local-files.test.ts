/**
 * The image commands read and show their local files through src/core/files, the one
 * implementation every command shares: these pin what the image code relies on there.
 */
import { execFileSync } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../../src/core/errors.js';
import { hasControlCharacter, shownPath } from '../../../src/core/files/fs-errors.js';
import { openUserFile, readUserFile } from '../../../src/core/files/user-file.js';
import { tempDir } from '../support/temp-dirs.js';

describe('shownPath', () => {
  it('keeps a UTF-8 name, escapes control characters and bytes that are not UTF-8', () => {
    expect(shownPath('modèle/模型.bin')).toBe('modèle/模型.bin');
    expect(shownPath(Buffer.from('modèle/模型.bin'))).toBe('modèle/模型.bin');
    expect(shownPath('a\nb\u001b[2J')).toBe('a\\x0ab\\x1b[2J');
    expect(shownPath(Buffer.from([0x62, 0x61, 0x64, 0x2d, 0xff, 0xfe]))).toBe('bad-\\xff\\xfe');
  });

  it('never shows a control character, and never more than its bound', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 600 }), fc.uint8Array({ maxLength: 600 })),
        (value) => {
          const shown = shownPath(typeof value === 'string' ? value : Buffer.from(value));
          expect(hasControlCharacter(shown)).toBe(false);
          expect(shown.length).toBeLessThanOrEqual(240);
        },
      ),
    );
  });
});

describe('openUserFile and readUserFile for the image files', () => {
  it('refuse a link where the file itself must be (noFollow), by name, exit 2', async () => {
    const dir = tempDir('sluice-local-files-');
    writeFileSync(join(dir, 'real'), 'x');
    symlinkSync(join(dir, 'real'), join(dir, 'link'));
    const target = { file: join(dir, 'link'), what: 'layer cache entry' };
    for (const attempt of [
      readUserFile(target.file, target, { noFollow: true }),
      openUserFile(target.file, target, { noFollow: true }),
    ]) {
      const error = (await attempt.then(
        () => undefined,
        (caught: unknown) => caught,
      )) as Error;
      expect(exitCodeOf(error)).toBe(2);
      expect(error.message).toBe('layer cache entry cannot be read: it is a symbolic link');
    }
    // Followed when a link is allowed.
    expect((await readUserFile(target.file, target)).toString()).toBe('x');
  });

  it(
    'refuse a FIFO without waiting on it, and stream a file past the read bound when told',
    { timeout: 10_000 },
    async () => {
      const dir = tempDir('sluice-local-files-');
      execFileSync('mkfifo', [join(dir, 'pipe')]);
      const error = (await openUserFile(join(dir, 'pipe'), {
        file: join(dir, 'pipe'),
        what: 'file',
      }).then(
        () => undefined,
        (caught: unknown) => caught,
      )) as Error;
      expect(error.message).toContain('named pipe (FIFO)');
      writeFileSync(join(dir, 'big'), Buffer.alloc(300));
      await expect(
        readUserFile(
          join(dir, 'big'),
          { file: join(dir, 'big'), what: 'cache entry' },
          { maxBytes: 100 },
        ),
      ).rejects.toThrow(/too large/);
      const { handle, stats } = await openUserFile(
        join(dir, 'big'),
        { file: join(dir, 'big'), what: 'layer' },
        { maxBytes: Number.POSITIVE_INFINITY },
      );
      await handle.close();
      expect(stats.size).toBe(300);
    },
  );
});
