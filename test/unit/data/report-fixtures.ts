import type { CheckResult, SampleRow } from '../../../src/core/data/checks.js';
import type { DriftColumnResult, DriftSummary } from '../../../src/core/data/drift/run.js';
import type { ColumnProfile } from '../../../src/core/data/profile.js';
import type { ValidationResult } from '../../../src/core/data/validate.js';

/** Validation results built by hand, so the report layer is tested without DuckDB. */

export function check(overrides: Partial<CheckResult> = {}): CheckResult {
  return {
    name: 'range',
    column: 'age',
    status: 'pass',
    observed: '0 failing rows',
    expected: '≥ 0 and ≤ 120',
    failingRows: 0,
    samples: [],
    place: { file: 'schema.yml', line: 3, column: 5 },
    ...overrides,
  };
}

export function sample(overrides: Partial<SampleRow> = {}): SampleRow {
  return { line: 4, row: 3, file: '/data/multi/a.csv', values: { age: 150 }, ...overrides };
}

export function profile(overrides: Partial<ColumnProfile> = {}): ColumnProfile {
  return {
    column: 'age',
    type: 'BIGINT',
    count: 4,
    nulls: 0,
    distinct: 4,
    distinctExact: true,
    min: '1',
    max: '150',
    mean: 2023.5,
    quantiles: null,
    quantilesExact: true,
    ...overrides,
  };
}

export function driftColumn(overrides: Partial<DriftColumnResult> = {}): DriftColumnResult {
  return {
    column: 'x',
    method: 'ks',
    statistic: 0.2,
    pValue: 0.001,
    threshold: 0.05,
    drifted: true,
    effect: 0.2,
    ...overrides,
  };
}

export function drift(columns: DriftColumnResult[]): DriftSummary {
  const measured = columns.filter((c) => c.note === undefined && c.statistic !== null);
  const share =
    measured.length === 0 ? 0 : measured.filter((c) => c.drifted).length / measured.length;
  return { columns, driftedShare: share, datasetDrift: measured.length > 0 && share >= 0.5 };
}

export function result(overrides: Partial<ValidationResult> = {}): ValidationResult {
  const base: ValidationResult = {
    verdict: 'pass',
    rows: 4,
    columns: [{ name: 'age', type: 'BIGINT', family: 'integer' }],
    checks: [check()],
    profiles: [profile()],
    drift: null,
    scanMs: 10,
  };
  const merged = { ...base, ...overrides };
  if (overrides.verdict === undefined)
    merged.verdict =
      merged.checks.some((c) => c.status === 'fail') || merged.drift?.datasetDrift === true
        ? 'fail'
        : 'pass';
  return merged;
}
