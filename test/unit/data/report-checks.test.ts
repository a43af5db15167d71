import { describe, expect, it } from 'vitest';
import { buildValidationReport, checkAnnotation } from '../../../src/core/data/report.js';
import type { ValidationResult } from '../../../src/core/data/validate.js';
import type { Block } from '../../../src/core/report/model.js';
import { renderJson } from '../../../src/core/report/render/json.js';
import { renderMarkdown } from '../../../src/core/report/render/markdown.js';
import { renderOpenMetrics } from '../../../src/core/report/render/openmetrics.js';
import { renderTerminal } from '../../../src/core/report/render/terminal.js';
import { displayWidth } from '../../../src/core/report/text-width.js';
import { check, drift, driftColumn, profile, result, sample } from './report-fixtures.js';

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
      'non_finite',
    ]);
    expect([age?.['min'], age?.['max']]).toEqual([1, 150]);
    // A JSON number cannot hold ±inf (null, flagged), nor an integer beyond 2^53 exactly (as written).
    expect([price?.['min'], price?.['max'], price?.['non_finite']]).toEqual([-0.5, null, true]);
    expect(age?.['non_finite']).toBe(false);
    expect([when?.['min'], when?.['max']]).toEqual(['2024-01-01 00:00:00', '2024-02-01 00:00:00']);
    expect(huge?.['max']).toBe('170141183460469231731687303715884105727');
  });
});

describe('non-finite profile values in the JSON', () => {
  it('are null with non_finite set, never the strings "nan", "NaN" or "Infinity"', () => {
    const validation = result({
      columns: [{ name: 'p', type: 'DOUBLE', family: 'float' }],
      profiles: [
        profile({
          column: 'p',
          type: 'DOUBLE',
          min: '-inf',
          max: 'nan',
          mean: Number.NaN,
          quantiles: { p05: 0.5, p25: 0.5, p50: 1, p75: Infinity, p95: Infinity },
          quantilesExact: false,
        }),
      ],
    });
    const text = renderJson(build(validation));
    const [p] = (JSON.parse(text) as { profile: Record<string, unknown>[] }).profile;
    expect(p).toMatchObject({
      min: null,
      max: null,
      mean: null,
      quantiles: { p05: 0.5, p25: 0.5, p50: 1, p75: null, p95: null },
      non_finite: true,
    });
    const profileText = JSON.stringify(p);
    expect(profileText).not.toMatch(/"(nan|NaN|-?inf|-?Infinity)"/);
  });

  it('leaves an all-null column null without calling it non-finite', () => {
    const validation = result({
      columns: [{ name: 'p', type: 'DOUBLE', family: 'float' }],
      profiles: [
        profile({
          column: 'p',
          type: 'DOUBLE',
          count: 0,
          nulls: 4,
          min: null,
          max: null,
          mean: null,
        }),
      ],
    });
    const [p] = (
      JSON.parse(renderJson(build(validation))) as { profile: Record<string, unknown>[] }
    ).profile;
    expect(p).toMatchObject({ min: null, max: null, mean: null, non_finite: false });
  });
});

describe('sample values', () => {
  it('show exactly as the data holds them, never rounded to 6 digits', () => {
    const validation = result({
      columns: [
        { name: 'id', type: 'BIGINT', family: 'integer' },
        { name: 'amount', type: 'DOUBLE', family: 'float' },
      ],
      checks: [
        {
          ...FAILED,
          column: 'amount',
          samples: [
            sample({ line: 2, values: { id: 1, amount: 95000.004 } }),
            sample({ line: 4, values: { id: 3, amount: 1234567.25 } }),
            sample({
              line: 5,
              values: { id: '170141183460469231731687303715884105727', amount: 0.1 + 0.2 },
            }),
          ],
        },
      ],
    });
    for (const text of [renderTerminal(build(validation)), renderMarkdown(build(validation))]) {
      expect(text).toContain('95000.004');
      expect(text).toContain('1234567.25');
      expect(text).not.toContain('1234570');
      expect(text).toContain('170141183460469231731687303715884105727');
      expect(text).toContain('0.30000000000000004');
    }
  });
});

describe('sample files of a dataset of several files', () => {
  const oneFileFails = result({
    checks: [
      {
        ...FAILED,
        samples: [
          sample({ file: '/d/year=2024/part-0.parquet', line: null, row: 3 }),
          sample({ file: '/d/year=2024/part-0.parquet', line: null, row: 9 }),
        ],
      },
    ],
  });
  const tableOf = (dataPaths: string[]): Extract<Block, { type: 'table' }> => {
    const details = buildValidationReport(oneFileFails, { ...OPTIONS, dataPaths })
      .sections.find((s) => s.title === 'Checks')
      ?.blocks.find((b) => b.type === 'details');
    const table = details?.type === 'details' ? details.blocks[0] : undefined;
    if (table?.type !== 'table') throw new Error('no sample table');
    return table;
  };

  it('name the file even when every failing row sits in one of them', () => {
    // A folder or glob: the name is relative to the dataset's folder, partitions kept.
    const globbed = tableOf(['/d/**/*.parquet']);
    expect(globbed.columns.map((c) => c.title)).toEqual(['File', 'Row', 'age']);
    expect(globbed.rows.map((r) => r[0])).toEqual([
      'year=2024/part-0.parquet',
      'year=2024/part-0.parquet',
    ]);
    // Several paths.
    const listed = tableOf(['/d/year=2023/part-0.parquet', '/d/year=2024/part-0.parquet']);
    expect(listed.rows.map((r) => r[0])).toEqual([
      'year=2024/part-0.parquet',
      'year=2024/part-0.parquet',
    ]);
    expect(build(oneFileFails).tests[0]?.detail).toBe('row 3: {"age":150}\nrow 9: {"age":150}');
    expect(
      buildValidationReport(oneFileFails, { ...OPTIONS, dataPaths: ['/d/**/*.parquet'] }).tests[0]
        ?.detail,
    ).toBe(
      'year=2024/part-0.parquet row 3: {"age":150}\nyear=2024/part-0.parquet row 9: {"age":150}',
    );
  });

  it('leave the file out for a dataset of one file', () => {
    expect(tableOf(['/d/year=2024/part-0.parquet']).columns.map((c) => c.title)).toEqual([
      'Row',
      'age',
    ]);
  });
});

describe('OpenMetrics', () => {
  it('names the data measurements sluice_data_*, with the prefix once', () => {
    const text = renderOpenMetrics(
      build(result({ checks: [FAILED], drift: drift([driftColumn()]) })),
    );
    expect(text).toContain('sluice_data_rows 4');
    expect(text).toContain('sluice_data_checks_failed 1');
    expect(text).toContain('sluice_data_drift_share 1');
    expect(text).not.toContain('sluice_sluice');
  });
});

describe('at 80 terminal columns', () => {
  const wide = result({
    rows: 1000,
    columns: [
      { name: 'signup_ts', type: 'TIMESTAMP', family: 'timestamp' },
      { name: 'income', type: 'DOUBLE', family: 'float' },
    ],
    checks: [
      {
        ...FAILED,
        name: 'allowed',
        column: 'country_of_residence',
        observed: '120 failing rows (values XX, YY, ZZ)',
        expected: 'one of United States, Germany, France, Netherlands, Belgium',
        place: { file: 'schemas/credit-applications.yml', line: 12 },
        samples: [
          sample({
            line: 2,
            values: {
              id: 1,
              country_of_residence: 'XX',
              income: 95000.004,
              signup_ts: '2024-01-01 00:00:00',
              note: 'a rather long free-text note about this applicant',
            },
          }),
        ],
      },
    ],
    profiles: [
      profile({
        column: 'signup_ts',
        type: 'TIMESTAMP',
        min: '2024-01-01 00:00:00',
        max: '2025-12-31 23:59:59',
        mean: null,
      }),
      profile({
        column: 'income',
        type: 'DOUBLE',
        distinct: 977,
        count: 1000,
        min: '12.5',
        max: '1234567.25',
        mean: 443193.25,
        quantiles: { p05: 100.5, p25: 47506.3125, p50: 95000, p75: 664784.125, p95: 1000000.5 },
      }),
    ],
  });
  const lines = renderTerminal(build(wide), { width: 80 }).split('\n');

  it('fits every table line, without wrapping', () => {
    for (const line of lines)
      if (line.startsWith('  ')) expect(displayWidth(line)).toBeLessThanOrEqual(80);
  });

  it('leaves the quantiles, mean and type out before cutting min and max, and says so', () => {
    const profileText = lines.slice(lines.findIndex((l) => l.includes('Per-column profile')));
    expect(profileText.join('\n')).toContain('2025-12-31 23:59:59');
    expect(profileText.join('\n')).toContain('1234567.25');
    expect(profileText[1]).toMatch(/Distinct/);
    expect(profileText[1]).not.toMatch(/p25|p50|p75/);
    expect(profileText.join('\n')).toContain(
      '… not shown at 80 columns: Type, Mean, p25, p50, p75 (see --format markdown)',
    );
  });

  it('keeps the checked column of a sample row and leaves the others out first', () => {
    const start = lines.findIndex((l) => l.includes('Failing rows of'));
    expect(lines[start + 1]).toMatch(/Line {2}.*country_of_residence/);
    expect(lines[start + 3]).toContain('XX');
    expect(lines[start + 1]).not.toContain('note');
  });

  it('has no limit when no width is given', () => {
    const unlimited = renderTerminal(build(wide));
    expect(unlimited).toContain('p75');
    expect(unlimited).toContain('a rather long free-text note about this applicant');
  });
});
