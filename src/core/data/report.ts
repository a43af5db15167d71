import type { Block, Cell, Report, TestCase } from '../report/model.js';
import type { CheckResult, DataColumn, SampleRow } from './checks.js';
import type { ColumnProfile } from './profile.js';
import type { ValidationResult } from './validate.js';
import { DEFAULT_MIN_EFFECT } from './drift/run.js';
import { driftBlocks, driftJson, driftTests } from './report-drift.js';
import { dataFolder, isMultiFile, profileNumber, shortFileNames } from './report-text.js';
import { plural } from '../text/plural.js';
import { pushAll } from '../arrays.js';

const OPTIONAL_PROFILE = new Set(['Type', 'Mean', 'p25', 'p50', 'p75']);

function checkLabel(check: CheckResult): string {
  return check.column === null ? check.name : `${check.column}: ${check.name}`;
}

/**
 * A profile in the JSON contract's snake_case: numeric min/max, mean and quantiles as numbers or
 * null, never the strings "nan", "NaN" or "Infinity" (like the drift rows). A value that is not a
 * finite number (the column holds NaN or ±inf) is null, and `non_finite` says so, so it does not
 * read as an empty column. Integers beyond 2^53 stay strings: a JSON number would change them.
 */
function profileJson(
  profile: ColumnProfile,
  column: DataColumn | undefined,
): Record<string, unknown> {
  const numeric = column?.family === 'integer' || column?.family === 'float';
  let nonFinite = false;
  const finite = (value: number | null): number | null => {
    if (value === null) return null;
    if (Number.isFinite(value)) return value;
    nonFinite = true;
    return null;
  };
  const bound = (value: string | null): string | number | null => {
    if (value === null || !numeric) return value;
    const number = Number(value);
    if (Number.isNaN(number) && !/^[+-]?(nan|inf|infinity)$/i.test(value.trim())) return value;
    if (column?.family === 'integer' && Number.isFinite(number) && !Number.isSafeInteger(number))
      return value;
    return finite(number);
  };
  const quantiles = profile.quantiles
    ? {
        p05: finite(profile.quantiles.p05),
        p25: finite(profile.quantiles.p25),
        p50: finite(profile.quantiles.p50),
        p75: finite(profile.quantiles.p75),
        p95: finite(profile.quantiles.p95),
      }
    : null;
  return {
    column: profile.column,
    type: profile.type,
    count: profile.count,
    nulls: profile.nulls,
    // An estimate can overshoot: never more distinct values than non-null ones.
    distinct: Math.min(profile.distinct, profile.count),
    distinct_exact: profile.distinctExact,
    min: bound(profile.min),
    max: bound(profile.max),
    mean: finite(profile.mean),
    quantiles,
    quantiles_exact: profile.quantilesExact,
    non_finite: nonFinite,
  };
}

/** The machine-readable contract of issue 3, merged at the top of `--format json`. */
function validationData(result: ValidationResult): Record<string, unknown> {
  return {
    verdict: result.verdict,
    rows: result.rows,
    checks: result.checks.map((c) => ({
      name: c.name,
      column: c.column,
      status: c.status,
      observed: c.observed,
      expected: c.expected,
      failing_rows: c.failingRows,
      samples: c.samples,
    })),
    drift: driftJson(result.drift),
    dataset_drift: result.drift
      ? { drifted_share: result.drift.driftedShare, detected: result.drift.datasetDrift }
      : null,
    profile: result.profiles.map((p) =>
      profileJson(
        p,
        result.columns.find((c) => c.name === p.column),
      ),
    ),
  };
}

/**
 * One sample value as a table cell, exactly as the data holds it: a number in its shortest
 * round-trip form (a raw number cell would be rounded to 6 digits, so 1234567.25 would read
 * 1234570, a value not in the data), big integers as the engine's text.
 */
function sampleCell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'bigint')
    return { text: String(value), align: 'right' };
  return typeof value === 'string' ? value : String(value);
}

/** Where a sample row sits: `Line` in files that have lines (CSV, JSON lines), else `Row`. */
function positionTitle(samples: readonly SampleRow[]): 'Line' | 'Row' {
  return samples.some((s) => s.line !== null) ? 'Line' : 'Row';
}

function samplesBlock(check: CheckResult, files: Map<string, string> | undefined): Block {
  const keys = Object.keys(check.samples[0]?.values ?? {});
  return {
    type: 'details',
    summary: `Failing rows of ${checkLabel(check)} (first ${check.samples.length})`,
    blocks: [
      {
        type: 'table',
        columns: [
          ...(files ? [{ title: 'File' }] : []),
          { title: positionTitle(check.samples), align: 'right' as const },
          // A narrow terminal keeps the checked column and leaves out the others first.
          ...keys.map((k) => ({
            title: k,
            ...(check.column !== null && k !== check.column ? { optional: true } : {}),
          })),
        ],
        rows: check.samples.map((s) => [
          ...(files ? [s.file === null ? null : (files.get(s.file) ?? s.file)] : []),
          s.line ?? s.row,
          ...keys.map((k) => sampleCell(s.values[k])),
        ]),
      },
    ],
  };
}

/** `file a.csv line 3`, `row 12`: a sample row's place in words (JUnit bodies). */
function samplePlace(s: SampleRow, files: Map<string, string> | undefined): string {
  const where = s.line !== null ? `line ${s.line}` : `row ${s.row ?? '?'}`;
  return files && s.file !== null ? `${files.get(s.file) ?? s.file} ${where}` : where;
}

/** Annotation text: says what failed once (`column \`age\` range failed: …`). */
export function checkAnnotation(check: CheckResult): string {
  const what = check.column === null ? check.name : `column \`${check.column}\` ${check.name}`;
  const verb = check.status === 'fail' ? ' failed' : '';
  return `${what}${verb}: observed ${check.observed}; expected ${check.expected}`;
}

export function buildValidationReport(
  result: ValidationResult,
  options: {
    key: string;
    schemaFile: string;
    dataLabel: string;
    minEffect?: number;
    /** The dataset's paths or globs (DataSource.paths): several files name each sample's file. */
    dataPaths?: readonly string[];
  },
): Report {
  const failed = result.checks.filter((c) => c.status === 'fail');
  const minEffect = options.minEffect ?? DEFAULT_MIN_EFFECT;
  const files = sampleFileNames(result.checks, options.dataPaths);
  const sections: Report['sections'] = [{ title: 'Checks', blocks: checkBlocks(result, files) }];
  if (result.drift) sections.push({ title: 'Drift', blocks: driftBlocks(result.drift, minEffect) });
  sections.push(profileSection(result));
  const tests = checkTests(result.checks, files);
  if (result.drift) pushAll(tests, driftTests(result.drift, minEffect));
  return {
    command: 'validate-data',
    key: options.key,
    title: `Data validation: ${options.dataLabel}`,
    verdict: result.verdict,
    summary: summaryLine(result),
    // Each failed or warned check is a row of the checks table (and an annotation on the
    // forge): a note per check would show every failure twice.
    notes: [],
    sections,
    tests,
    measurements: measurements(result, failed.length),
    outputs: {
      passed: String(result.verdict === 'pass'),
      'failed-checks': failed.map(checkLabel).join(','),
    },
    data: validationData(result),
  };
}

/**
 * Short names for the files sample rows come from, when the dataset is several files;
 * undefined when it is one (its samples need no file name).
 */
function sampleFileNames(
  checks: readonly CheckResult[],
  dataPaths: readonly string[] | undefined,
): Map<string, string> | undefined {
  // Samples of a dataset of several files name their file, even when the few failing rows
  // all sit in one of them: the reader must know which one to open.
  const sampleFiles = [
    ...new Set(checks.flatMap((c) => c.samples.map((s) => s.file)).filter((f) => f !== null)),
  ];
  const multiFile = dataPaths ? isMultiFile(dataPaths) : sampleFiles.length > 1;
  return multiFile && sampleFiles.length > 0
    ? shortFileNames(sampleFiles, (dataPaths ?? []).map(dataFolder))
    : undefined;
}

/** The checks table (failures and warnings on top, passing ones folded), then failing samples. */
function checkBlocks(result: ValidationResult, files: Map<string, string> | undefined): Block[] {
  const passing = result.checks.filter((c) => c.status === 'pass');
  const checkRow = (c: CheckResult): Cell[] => [
    c.name,
    c.column === null ? '—' : { text: c.column, code: true },
    c.observed,
    c.expected,
    { status: c.status },
    // Where the rule is written: the terminal has no annotations to point there.
    c.place?.file !== undefined && c.place.line !== undefined
      ? { text: `${c.place.file}:${c.place.line}`, code: true }
      : '—',
  ];
  // A reviewer looks for what failed: failures and warnings on top, passing checks folded.
  const blocks: Block[] = [
    {
      type: 'table',
      columns: [
        { title: 'Check' },
        { title: 'Column' },
        { title: 'Observed', align: 'right' },
        { title: 'Expected' },
        { title: 'Status' },
        // The check's name and column say which rule; where it is written is a detail.
        { title: 'Rule', optional: true },
      ],
      rows: result.checks.filter((c) => c.status !== 'pass').map(checkRow),
      ...(passing.length > 0
        ? {
            folded: {
              summary: plural(passing.length, 'passing check'),
              rows: passing.map(checkRow),
            },
          }
        : {}),
    },
  ];
  for (const check of result.checks)
    if (check.status === 'fail' && check.samples.length > 0)
      blocks.push(samplesBlock(check, files));
  return blocks;
}

/** The per-column profile, folded. */
function profileSection(result: ValidationResult): Report['sections'][number] {
  const estimated = result.profiles.some(
    (p) => !p.distinctExact || (p.quantiles && !p.quantilesExact),
  );
  return {
    title: 'Profile',
    blocks: [
      {
        type: 'details',
        summary: `Per-column profile (${plural(result.columns.length, 'column')}, ${plural(result.rows, 'row')}${
          estimated ? '; ≈ marks estimates' : ''
        })`,
        blocks: [
          {
            type: 'table',
            columns: [
              'Column',
              'Type',
              'Count',
              'Nulls',
              // ≈ marks DuckDB's estimate, on data too large to count exactly.
              'Distinct',
              'Min',
              'Max',
              'Mean',
              'p25',
              'p50',
              'p75',
              // A narrow terminal leaves these out (quantiles first, type last) before it cuts
              // a min or max, which a reader compares against the schema's limits.
            ].map((title) => ({
              title,
              ...(OPTIONAL_PROFILE.has(title) ? { optional: true } : {}),
            })),
            rows: result.profiles.map((p) => {
              // An estimate can overshoot: never more distinct values than non-null ones.
              const distinct = Math.min(p.distinct, p.count);
              return [
                { text: p.column, code: true },
                p.type,
                p.count,
                p.nulls,
                p.distinctExact ? distinct : `≈${distinct}`,
                p.min,
                p.max,
                profileNumber(p.mean),
                ...[p.quantiles?.p25, p.quantiles?.p50, p.quantiles?.p75].map((q) =>
                  q === undefined || p.quantilesExact
                    ? profileNumber(q ?? null)
                    : `≈${profileNumber(q)}`,
                ),
              ];
            }),
          },
        ],
      },
    ],
  };
}

/** One test case per check (JUnit); its failing samples in the case's body. */
function checkTests(
  checks: readonly CheckResult[],
  files: Map<string, string> | undefined,
): TestCase[] {
  return checks.map((c) => ({
    suite: 'validate-data',
    name: checkLabel(c),
    // A warning does not fail the run: it passes, with its text in the case's output.
    status: c.status === 'fail' ? 'fail' : 'pass',
    ...(c.status !== 'pass'
      ? {
          message: `${c.status === 'warn' ? 'warning: ' : ''}observed ${c.observed}; expected ${c.expected}`,
        }
      : {}),
    ...(c.samples.length > 0
      ? {
          detail: c.samples
            .map((s) => `${samplePlace(s, files)}: ${JSON.stringify(s.values)}`)
            .join('\n'),
        }
      : {}),
    ...(c.place?.file ? { file: c.place.file } : {}),
  }));
}

/** `2 checks passed on 3 rows`; with warnings `2 checks passed, 1 warning, on 3 rows`. */
function summaryLine(result: ValidationResult): string {
  const failed = result.checks.filter((c) => c.status === 'fail').length;
  const warned = result.checks.filter((c) => c.status === 'warn').length;
  const passing = result.checks.filter((c) => c.status === 'pass').length;
  const onRows =
    warned > 0
      ? `, ${plural(warned, 'warning')}, on ${plural(result.rows, 'row')}`
      : ` on ${plural(result.rows, 'row')}`;
  return result.verdict === 'pass'
    ? `${plural(passing, 'check')} passed${onRows}.`
    : `${failed} of ${plural(result.checks.length, 'check')} failed${onRows}${result.drift?.datasetDrift ? '; dataset drift detected' : ''}.`;
}

/** The OpenMetrics renderer puts `sluice_` in front of every name. */
function measurements(result: ValidationResult, failed: number): Report['measurements'] {
  return [
    { name: 'data_rows', value: result.rows, help: 'Rows in the validated dataset' },
    { name: 'data_checks_failed', value: failed, help: 'Failed data checks' },
    ...(result.drift
      ? [
          {
            name: 'data_drift_share',
            value: result.drift.driftedShare,
            help: 'Share of drifted columns',
          },
        ]
      : []),
  ];
}
