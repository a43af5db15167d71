/**
 * DuckDB spills to a folder it makes in the temporary folder; a temporary folder that cannot
 * be used (missing, not a folder, not writable for a container's user) is an infrastructure
 * error naming it and the fix (exit 3), never an internal error.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDuckDbEngine } from '../../../src/clients/duckdb/engine.js';
import { InfraError } from '../../../src/core/errors.js';
import { tempDir } from '../../unit/support/temp-dirs.js';

const guarded = process.env['TMPDIR'];

afterEach(() => {
  process.env['TMPDIR'] = guarded;
});

describe("DuckDB's scratch folder", () => {
  it.each([
    ['does not exist', (dir: string) => join(dir, 'missing')],
    [
      'is a file',
      (dir: string) => {
        writeFileSync(join(dir, 'file'), '');
        return join(dir, 'file');
      },
    ],
  ])('a temporary folder that %s is an InfraError naming it and TMPDIR', async (_, make) => {
    const unusable = make(tempDir('sluice-scratch-'));
    process.env['TMPDIR'] = unusable;
    const error = await createDuckDbEngine({ threads: 1 }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(InfraError);
    expect((error as InfraError).message).toContain(unusable);
    expect((error as InfraError).hint).toContain('TMPDIR');
  });
});
