import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../src/core/errors.js';
import { createDuckDbEngine } from '../../src/clients/duckdb/engine.js';
import { dataDeps } from '../integration/data/deps.js';
import { runValidateData } from '../unit/support/commands.js';

let dir: string;
let passwd: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-hostile-sql-'));
  await writeFile(join(dir, 'p.csv'), 'price,name\n1,a\n2,b\n');
  // Lines of /etc/passwd long enough not to occur in sluice's own words.
  passwd = (await readFile('/etc/passwd', 'utf8')).split('\n').filter((l) => l.length > 12);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs validate-data; everything it said (log lines, error, report) and its exit code. */
async function run(sql: string): Promise<{ code: number; said: string }> {
  const info: string[] = [];
  await writeFile(
    join(dir, 'schema.yml'),
    `columns:\n  price: {type: integer}\n  name: {type: string}\nchecks:\n  - name: hostile\n    sql: ${JSON.stringify(sql)}\n`,
  );
  try {
    const { report } = await runValidateData(
      { data: ['p.csv'], schema: 'schema.yml', format: 'json' },
      dataDeps(dir, { now: new Date('2026-01-10T00:00:00Z'), info }),
    );
    return {
      code: report?.verdict === 'fail' ? 1 : 0,
      said: info.join('\n') + JSON.stringify(report),
    };
  } catch (error) {
    const e = error as Error & { hint?: string };
    return { code: exitCodeOf(error), said: `${info.join('\n')}${e.message}${e.hint ?? ''}` };
  }
}

const READS = [
  "price > 0 AND (SELECT count(*) FROM read_csv('/etc/passwd')) > 0",
  "name <> (SELECT content FROM read_text('/etc/passwd'))",
  "CAST((SELECT content FROM read_text('/etc/passwd')) AS INTEGER) > 0",
  "name = read_text('/etc/passwd')",
  "price > 0) IS FALSE) FROM read_csv('/etc/passwd') --",
  "price IN (SELECT * FROM read_csv('/etc/passwd', header=false))",
  "current_setting('temp_directory') = name",
  "json_execute_serialized_sql('x') IS NULL",
];

describe('a schema check cannot reach beyond the data (exit 2, nothing foreign echoed)', () => {
  it.each(READS)('%s', async (sql) => {
    const { code, said } = await run(sql);
    expect(code).toBe(2);
    expect(said).toMatch(/check `hostile` is not one row predicate/);
    for (const line of passwd) expect(said).not.toContain(line);
  });

  it('a statement hidden from a parenthesis count by comments writes nothing', async () => {
    const target = join(dir, 'pwned.txt');
    for (const sql of [
      `/*((*/ price > 0) IS FALSE) FROM t; COPY (SELECT 'x') TO '${target}'; SELECT ((1 /*))*/`,
      `price > 0; COPY (SELECT 'x') TO '${target}'`,
      `price > 0) IS FALSE); COPY (SELECT 'x') TO '${target}'; SELECT count(*) FILTER (WHERE (1`,
    ]) {
      const { code } = await run(sql);
      expect(code).toBe(2);
    }
    expect(await readdir(dir)).not.toContain('pwned.txt');
  });

  it('a parenthesis that escapes the predicate changes nothing it counts', async () => {
    const { code, said } = await run('price > 5) OR (1=1');
    expect(code).toBe(2);
    expect(said).toMatch(/not one row predicate/);
  });

  it('ordinary predicates, comments and all, still run', async () => {
    expect((await run("price > 0 AND name ~ '[a-z]' -- a note")).code).toBe(0);
    expect((await run('price BETWEEN 0 AND 1 /* only one */')).code).toBe(1);
    expect((await run("list_contains(['a', 'b'], name) AND strlen(name) = 1")).code).toBe(0);
  });
});

describe('the engine is shut in with its data', () => {
  it('after confine it reads no other file, writes nowhere else, and cannot be reopened', async () => {
    const engine = await createDuckDbEngine({ threads: 1 });
    try {
      await engine.confine([join(dir, 'p.csv')]);
      expect(
        await engine.query(`SELECT count(*) AS n FROM read_csv('${join(dir, 'p.csv')}')`),
      ).toEqual([{ n: 2 }]);
      const refused = async (sql: string): Promise<string> =>
        engine.query(sql).then(
          () => 'ran',
          (error: Error) => error.message,
        );
      expect(await refused("SELECT * FROM read_text('/etc/passwd')")).toMatch(/Permission Error/);
      expect(await refused(`COPY (SELECT 1) TO '${join(dir, 'out.csv')}'`)).toMatch(
        /Permission Error/,
      );
      expect(await refused('SET enable_external_access = true')).toMatch(/locked/);
      expect(await refused("SET allowed_directories = ['/']")).toMatch(/locked/);
      expect(await refused("ATTACH '/tmp/x.db'")).toMatch(/Permission Error/);
      // Its own features still work: kept rows (Parquet in its private folder), streams.
      await engine.keep('kept', `SELECT * FROM read_csv('${join(dir, 'p.csv')}')`);
      expect(await engine.query('SELECT sum(price) AS s FROM kept')).toEqual([{ s: 3 }]);
      const values: number[] = [];
      for await (const chunk of engine.streamNumbers('SELECT price::DOUBLE FROM kept ORDER BY 1'))
        values.push(...chunk.values);
      expect(values).toEqual([1, 2]);
      await expect(engine.confine(['/'])).rejects.toThrow(/confined already/);
    } finally {
      await engine.close();
    }
    expect(await readdir(dir)).not.toContain('out.csv');
  });
});
