import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collect } from '../../../src/core/image/streams.js';
import { tarSize, tarStream, type TarEntry } from '../../../src/core/image/tar.js';
import { tempDir } from '../support/temp-dirs.js';

function fixture(): { dir: string; entries: TarEntry[] } {
  const dir = tempDir('sluice-tar-');
  const longName = `${'deep/'.repeat(30)}weights.bin`;
  mkdirSync(join(dir, 'src', ...longName.split('/').slice(0, -1)), { recursive: true });
  writeFileSync(join(dir, 'src', longName), 'long');
  writeFileSync(join(dir, 'src', 'modèle.txt'), 'accents');
  writeFileSync(join(dir, 'src', 'run.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(join(dir, 'src', 'run.sh'), 0o755);
  const file = (path: string, source: string, mode = 0o644): TarEntry => ({
    path,
    type: 'file',
    mode,
    size: readFileSync(join(dir, 'src', source)).length,
    source: join(dir, 'src', source),
  });
  return {
    dir,
    entries: [
      { path: 'opt', type: 'dir', mode: 0o755 },
      { path: 'opt/model', type: 'dir', mode: 0o755 },
      file(`opt/model/${longName}`, longName),
      file('opt/model/modèle.txt', 'modèle.txt'),
      file('opt/model/run.sh', 'run.sh', 0o755),
    ],
  };
}

describe('tarStream', () => {
  it('writes an archive GNU tar reads back, with long and non-ASCII names, mtime 0 and root owner', async () => {
    const { dir, entries } = fixture();
    const bytes = await collect(tarStream(entries));
    expect(bytes.length).toBe(tarSize(entries));
    expect(bytes.length % 512).toBe(0);
    const archive = join(dir, 'out.tar');
    writeFileSync(archive, bytes);
    const listing = execFileSync('tar', ['--numeric-owner', '--full-time', '-tvf', archive], {
      encoding: 'utf8',
    });
    expect(listing).toContain(`opt/model/${'deep/'.repeat(30)}weights.bin`);
    expect(listing).toContain('opt/model/modèle.txt');
    for (const line of listing.trim().split('\n')) {
      expect(line).toMatch(/ 0\/0 /);
      expect(line).toContain('1970-01-01 00:00:00');
    }
    expect(listing).toMatch(/-rwxr-xr-x 0\/0\s+18 .* opt\/model\/run\.sh/);
    const out = join(dir, 'x');
    mkdirSync(out);
    execFileSync('tar', ['-xf', archive, '-C', out]);
    expect(
      readFileSync(
        join(out, 'opt/model', ...`${'deep/'.repeat(30)}weights.bin`.split('/')),
        'utf8',
      ),
    ).toBe('long');
    expect(readFileSync(join(out, 'opt/model/modèle.txt'), 'utf8')).toBe('accents');
  });

  it('gives the same bytes every time', async () => {
    const { entries } = fixture();
    const a = await collect(tarStream(entries));
    const b = await collect(tarStream(entries));
    expect(a.equals(b)).toBe(true);
  });

  it('fails clearly when a file shrinks while it is packed', async () => {
    const { entries } = fixture();
    const wrong = entries.map((entry) =>
      entry.path.endsWith('run.sh') ? { ...entry, size: 1000 } : entry,
    );
    await expect(collect(tarStream(wrong))).rejects.toThrow(/changed while it was being packed/);
  });
});
