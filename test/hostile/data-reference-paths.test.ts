import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../src/core/errors.js';
import type { SluiceError } from '../../src/core/errors.js';
import { dataDeps } from '../integration/data/deps.js';
import { runValidateData } from '../unit/support/commands.js';

// A schema comes from the pull request; its drift.reference must not make sluice read (and
// quote in its report) files the job can reach outside the repository.
let root: string;
let repo: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sluice-hostile-ref-'));
  repo = join(root, 'repo');
  await mkdir(join(repo, 'data'), { recursive: true });
  await mkdir(join(root, 'secret'));
  await writeFile(join(root, 'secret', 'private.csv'), 'a\nTOP-SECRET-VALUE\n');
  await writeFile(join(repo, 'data', 'current.csv'), 'a\nx\ny\n');
  await writeFile(join(repo, 'data', 'reference.csv'), 'a\nx\nx\n');
  await symlink(join(root, 'secret'), join(repo, 'data', 'linked'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function withReference(reference: string): Promise<SluiceError | undefined> {
  await writeFile(
    join(repo, 'schema.yml'),
    `columns:\n  a: {type: string}\ndrift:\n  reference: ${JSON.stringify(reference)}\n`,
  );
  const deps = dataDeps(repo, { now: new Date('2026-01-10T00:00:00Z') });
  try {
    await runValidateData(
      { data: ['data/current.csv'], schema: 'schema.yml', format: 'json' },
      deps,
    );
    return undefined;
  } catch (error) {
    return error as SluiceError;
  }
}

describe("a schema's drift.reference stays inside the working directory", () => {
  for (const [what, reference] of [
    ['an absolute path', '__ROOT__/secret/private.csv'],
    ['a path up and out', '../secret/private.csv'],
    ['a glob whose folder is outside', '../secret/*.csv'],
    ['a brace alternative that leaves', '{data/reference.csv,../secret/private.csv}'],
    ['a link to a folder outside', 'data/linked/private.csv'],
    ['a glob below a link out', 'data/linked/**/*.csv'],
  ] as const) {
    it(`refuses ${what} (exit 2, at drift.reference)`, async () => {
      const error = await withReference(reference.replace('__ROOT__', root));
      expect(error && exitCodeOf(error)).toBe(2);
      expect(error?.message).toMatch(/leads out of the working directory/);
      expect(error?.place).toMatchObject({ file: 'schema.yml', key: 'drift.reference' });
      expect(error?.hint).toMatch(/--reference/);
      expect(JSON.stringify(error)).not.toContain('TOP-SECRET-VALUE');
    });
  }

  it('accepts a reference inside the repository, relative to the schema', async () => {
    const error = await withReference('data/reference.csv');
    expect(error).toBeUndefined();
  });

  it('lets the workflow name a reference anywhere with --reference', async () => {
    const deps = dataDeps(repo, { now: new Date('2026-01-10T00:00:00Z') });
    await writeFile(join(repo, 'plain.yml'), 'columns:\n  a: {type: string}\ndrift: {}\n');
    await expect(
      runValidateData(
        {
          data: ['data/current.csv'],
          schema: 'plain.yml',
          reference: join(root, 'secret', 'private.csv'),
          format: 'json',
        },
        deps,
      ),
    ).resolves.toBeDefined();
  });
});
