import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDeps } from './deps.js';
import { UsageError } from '../../../src/core/errors.js';
import { runValidateData } from '../../unit/support/commands.js';

let dir: string;

const DATA =
  'id,age,email,signup\n1,20,a@x.io,2026-01-01 10:00:00\n2,30,b@x.io,2026-01-02 10:00:00\n';

async function usageError(
  schema: string,
  options: { data?: string; reference?: string } = {},
): Promise<UsageError> {
  await writeFile(join(dir, 'schema.yml'), schema);
  const error = await runValidateData(
    {
      data: [options.data ?? 'data.csv'],
      schema: 'schema.yml',
      ...(options.reference ? { reference: options.reference } : {}),
    },
    dataDeps(dir, { now: new Date('2026-01-10T00:00:00Z') }),
  ).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UsageError);
  return error as UsageError;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-culprits-'));
  await writeFile(join(dir, 'data.csv'), DATA);
  await writeFile(join(dir, 'header-only.csv'), 'id,age,email,signup\n');
  await writeFile(join(dir, 'zero.csv'), '');
  await writeFile(join(dir, 'other.csv'), 'a,b\n1,2\n');
  await writeFile(join(dir, 'ragged.csv'), 'id,age\n1,20\n2\n3,40\n');
  await writeFile(
    join(dir, 'deep-ragged.csv'),
    `id,age,name\n${Array.from({ length: 30_000 }, (_, i) => `${i},${i % 90},n${i}`).join('\n')}\n30000,30\n`,
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('validate-data names the schema line that cannot run, not the data (exit 2)', () => {
  it('a SQL check on an unknown column, after one that is fine; also written over lines', async () => {
    for (const sql of ['id > 0 AND nosuch > 1', '|\n      id > 0\n      AND nosuch > 1']) {
      const error = await usageError(
        `columns:\n  id: { type: integer }\nstrict: false\nchecks:\n  - name: fine\n    sql: id > 0\n  - name: broken\n    sql: ${sql}\n`,
      );
      expect(error.message).toMatch(/^check `broken` cannot run: Binder Error: .*nosuch/);
      expect(error.place).toMatchObject({ file: 'schema.yml', line: 7 });
    }
  });

  it('a bound that is no value of the column type', async () => {
    const integer = await usageError(
      'columns:\n  id: { type: integer, min: abc }\nstrict: false\n',
    );
    expect(integer.message).toMatch(/^`min` of column `id` cannot run: Conversion Error/);
    expect(integer.place).toMatchObject({ line: 2, key: 'columns.id.min' });
    expect(integer.hint).toContain('BIGINT');
    const time = await usageError(
      "columns:\n  signup: { type: timestamp, max: 'notadate' }\nstrict: false\n",
    );
    expect(time.message).toMatch(/^`max` of column `signup` cannot run/);
    expect(time.place).toMatchObject({ line: 2, key: 'columns.signup.max' });
  });

  it('a bound that is not a finite number', async () => {
    const error = await usageError(
      'columns:\n  age: { type: integer, max: 1e400 }\nstrict: false\n',
    );
    expect(error.message).toMatch(/must be a finite number/);
    expect(error.place).toMatchObject({ line: 2 });
  });

  it('a pattern JavaScript accepts but RE2 does not', async () => {
    const error = await usageError(
      "columns:\n  email: { type: string, pattern: '^(?=a).*' }\nstrict: false\n",
    );
    expect(error.message).toMatch(/^`pattern` of column `email` cannot run/);
    expect(error.place).toMatchObject({ line: 2, key: 'columns.email.pattern' });
    expect(error.hint).toMatch(/RE2/);
  });

  it('a value the data cannot parse stays the data’s fault, with its line', async () => {
    await writeFile(join(dir, 'bad.csv'), 'id,age\n1,20\n2,n/a\n');
    const error = await usageError('columns:\n  age: { type: integer, min: 0 }\n', {
      data: 'bad.csv',
    });
    expect(error.place).toMatchObject({ file: 'bad.csv', line: 3 });
  });

  it('a name in drift.columns the data does not have', async () => {
    const error = await usageError(
      'columns:\n  id: { type: integer }\nstrict: false\ndrift:\n  columns: [age, nosuch]\n',
      { reference: 'data.csv' },
    );
    expect(error.message).toMatch(/names `nosuch`, which data.csv does not have/);
    expect(error.place).toMatchObject({ line: 5, column: 18 });
    expect(error.hint).toContain('`age`');
  });
});

describe('validate-data refuses a reference it cannot compare (exit 2)', () => {
  const schema = 'columns:\n  id: { type: integer }\nstrict: false\ndrift:\n  columns: all\n';

  it('an empty reference: header only, or zero bytes', async () => {
    for (const reference of ['header-only.csv', 'zero.csv']) {
      const error = await usageError(schema, { reference });
      expect(error.message).toBe('the reference is empty (no rows)');
      expect(error.place?.file).toBe(reference);
    }
  });

  it('a ragged reference, with its line', async () => {
    const error = await usageError(schema, { reference: 'ragged.csv' });
    expect(error.place).toMatchObject({ file: 'ragged.csv', line: 3 });
  });

  it('a reference with none of the data’s columns', async () => {
    const error = await usageError(schema, { reference: 'other.csv' });
    expect(error.message).toMatch(/none of the columns of data.csv/);
    expect(error.hint).toContain('`a`, `b`');
  });
});

describe('ragged rows', () => {
  it('with a one-column schema too', async () => {
    const error = await usageError('columns:\n  id: { type: integer }\n', { data: 'ragged.csv' });
    expect(error.place).toMatchObject({ file: 'ragged.csv', line: 3 });
  });

  it('far into the file: the fields counted, the line given once', async () => {
    const error = await usageError('columns:\n  id: { type: integer }\nstrict: false\n', {
      data: 'deep-ragged.csv',
    });
    expect(error.place).toMatchObject({ file: 'deep-ragged.csv', line: 30_002 });
    expect(error.message).toBe('2 fields where the header has 3 (line: 30000,30)');
  });
});
