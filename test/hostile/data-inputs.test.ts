import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../src/core/errors.js';
import { dataDeps } from '../integration/data/deps.js';
import { runInferSchema, runValidateData } from '../unit/support/commands.js';

let dir: string;
/** tsx by path: the CLI runs in the data's folder, where no node_modules is. */
const TSX = pathToFileURL(join(process.cwd(), 'node_modules/tsx/dist/esm/index.mjs')).href;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-hostile-data-'));
  await writeFile(join(dir, 'schema.yml'), 'columns:\n  a: {type: string}\nstrict: false\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function deps(): ReturnType<typeof dataDeps> {
  return dataDeps(dir, { now: new Date('2026-01-10T00:00:00Z') });
}

async function exitOf(
  run: () => Promise<unknown>,
): Promise<{ code: number; message: string; place?: unknown }> {
  try {
    await run();
    return { code: 0, message: '' };
  } catch (error) {
    const { message, place } = error as Error & { place?: unknown };
    return { code: exitCodeOf(error), message, place };
  }
}

describe('a CSV whose sniffed dialect would disagree with the file is bad input (exit 2)', () => {
  it('one unclosed quote: the file and its line, not a pass with `"def"` read quotes and all', async () => {
    await writeFile(join(dir, 'quote.csv'), 'a,b\n1,"x\n2,"def"\n3,z\n');
    await writeFile(join(dir, 'ab.yml'), 'columns:\n  a: {type: integer}\n  b: {type: string}\n');
    let error: (Error & { place?: { file?: string; line?: number } }) | undefined;
    try {
      await runValidateData({ data: ['quote.csv'], schema: 'ab.yml', format: 'json' }, deps());
    } catch (e) {
      error = e as typeof error;
    }
    expect(error && exitCodeOf(error)).toBe(2);
    expect(error?.place).toMatchObject({ file: 'quote.csv', line: 2 });
    expect(error?.message).toMatch(/quote is not closed/);
  });

  it('a line starting with # is a row, never silently a comment', async () => {
    await writeFile(join(dir, 'hash.csv'), 'a,b\n1,2\n#3,4\n');
    await writeFile(join(dir, 'ab2.yml'), 'columns:\n  a: {type: integer}\n  b: {type: integer}\n');
    const { code, message } = await exitOf(() =>
      runValidateData({ data: ['hash.csv'], schema: 'ab2.yml', format: 'json' }, deps()),
    );
    expect(code).toBe(2);
    expect(message).toMatch(/#3/);
  });
});

describe('files that are not data are refused by name (exit 2), never hang', () => {
  it('a FIFO, given by name or matched by a glob', async () => {
    await promisify(execFile)('mkfifo', [join(dir, 'pipe.csv')]);
    const named = await exitOf(() =>
      runValidateData({ data: ['pipe.csv'], schema: 'schema.yml', format: 'json' }, deps()),
    );
    expect(named.code).toBe(2);
    expect(named.message).toMatch(/pipe\.csv is a FIFO/);
    // DuckDB's glob lists regular files only: the FIFO is never opened.
    const globbed = await exitOf(() =>
      runValidateData({ data: ['pip*.csv'], schema: 'schema.yml', format: 'json' }, deps()),
    );
    expect(globbed.code).toBe(2);
    const infer = await exitOf(() => runInferSchema({ data: ['pipe.csv'] }, deps()));
    expect(infer.code).toBe(2);
  });

  it('JSON nested 50,000 deep (which crashed DuckDB) names its line', async () => {
    await writeFile(
      join(dir, 'deep.jsonl'),
      `{"a":1}\n${'['.repeat(50_000)}${']'.repeat(50_000)}\n`,
    );
    for (const run of [
      () => runValidateData({ data: ['deep.jsonl'], schema: 'schema.yml', format: 'json' }, deps()),
      () => runInferSchema({ data: ['deep.jsonl'] }, deps()),
    ]) {
      const { code, message } = await exitOf(run);
      expect(code).toBe(2);
      expect(message).toMatch(/nested deeper than/);
    }
  });
});

describe('a small compressed file that inflates to 200 MB', () => {
  it('is profiled with estimates (decided on its decompressed size) in bounded memory', async () => {
    // 200 MB of text in ~200 kB of gzip.
    const line = Buffer.from('1111111111,2222222222,3333333333\n');
    const body = Buffer.concat([Buffer.from('a,b,c\n'), Buffer.alloc(line.length * 6_100_000)]);
    for (let i = 6; i < body.length; i += line.length) line.copy(body, i);
    await writeFile(join(dir, 'bomb.csv.gz'), gzipSync(body, { level: 9 }));
    await writeFile(
      join(dir, 'bomb.yml'),
      'columns:\n  a: {type: integer}\n  b: {type: integer}\n  c: {type: integer}\n',
    );
    const { stdout, stderr } = await promisify(execFile)(
      '/usr/bin/time',
      [
        '-f',
        'peak-kb=%M',
        'node',
        '--import',
        TSX,
        join(process.cwd(), 'src/entrypoints/cli.ts'),
        'validate-data',
        '--data',
        'bomb.csv.gz',
        '--schema',
        'bomb.yml',
        '--format',
        'json',
      ],
      { cwd: dir, timeout: 240_000, maxBuffer: 64 << 20 },
    );
    const peak = Number(/peak-kb=(\d+)/.exec(stderr)?.[1]) * 1024;
    const report = JSON.parse(stdout) as {
      profile: { column: string; distinct_exact: boolean; quantiles_exact: boolean }[];
    };
    expect(report.profile.map((p) => [p.distinct_exact, p.quantiles_exact])).toEqual([
      [false, false],
      [false, false],
      [false, false],
    ]);
    // DuckDB's 384 MB and Node's ~150 MB; exact quantiles of 18 M values took over 1 GB.
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(800e6);
  }, 240_000);

  it('a small one is still profiled exactly', async () => {
    await writeFile(join(dir, 'small.csv.gz'), gzipSync('a\n1\n2\n3\n'));
    await writeFile(join(dir, 'int.yml'), 'columns:\n  a: {type: integer}\n');
    const { report } = await runValidateData(
      { data: ['small.csv.gz'], schema: 'int.yml', format: 'json' },
      deps(),
    );
    const profiles = report?.data['profile'] as { distinct_exact: boolean }[];
    expect(profiles[0]?.distinct_exact).toBe(true);
  });
});

describe("a NUL character, which would cut DuckDB's SQL text short", () => {
  it('in a CSV header or a JSON key: exit 2 naming the file and the column', async () => {
    await writeFile(join(dir, 'nul.csv'), 'a,b\0c\n1,2\n');
    await writeFile(join(dir, 'nul.jsonl'), '{"\\u0000x": 1}\n');
    for (const [file, column] of [
      ['nul.csv', 2],
      ['nul.jsonl', 1],
    ] as const) {
      for (const run of [
        () => runInferSchema({ data: [file] }, deps()),
        () => runValidateData({ data: [file], schema: 'schema.yml', format: 'json' }, deps()),
      ]) {
        const { code, message, place } = await exitOf(run);
        expect(code, message).toBe(2);
        expect(message).toBe(`column ${column}'s name holds a NUL character (\\0)`);
        expect(place).toEqual({ file });
      }
    }
  });

  it('anywhere in a schema (name, value, pattern, check): exit 2 at its line', async () => {
    await writeFile(join(dir, 'n.csv'), 'a\nx\n');
    const cases = [
      ['columns:\n  "a\\0": {type: string}\n', 2],
      ['columns:\n  a: {allowed: [x, "y\\0"]}\n', 2],
      ['columns:\n  a:\n    pattern: "^x\\0"\n', 3],
      ['columns:\n  a: {}\nchecks:\n  - sql: "a <> \'\\0\'"\n', 4],
    ] as const;
    for (const [i, [text, line]] of cases.entries()) {
      await writeFile(join(dir, `nul${i}.yml`), text);
      let error: (Error & { place?: { line?: number } }) | undefined;
      try {
        await runValidateData({ data: ['n.csv'], schema: `nul${i}.yml`, format: 'json' }, deps());
      } catch (e) {
        error = e as typeof error;
      }
      expect(error && exitCodeOf(error), text).toBe(2);
      expect(error?.message).toMatch(/NUL character/);
      expect(error?.place?.line, text).toBe(line);
    }
  });

  it('in values: infer-schema writes no allowed list validate-data would refuse', async () => {
    await writeFile(join(dir, 'nulv.csv'), 'a\nx\0y\nx\0y\nz\nz\nx\0y\n');
    const { stdout: schema = '' } = await runInferSchema({ data: ['nulv.csv'] }, deps());
    expect(schema).not.toMatch(/allowed/);
    await writeFile(join(dir, 'nulv.yml'), schema);
    const { report } = await runValidateData(
      { data: ['nulv.csv'], schema: 'nulv.yml', format: 'json' },
      deps(),
    );
    expect(report?.verdict).toBe('pass');
  });
});

describe('random bytes as a data file', () => {
  it('end in exit 0, 1 or 2 with a message: never 70, never a hang', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 600 }),
        fc.constantFrom('csv', 'jsonl', 'json', 'csv.gz'),
        fc.boolean(),
        async (bytes, ext, infer) => {
          const file = `r${n++}.${ext}`;
          const content = ext === 'csv.gz' ? gzipSync(bytes) : bytes;
          await writeFile(join(dir, file), content);
          const run = infer
            ? () => runInferSchema({ data: [file] }, deps())
            : () => runValidateData({ data: [file], schema: 'schema.yml', format: 'json' }, deps());
          const outcome = await Promise.race([
            exitOf(run),
            new Promise<{ code: number; message: string }>((done) =>
              setTimeout(() => done({ code: -1, message: 'hung for 20 s' }), 20_000),
            ),
          ]);
          expect([0, 1, 2], `${file}: ${outcome.message}`).toContain(outcome.code);
          if (outcome.code === 2) expect(outcome.message.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 40 },
    );
  }, 600_000);
});
