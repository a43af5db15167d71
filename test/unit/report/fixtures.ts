import type { Block, Cell, Report } from '../../../src/core/report/model.js';

export const COLUMNS: Extract<Block, { type: 'table' }>['columns'] = [
  { title: 'Metric' },
  { title: 'Baseline', align: 'right' },
  { title: 'Candidate', align: 'right' },
  { title: 'Δ', align: 'right' },
  { title: 'Status' },
  { title: 'Rule' },
];

export function metricRow(
  name: string,
  baseline: Cell,
  candidate: Cell,
  delta: Cell,
  status: Cell,
  rule: Cell = null,
): Cell[] {
  return [{ text: name, code: true }, baseline, candidate, delta, status, rule];
}

/** A quality-gate-like report: two metrics files, every row status, a note and a chart. */
export function qualityGateReport(): Report {
  return {
    command: 'quality-gate',
    key: 'quality-gate',
    title: 'Quality gate',
    verdict: 'fail',
    summary: '1 of 6 metrics regressed against main (merge base a1b2c3d).',
    notes: [
      {
        level: 'warning',
        text: 'eval/extra.json has no baseline: only absolute rules apply.',
        place: { file: 'eval/extra.json' },
      },
      { level: 'info', text: 'Direction of `throughput` inferred as higher.' },
    ],
    sections: [
      {
        title: 'eval/metrics.json',
        blocks: [
          {
            type: 'table',
            columns: COLUMNS,
            rows: [
              metricRow(
                'accuracy',
                '0.75',
                '0.70',
                '-0.05 (-6.67%)',
                { status: 'fail' },
                'max_regression: 0.01',
              ),
              metricRow('f1', null, '0.81', null, { status: 'new' }),
              metricRow('auc', '0.90', null, null, { status: 'removed' }),
            ],
            folded: {
              summary: '2 unchanged metrics',
              rows: [
                metricRow('loss', '0.25', '0.25', '0', { status: 'unchanged' }),
                metricRow('latency_ms', '12', '12', '0', { status: 'unchanged' }),
              ],
            },
          },
        ],
      },
      {
        title: 'eval/extra.json',
        blocks: [
          {
            type: 'table',
            columns: COLUMNS,
            rows: [metricRow('throughput', null, 1234.5, null, { status: 'pass' }, 'min: 1000')],
          },
          {
            type: 'chart',
            chart: {
              title: 'accuracy over the last runs',
              kind: 'line',
              xLabels: ['run 1', 'run 2', 'run "3"'],
              yLabel: 'accuracy',
              series: [{ name: 'accuracy', values: [0.72, 0.75, 0.7] }],
            },
          },
          {
            type: 'details',
            summary: 'How to read this',
            blocks: [
              {
                type: 'paragraph',
                content: ['Deltas are ', { code: 'candidate - baseline' }, '.'],
              },
              { type: 'list', items: [['one'], ['two']] },
              {
                type: 'code',
                language: 'yaml',
                text: 'metrics:\n  accuracy: { max_regression: 0.01 }\n',
              },
            ],
          },
        ],
      },
    ],
    tests: [
      {
        suite: 'eval/metrics.json',
        name: 'accuracy',
        status: 'fail',
        message: 'accuracy fell by 0.05 (max 0.01)',
        detail: 'baseline 0.75, candidate 0.70',
        file: 'eval/metrics.json',
      },
      { suite: 'eval/metrics.json', name: 'loss', status: 'pass', time: 0.002 },
      { suite: 'eval/extra.json', name: 'mystery', status: 'skip', message: 'direction unknown' },
    ],
    measurements: [
      {
        name: 'accuracy',
        value: 0.7,
        labels: { file: 'eval/metrics.json' },
        help: 'Candidate value',
      },
      { name: 'eval.loss', value: 0.25, labels: { file: 'eval/metrics.json' } },
      { name: 'throughput', value: 1234.5, labels: { file: 'eval/extra.json' } },
    ],
    outputs: { passed: 'false', 'failed-metrics': 'accuracy', report: 'sluice-report.json' },
    data: {
      metrics: [
        {
          file: 'eval/metrics.json',
          name: 'accuracy',
          baseline: 0.75,
          candidate: 0.7,
          delta: -0.05,
          status: 'fail',
          rule: 'accuracy',
        },
      ],
    },
  };
}

/** A report with one table of `count` failing rows, for the length budget. */
export function hugeReport(count: number, fullReportUrl?: string): Report {
  const rows: Cell[][] = [];
  for (let i = 0; i < count; i++) {
    rows.push(
      metricRow(
        `eval.slices.region_${i}.recall`,
        '0.812345',
        '0.801234',
        '-0.011111 (-1.37%)',
        { status: 'fail' },
        'max_regression: 0.01',
      ),
    );
  }
  const folded: Cell[][] = [];
  for (let i = 0; i < count; i++)
    folded.push(metricRow(`eval.same_${i}`, '1', '1', '0', { status: 'unchanged' }));
  const report = qualityGateReport();
  report.sections = [
    {
      title: 'eval/big.json',
      blocks: [
        {
          type: 'table',
          columns: COLUMNS,
          rows,
          folded: { summary: `${count} unchanged metrics`, rows: folded },
        },
      ],
    },
    {
      title: 'eval/small.json',
      blocks: [{ type: 'table', columns: COLUMNS, rows: rows.slice(0, 3) }],
    },
  ];
  if (fullReportUrl !== undefined) report.fullReportUrl = fullReportUrl;
  return report;
}

/** Strings a metric name or value might hold that must show literally. */
export const PAYLOADS = [
  'a|b',
  '`code`',
  '``',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '@user',
  '@org/team',
  '#123',
  '!123',
  'GH-123',
  'owner/repo#1',
  'https://evil.example/x?a=1&b=2',
  'www.evil.example',
  '*bold* _em_ ~~strike~~',
  '[link](https://x.example)',
  '![img](https://x.example/i.png)',
  '\\|',
  'line1\nline2',
  '# heading',
  '- item',
  '1. item',
  '> quote',
  '$x^2$',
  ':smile:',
  '~label',
  '%milestone',
  '&amp; &lt;',
  '<!-- comment -->',
  '</details>',
  '\u001b[2Jclear',
  '|||',
];
