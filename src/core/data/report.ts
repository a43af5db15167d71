import type { Block, Cell, Report, TestCase } from '../report/model.js';
import type { CheckResult } from './checks.js';
import type { ValidationResult } from './validate.js';

function fmt(value: number | null, digits = 4): string {
  if (value === null || Number.isNaN(value)) return '—';
  if (value !== 0 && (Math.abs(value) < 1e-3 || Math.abs(value) >= 1e6))
    return value.toExponential(2);
  return String(Number(value.toPrecision(digits)));
}

function checkLabel(check: CheckResult): string {
  return check.column === null ? check.name : `${check.column}: ${check.name}`;
}

/** The machine-readable contract of issue 3, merged at the top of `--format json`. */
export function validationData(result: ValidationResult): Record<string, unknown> {
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
    drift: (result.drift?.columns ?? []).map((d) => ({
      column: d.column,
      method: d.method,
      statistic: d.statistic,
      p_value: d.pValue,
      threshold: d.threshold,
      drifted: d.drifted,
      ...(d.note ? { note: d.note } : {}),
    })),
    dataset_drift: result.drift
      ? { drifted_share: result.drift.driftedShare, detected: result.drift.datasetDrift }
      : null,
    profile: result.profiles,
  };
}

export function buildValidationReport(
  result: ValidationResult,
  options: { key: string; schemaFile: string; dataLabel: string },
): Report {
  const failed = result.checks.filter((c) => c.status === 'fail');
  const warned = result.checks.filter((c) => c.status === 'warn');
  const sections: Report['sections'] = [];

  const checkRow = (c: CheckResult): Cell[] => [
    c.name,
    c.column === null ? '—' : { text: c.column, code: true },
    c.observed,
    c.expected,
    { status: c.status },
  ];
  // A reviewer looks for what failed: failures and warnings on top, passing checks folded.
  const passing = result.checks.filter((c) => c.status === 'pass');
  const checkRows = result.checks.filter((c) => c.status !== 'pass').map(checkRow);
  const checkBlocks: Block[] = [
    {
      type: 'table',
      columns: [
        { title: 'Check' },
        { title: 'Column' },
        { title: 'Observed', align: 'right' },
        { title: 'Expected' },
        { title: 'Status' },
      ],
      rows: checkRows,
      ...(passing.length > 0
        ? {
            folded: {
              summary: `${passing.length} passing check${passing.length === 1 ? '' : 's'}`,
              rows: passing.map(checkRow),
            },
          }
        : {}),
    },
  ];
  for (const check of failed) {
    if (check.samples.length === 0) continue;
    const keys = Object.keys(check.samples[0]?.values ?? {});
    checkBlocks.push({
      type: 'details',
      summary: `Failing rows of ${checkLabel(check)} (first ${check.samples.length})`,
      blocks: [
        {
          type: 'table',
          columns: [{ title: 'Line', align: 'right' }, ...keys.map((k) => ({ title: k }))],
          rows: check.samples.map((s) => [
            s.line ?? s.row,
            ...keys.map((k) => {
              const v = s.values[k];
              return v === null || v === undefined
                ? null
                : Array.isArray(v)
                  ? JSON.stringify(v)
                  : typeof v === 'string' || typeof v === 'number'
                    ? v
                    : String(v);
            }),
          ]),
        },
      ],
    });
  }
  sections.push({ title: 'Checks', blocks: checkBlocks });

  if (result.drift) {
    const drift = result.drift;
    const rows: Cell[][] = drift.columns.map((d) => [
      { text: d.column, code: true },
      // A column left out was measured by no method: a name there would read as a result.
      d.note ? '—' : d.method,
      fmt(d.statistic),
      fmt(d.pValue),
      d.note ? '—' : fmt(d.threshold),
      d.note
        ? { status: 'skip', label: d.note }
        : { status: d.drifted ? 'warn' : 'pass', label: d.drifted ? 'drifted' : 'stable' },
    ]);
    const top = drift.columns
      .filter((d) => d.statistic !== null && !isPValue(d.method))
      .sort((a, b) => (b.statistic ?? 0) - (a.statistic ?? 0))
      .slice(0, 10);
    const blocks: Block[] = [
      {
        type: 'paragraph',
        content: [
          `${(drift.driftedShare * 100).toFixed(0)}% of columns drifted; dataset drift ${drift.datasetDrift ? 'detected' : 'not detected'} (threshold 50%).`,
        ],
      },
      {
        type: 'table',
        columns: [
          { title: 'Column' },
          { title: 'Method' },
          { title: 'Statistic', align: 'right' },
          { title: 'p-value', align: 'right' },
          { title: 'Threshold', align: 'right' },
          { title: 'Status' },
        ],
        rows,
      },
    ];
    if (top.length > 0) {
      blocks.push({
        type: 'chart',
        chart: {
          title: 'Most drifted columns (distance)',
          kind: 'bar',
          xLabels: top.map((d) => d.column),
          yLabel: 'statistic',
          series: [{ name: 'statistic', values: top.map((d) => d.statistic) }],
        },
      });
    }
    sections.push({ title: 'Drift', blocks });
  }

  sections.push({
    title: 'Profile',
    blocks: [
      {
        type: 'details',
        summary: `Per-column profile (${result.columns.length} columns, ${result.rows} rows${
          result.profiles.some((p) => !p.distinctExact || (p.quantiles && !p.quantilesExact))
            ? '; ≈ marks estimates'
            : ''
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
            ].map((title) => ({ title })),
            rows: result.profiles.map((p) => [
              { text: p.column, code: true },
              p.type,
              p.count,
              p.nulls,
              p.distinctExact ? p.distinct : `≈${p.distinct}`,
              p.min,
              p.max,
              fmt(p.mean),
              ...[p.quantiles?.p25, p.quantiles?.p50, p.quantiles?.p75].map((q) =>
                q === undefined || p.quantilesExact ? fmt(q ?? null) : `≈${fmt(q)}`,
              ),
            ]),
          },
        ],
      },
    ],
  });

  const tests: TestCase[] = result.checks.map((c) => ({
    suite: 'validate-data',
    name: checkLabel(c),
    status: c.status === 'fail' ? 'fail' : 'pass',
    ...(c.status !== 'pass' ? { message: `observed ${c.observed}; expected ${c.expected}` } : {}),
    ...(c.samples.length > 0
      ? {
          detail: c.samples
            .map((s) => `line ${s.line ?? s.row}: ${JSON.stringify(s.values)}`)
            .join('\n'),
        }
      : {}),
    ...(c.place?.file ? { file: c.place.file } : {}),
  }));
  for (const d of result.drift?.columns ?? []) {
    tests.push({
      suite: 'validate-data.drift',
      name: `${d.column}: ${d.method}`,
      status: d.note ? 'skip' : 'pass',
      ...(d.drifted
        ? { message: `drifted: ${fmt(d.statistic)} (threshold ${fmt(d.threshold)})` }
        : {}),
    });
  }
  if (result.drift)
    tests.push({
      suite: 'validate-data.drift',
      name: 'dataset drift',
      status: result.drift.datasetDrift ? 'fail' : 'pass',
      ...(result.drift.datasetDrift
        ? { message: `${(result.drift.driftedShare * 100).toFixed(0)}% of columns drifted` }
        : {}),
    });

  const summary =
    result.verdict === 'pass'
      ? `${result.checks.length} checks passed on ${result.rows} rows${warned.length ? ` (${warned.length} warnings)` : ''}.`
      : `${failed.length} of ${result.checks.length} checks failed on ${result.rows} rows${result.drift?.datasetDrift ? '; dataset drift detected' : ''}.`;
  return {
    command: 'validate-data',
    key: options.key,
    title: `Data validation: ${options.dataLabel}`,
    verdict: result.verdict,
    summary,
    notes: [...failed, ...warned].map((c) => ({
      level: c.status === 'fail' ? ('error' as const) : ('warning' as const),
      text: `${checkLabel(c)}: observed ${c.observed}; expected ${c.expected}`,
      ...(c.place ? { place: c.place } : {}),
    })),
    sections,
    tests,
    measurements: [
      { name: 'sluice_data_rows', value: result.rows, help: 'Rows in the validated dataset' },
      { name: 'sluice_data_checks_failed', value: failed.length, help: 'Failed data checks' },
      ...(result.drift
        ? [
            {
              name: 'sluice_data_drift_share',
              value: result.drift.driftedShare,
              help: 'Share of drifted columns',
            },
          ]
        : []),
    ],
    outputs: {
      passed: String(result.verdict === 'pass'),
      'failed-checks': failed.map(checkLabel).join(','),
    },
    data: validationData(result),
  };
}

function isPValue(method: string): boolean {
  return method === 'ks' || method === 'chisquare';
}
