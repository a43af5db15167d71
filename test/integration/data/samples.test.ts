import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDeps } from './deps.js';
import { runValidateData } from '../../unit/support/commands.js';

let dir: string;

interface Sample {
  line: number | null;
  row: number | null;
  values: Record<string, unknown>;
}

async function samples(data: string, schema: string): Promise<Sample[]> {
  await writeFile(join(dir, 'schema.yml'), schema);
  const { report } = await runValidateData(
    { data: [data], schema: 'schema.yml', format: 'json' },
    dataDeps(dir, { now: new Date('2026-01-10T00:00:00Z') }),
  );
  const checks = report?.data['checks'] as { status: string; samples: Sample[] }[];
  return checks.filter((c) => c.status === 'fail').flatMap((c) => c.samples);
}

const AGE = 'columns:\n  age: { type: integer, max: 120 }\nstrict: false\n';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-samples-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('failing rows carry the line they start on in the file', () => {
  // Line numbers, counted by hand:  1 header, 2 row 1, 3-4 row 2 (a quoted value over two
  // lines), 5 row 3 (age 999), 6 blank, 7 row 4, 8-10 row 5 (three lines), 11 row 6 (age 999).
  const text =
    'id,note,age\n1,a,30\n2,"two\nlines",30\n3,c,999\n\n4,d,30\n5,"three\nlines\nhere",30\n6,f,999\n';

  it('past quoted values that span lines, and blank lines', async () => {
    await writeFile(join(dir, 'multiline.csv'), text);
    const found = await samples('multiline.csv', AGE);
    expect(found.map((s) => [s.line, s.row, s.values['id']])).toEqual([
      [5, 3, 3],
      [11, 6, 6],
    ]);
  });

  it('in a gzip file too', async () => {
    await writeFile(join(dir, 'multiline.csv.gz'), gzipSync(text));
    const found = await samples('multiline.csv.gz', AGE);
    expect(found.map((s) => s.line)).toEqual([5, 11]);
  });

  it('in JSON lines with a blank line', async () => {
    await writeFile(join(dir, 'rows.jsonl'), '{"age": 30}\n\n{"age": 999}\n');
    const found = await samples('rows.jsonl', AGE);
    expect(found.map((s) => [s.line, s.row])).toEqual([[3, 2]]);
  });
});

describe('the data’s own columns are kept as they are', () => {
  it('columns named filename and ordinality', async () => {
    await writeFile(join(dir, 'names.csv'), 'filename,ordinality,age\na.txt,7,30\nb.txt,8,999\n');
    const found = await samples('names.csv', AGE);
    expect(found).toHaveLength(1);
    expect(found[0]?.line).toBe(3);
    expect(found[0]?.values).toEqual({ filename: 'b.txt', ordinality: 8, age: 999 });
  });
});

describe('a wide table', () => {
  it('150 columns, each counted exactly, in scans DuckDB can hold', async () => {
    const names = Array.from({ length: 150 }, (_, i) => `c${i}`);
    const rows = Array.from({ length: 50 }, (_, r) => names.map((_, c) => r * c).join(','));
    await writeFile(join(dir, 'wide.csv'), `${names.join(',')}\n${rows.join('\n')}\n`);
    await writeFile(join(dir, 'schema.yml'), 'columns: {}\nstrict: false\n');
    const { report } = await runValidateData(
      { data: ['wide.csv'], schema: 'schema.yml', format: 'json' },
      dataDeps(dir, { now: new Date('2026-01-10T00:00:00Z') }),
    );
    const profile = report?.data['profile'] as { column: string; distinct: number }[];
    expect(profile).toHaveLength(150);
    expect(profile[0]).toMatchObject({ column: 'c0', distinct: 1 });
    expect(profile[149]).toMatchObject({ column: 'c149', distinct: 50 });
  });
});
