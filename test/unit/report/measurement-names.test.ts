import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

describe('measurement names', () => {
  it('carry no `sluice_` prefix of their own: the OpenMetrics renderer adds it once', async () => {
    const offenders: string[] = [];
    for (const file of await sources('src/core')) {
      const text = await readFile(file, 'utf8');
      for (const match of text.matchAll(/name: '(sluice_[a-z_]+)'/g))
        offenders.push(`${file}: ${match[1]}`);
    }
    expect(offenders).toEqual([]);
  });
});
