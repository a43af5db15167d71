import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { UsageError } from '../../../src/core/errors.js';
import { parseDuration, parseSchema } from '../../../src/core/data/schema.js';
import { planChecks } from '../../../src/core/data/plan-checks.js';

const resolvePath = (dir: string, path: string): string => join('/abs', dir, path);

describe('schema parsing', () => {
  it('reads the drift effect-size floor, a fraction', () => {
    const schema = parseSchema(
      'columns: {}\ndrift:\n  method: ks\n  min_effect: 0.2\n',
      'schema.yml',
      resolvePath,
    );
    expect(schema.drift?.minEffect).toBe(0.2);
    expect(() =>
      parseSchema('columns: {}\ndrift: { min_effect: 2 }\n', 'schema.yml', resolvePath),
    ).toThrow(/drift.min_effect/);
  });

  it('reads columns, table rules, checks and drift; resolves the reference beside the schema', () => {
    const schema = parseSchema(
      `columns:\n  age: { type: integer, nullable: false, min: 0, max: 120 }\n  signup: { type: timestamp, max_age: 7d }\nstrict: false\nrows: { min: 10 }\nduplicates: { max_fraction: 0.01 }\nchecks:\n  - name: p\n    sql: price >= 0\ndrift:\n  reference: ref/data.parquet\n  method: psi\n  threshold: 0.2\n`,
      'conf/schema.yml',
      resolvePath,
    );
    expect(schema.columns.map((c) => c.name)).toEqual(['age', 'signup']);
    expect(schema.columns[0]).toMatchObject({ type: 'integer', nullable: false, min: 0, max: 120 });
    expect(schema.columns[1]?.maxAge?.seconds).toBe(7 * 86_400);
    expect(schema.columns[0]?.keyPlaces['max']).toMatchObject({ file: 'conf/schema.yml', line: 2 });
    expect(schema).toMatchObject({
      strict: false,
      rows: { min: 10 },
      duplicates: { maxFraction: 0.01 },
    });
    expect(schema.checks[0]).toMatchObject({
      name: 'p',
      sql: 'price >= 0',
      maxFailures: 0,
      place: { line: 8 },
    });
    expect(schema.drift).toMatchObject({
      reference: '/abs/conf/ref/data.parquet',
      method: 'psi',
      threshold: 0.2,
    });
  });

  it.each([
    ['columns:\n  a: { typ: integer }\n', 2, 'columns.a.typ', 'type, nullable'],
    ['columns: {}\nstrictt: true\n', 2, 'strictt', 'columns, strict'],
    ['columns: {}\ndrift: { method: magic }\n', 2, 'drift.method', undefined],
    ['columns:\n  a: { type: int }\n', 2, 'columns.a.type', undefined],
    ['columns:\n  a: { max_age: soon }\n', 2, 'columns.a.max_age', undefined],
  ])('rejects %j at its line', (text, line, key, hint) => {
    let error: unknown;
    try {
      parseSchema(text, 's.yml', resolvePath);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).place).toMatchObject({ file: 's.yml', line, key });
    if (hint) expect((error as UsageError).hint).toContain(hint);
  });

  it('parses durations', () => {
    expect(parseDuration('12h')).toBe(43_200);
    expect(parseDuration('2w')).toBe(1_209_600);
    expect(parseDuration('7 days')).toBeUndefined();
  });
});

describe('check compilation', () => {
  it('compiles column rules to aggregates over one scan and flags missing columns statically', () => {
    const schema = parseSchema(
      `columns:\n  age: { type: integer, min: 0, max: 120 }\n  'we"ird': { allowed: [a, b], pattern: '^x' }\n  gone: { type: string }\n`,
      's.yml',
      resolvePath,
    );
    const plan = planChecks(
      schema,
      [
        { name: 'age', type: 'BIGINT', family: 'integer' },
        { name: 'we"ird', type: 'VARCHAR', family: 'string' },
      ],
      0,
    );
    const sql = plan.planned.flatMap((p) => Object.values(p.aggregates)).join('\n');
    // Each bound counted on its own: a failure names the bound crossed.
    expect(sql).toContain('count(*) FILTER (WHERE "age" < 0)');
    expect(sql).toContain('count(*) FILTER (WHERE "age" > 120)');
    expect(sql).toContain(`CAST("we""ird" AS VARCHAR) NOT IN ('a', 'b')`);
    expect(sql).toContain(`regexp_matches(CAST("we""ird" AS VARCHAR), '^x')`);
    expect(plan.static.find((c) => c.column === 'gone')).toMatchObject({
      name: 'present',
      status: 'fail',
    });
    expect(plan.static.find((c) => c.column === 'age' && c.name === 'type')?.status).toBe('pass');
  });

  it('points the strict check at the `strict` line, or at `columns` when strict is the default', () => {
    const columns = [
      { name: 'a', type: 'BIGINT', family: 'integer' as const },
      { name: 'extra', type: 'BIGINT', family: 'integer' as const },
    ];
    const strictCheck = (yaml: string) =>
      planChecks(parseSchema(yaml, 's.yml', resolvePath), columns, 0).static.find(
        (c) => c.name === 'no_extra_columns',
      );
    expect(
      strictCheck('columns:\n  a: {type: integer}\nrows: {min: 1}\nstrict: true\n'),
    ).toMatchObject({
      status: 'fail',
      place: { file: 's.yml', line: 4 },
    });
    expect(strictCheck('rows: {min: 1}\ncolumns:\n  a: {type: integer}\n')?.place).toMatchObject({
      line: 2,
    });
    expect(strictCheck('columns:\n  a: {type: integer}\nstrict: false\n')).toMatchObject({
      status: 'warn',
      place: { line: 3 },
    });
  });

  it('names at most 20 extra columns and counts the rest', () => {
    const columns = Array.from({ length: 65 }, (_, i) => ({
      name: `c${i}`,
      type: 'BIGINT',
      family: 'integer' as const,
    }));
    const schema = parseSchema('columns:\n  c0: {type: integer}\n', 's.yml', resolvePath);
    const extra = planChecks(schema, columns, 0).static.find((c) => c.name === 'no_extra_columns');
    expect(extra?.observed).toBe(
      `${Array.from({ length: 20 }, (_, i) => `c${i + 1}`).join(', ')} and 44 more`,
    );
  });
});
