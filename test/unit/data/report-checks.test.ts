import { describe, expect, it } from 'vitest';
import { buildValidationReport, checkAnnotation } from '../../../src/core/data/report.js';
import type { ValidationResult } from '../../../src/core/data/validate.js';
import type { Block } from '../../../src/core/report/model.js';
import { renderJson } from '../../../src/core/report/render/json.js';
import { renderMarkdown } from '../../../src/core/report/render/markdown.js';
import { renderTerminal } from '../../../src/core/report/render/terminal.js';
import { check, profile, result, sample } from './report-fixtures.js';

const OPTIONS = { key: 'validate-data', schemaFile: 'schema.yml', dataLabel: 'data.csv' };
const build = (validation: ValidationResult): ReturnType<typeof buildValidationReport> =>
  buildValidationReport(validation, OPTIONS);

/** The first table inside the `Failing rows of …` details of the Checks section. */
function sampleTable(validation: ValidationResult): Extract<Block, { type: 'table' }> {
  const details = build(validation)
    .sections.find((s) => s.title === 'Checks')
    ?.blocks.find((b) => b.type === 'details');
  const table = details?.type === 'details' ? details.blocks[0] : undefined;
  if (table?.type !== 'table') throw new Error('no sample table');
  return table;
}

const FAILED = check({ status: 'fail', observed: '2 failing rows', failingRows: 2 });

describe('sample failing rows', () => {
  it('name the file of each row when the samples come from more than one file', () => {
    const table = sampleTable(
      result({
        checks: [
          {
            ...FAILED,
            samples: [
              sample({ file: '/data/multi/a.csv', line: 4 }),
              sample({ file: '/data/multi/b.csv', line: 2 }),
            ],
          },
        ],
      }),
    );
    expect(table.columns.map((c) => c.title)).toEqual(['File', 'Line', 'age']);
    expect(table.rows.map((r) => r.slice(0, 2))).toEqual([
      ['a.csv', 4],
      ['b.csv', 2],
    ]);
    const markdown = renderMarkdown(
      build(
        result({
          checks: [{ ...FAILED, samples: [sample(), sample({ file: '/data/multi/b.csv' })] }],
        }),
      ),
    );
    expect(markdown).toContain('| File | Line | age |');
  });

  it('keep the folders that tell files apart (hive partitions)', () => {
    const table = sampleTable(
      result({
        checks: [
          {
            ...FAILED,
            samples: [
              sample({ file: '/d/year=2023/part.parquet', line: null, row: 1 }),
              sample({ file: '/d/year=2024/part.parquet', line: null, row: 7 }),
            ],
          },
        ],
      }),
    );
    expect(table.rows.map((r) => r[0])).toEqual([
      'year=2023/part.parquet',
      'year=2024/part.parquet',
    ]);
  });

  it('leave the file out when every sample comes from one file', () => {
    const table = sampleTable(
      result({ checks: [{ ...FAILED, samples: [sample(), sample({ line: 9 })] }] }),
    );
    expect(table.columns.map((c) => c.title)).toEqual(['Line', 'age']);
  });

  it('label row numbers "Row" where the format has no lines (Parquet)', () => {
    const table = sampleTable(
      result({
        checks: [{ ...FAILED, samples: [sample({ line: null, row: 12, file: '/d/x.parquet' })] }],
      }),
    );
    expect(table.columns.map((c) => c.title)).toEqual(['Row', 'age']);
    expect(table.rows[0]?.[0]).toBe(12);
    const detail = build(
      result({
        checks: [{ ...FAILED, samples: [sample({ line: null, row: 12, file: '/d/x.parquet' })] }],
      }),
    ).tests[0]?.detail;
    expect(detail).toBe('row 12: {"age":150}');
  });
});

describe('annotations', () => {
  it('name a table-level check once', () => {
    expect(
      checkAnnotation(
        check({
          name: 'no_extra_columns',
          column: null,
          status: 'fail',
          observed: 'price',
          expected: 'only schema columns (strict)',
        }),
      ),
    ).toBe('no_extra_columns failed: observed price; expected only schema columns (strict)');
    expect(
      checkAnnotation(
        check({
          name: 'positive_price',
          column: null,
          status: 'fail',
          observed: '1 failing row',
          expected: '≤ 0',
        }),
      ),
    ).toBe('positive_price failed: observed 1 failing row; expected ≤ 0');
  });

  it('name a column check by its column and kind', () => {
    expect(checkAnnotation(FAILED)).toBe(
      'column `age` range failed: observed 2 failing rows; expected ≥ 0 and ≤ 120',
    );
    expect(checkAnnotation({ ...FAILED, status: 'warn' })).toBe(
      'column `age` range: observed 2 failing rows; expected ≥ 0 and ≤ 120',
    );
  });
});

describe('each failure shown once', () => {
  it('puts failed checks in the table only, not again as notes above it', () => {
    const report = build(result({ checks: [FAILED, check({ name: 'not_null' })] }));
    expect(report.notes).toEqual([]);
    const text = renderTerminal(report);
    expect(text).not.toMatch(/^error:/m);
    expect(text.match(/2 failing rows/g)).toHaveLength(1);
  });
});

describe('summary wording', () => {
  it('does not count warnings as passed', () => {
    const report = build(
      result({
        checks: [check(), check({ name: 'not_null' }), check({ name: 'unique', status: 'warn' })],
      }),
    );
    expect(report.summary).toBe('2 checks passed, 1 warning, on 4 rows.');
  });

  it('agrees in number', () => {
    expect(build(result({ rows: 1, checks: [check()] })).summary).toBe('1 check passed on 1 row.');
    expect(
      build(result({ checks: [FAILED, check({ status: 'warn' }), check({ status: 'warn' })] }))
        .summary,
    ).toBe('1 of 3 checks failed, 2 warnings, on 4 rows.');
    const profileSummary = build(result({ rows: 1 })).sections.find((s) => s.title === 'Profile')
      ?.blocks[0];
    expect(profileSummary?.type === 'details' ? profileSummary.summary : '').toBe(
      'Per-column profile (1 column, 1 row)',
    );
  });
});

describe('profile', () => {
  it('shows the mean with enough digits', () => {
    const text = renderTerminal(build(result({ profiles: [profile({ mean: 2023.5 })] })));
    expect(text).toMatch(/ 2023\.5(\s|$)/m);
    const big = renderTerminal(build(result({ profiles: [profile({ mean: 1234567.25 })] })));
    expect(big).toMatch(/ 1234567(\s|$)/m);
  });

  it('never shows more distinct values than non-null values', () => {
    const report = build(
      result({ profiles: [profile({ count: 4, distinct: 5, distinctExact: false })] }),
    );
    const text = renderTerminal(report);
    expect(text).toContain('≈4');
    expect(text).not.toContain('≈5');
  });

  it('writes snake_case keys and numeric min/max as numbers in the JSON', () => {
    const validation = result({
      columns: [
        { name: 'age', type: 'BIGINT', family: 'integer' },
        { name: 'price', type: 'DOUBLE', family: 'float' },
        { name: 'when', type: 'TIMESTAMP', family: 'timestamp' },
        { name: 'huge', type: 'HUGEINT', family: 'integer' },
      ],
      profiles: [
        profile(),
        profile({ column: 'price', type: 'DOUBLE', min: '-0.5', max: 'inf' }),
        profile({
          column: 'when',
          type: 'TIMESTAMP',
          min: '2024-01-01 00:00:00',
          max: '2024-02-01 00:00:00',
          mean: null,
        }),
        profile({
          column: 'huge',
          type: 'HUGEINT',
          min: '1',
          max: '170141183460469231731687303715884105727',
        }),
      ],
    });
    const document = JSON.parse(renderJson(build(validation))) as {
      profile: Record<string, unknown>[];
    };
    const [age, price, when, huge] = document.profile;
    expect(Object.keys(age ?? {})).toEqual([
      'column',
      'type',
      'count',
      'nulls',
      'distinct',
      'distinct_exact',
      'min',
      'max',
      'mean',
      'quantiles',
      'quantiles_exact',
    ]);
    expect([age?.['min'], age?.['max']]).toEqual([1, 150]);
    // A JSON number cannot hold ±inf, nor an integer beyond 2^53 exactly: those stay as written.
    expect([price?.['min'], price?.['max']]).toEqual([-0.5, 'inf']);
    expect([when?.['min'], when?.['max']]).toEqual(['2024-01-01 00:00:00', '2024-02-01 00:00:00']);
    expect(huge?.['max']).toBe('170141183460469231731687303715884105727');
  });
});
