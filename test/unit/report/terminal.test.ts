/* eslint-disable no-control-regex -- these tests look for control characters */
import { describe, expect, it } from 'vitest';
import { renderTerminal } from '../../../src/core/report/render/terminal.js';
import { displayWidth } from '../../../src/core/report/text-width.js';
import { COLUMNS, metricRow, qualityGateReport } from './fixtures.js';

const ESC = '\u001b';
/** The lines under the section titled `s`. */
const sectionLines = (text: string): string[] => {
  const lines = text.split('\n');
  return lines.slice(lines.indexOf('s') + 1);
};
const stripAnsi = (text: string): string => text.replace(/\u001b\[[0-9;]*m/g, '');

describe('renderTerminal', () => {
  const text = renderTerminal(qualityGateReport());
  const lines = text.split('\n');

  it('opens with the verdict, then the summary and the notes', () => {
    expect(lines.slice(0, 5)).toEqual([
      '❌ Quality gate: FAIL',
      '1 of 6 metrics regressed against main (merge base a1b2c3d).',
      '',
      'warning: eval/extra.json: eval/extra.json has no baseline: only absolute rules apply.',
      'info: Direction of `throughput` inferred as higher.',
    ]);
  });

  it('aligns every row of a table to the same column starts, counting emoji as two columns', () => {
    const start = lines.indexOf('eval/metrics.json');
    const table = lines.slice(start + 1, start + 6);
    expect(table[0]).toMatch(/^ {2}Metric {4}Baseline {2}Candidate {15}Δ {2}Status {6}Rule$/);
    const statusColumn = displayWidth(table[0]?.slice(0, table[0].indexOf('Status')) ?? '');
    for (const row of table.slice(2)) {
      const icon = row.search(/[❌🆕➖]/u);
      expect(displayWidth(row.slice(0, icon))).toBe(statusColumn);
    }
    // right-aligned numbers end where their header ends
    const candidateEnd = displayWidth(
      table[0]?.slice(0, table[0].indexOf('Candidate') + 'Candidate'.length) ?? '',
    );
    expect(displayWidth(table[2]?.slice(0, table[2].indexOf('0.70') + 4) ?? '')).toBe(candidateEnd);
  });

  it('shows folded rows as one count line, not the rows', () => {
    expect(text).toContain(
      '  … 2 unchanged metrics (2 rows folded; --format markdown or json shows them)',
    );
    expect(text).not.toContain('latency_ms');
  });

  it('shows empty cells as a dash', () => {
    expect(lines.find((line) => line.includes('f1'))).toMatch(/^ {2}f1 +— +0\.81 +— +🆕 new +—$/u);
  });

  it('draws a chart as a sparkline with its range', () => {
    expect(text).toContain('    run 1 → run "3"');
    expect(text).toContain('    accuracy  ▄█▁  0.7 … 0.75');
  });

  it('draws a one-series bar chart as one labelled bar per value, longest for the largest', () => {
    const report = qualityGateReport();
    report.sections = [
      {
        title: 'Drift',
        blocks: [
          {
            type: 'chart',
            chart: {
              title: 'Most drifted columns',
              kind: 'bar',
              xLabels: ['income', 'age', 'score'],
              series: [{ name: 'statistic', values: [0.4, 0.1, null] }],
            },
          },
        ],
      },
    ];
    const lines = renderTerminal(report).split('\n');
    const at = lines.findIndex((line) => line.includes('Most drifted columns'));
    expect(lines.slice(at + 1, at + 4)).toEqual([
      `    income  ${'█'.repeat(24)}  0.4`,
      `    age     ${'█'.repeat(6)}${' '.repeat(18)}  0.1`,
      `    score   ${' '.repeat(24)}  —`,
    ]);
  });

  it('scales bars to a threshold above them and marks it, so a tiny distance looks tiny', () => {
    const report = qualityGateReport();
    report.sections = [
      {
        title: 'Drift',
        blocks: [
          {
            type: 'chart',
            chart: {
              title: 'Jensen–Shannon',
              kind: 'bar',
              xLabels: ['country', 'segment'],
              series: [{ name: 'distance', values: [0.05, 0.01] }],
              threshold: 0.1,
            },
          },
        ],
      },
    ];
    const lines = renderTerminal(report).split('\n');
    const at = lines.findIndex((line) => line.includes('Jensen–Shannon'));
    expect(lines.slice(at + 1, at + 3)).toEqual([
      `    country  ${'█'.repeat(12)}${' '.repeat(11)}┆  0.05`,
      `    segment  ██▍${' '.repeat(20)}┆  0.01`,
    ]);
  });

  it('writes no escape sequence without color', () => {
    expect(text).not.toContain(ESC);
  });

  it('colours status cells and the verdict with color', () => {
    const colored = renderTerminal(qualityGateReport(), { color: true });
    expect(colored.split('\n')[0]).toBe(`${ESC}[1;31m❌ Quality gate: FAIL${ESC}[0m`);
    expect(colored).toMatch(new RegExp(`${ESC}\\[31m❌ fail *${ESC}\\[0m`));
    expect(colored).toMatch(new RegExp(`${ESC}\\[32m✅ pass *${ESC}\\[0m`));
    expect(stripAnsi(colored)).toBe(text);
  });

  it('dims unchanged rows and marks warnings yellow', () => {
    const report = qualityGateReport();
    report.sections = [
      {
        title: 's',
        blocks: [
          {
            type: 'table',
            columns: COLUMNS,
            rows: [
              metricRow('a', '1', '1', '0', { status: 'unchanged' }),
              metricRow('b', '1', '2', '1', { status: 'warn' }),
            ],
          },
        ],
      },
    ];
    const colored = renderTerminal(report, { color: true });
    expect(colored).toContain(`${ESC}[2m⚪ unchanged${ESC}[0m`);
    expect(colored).toMatch(new RegExp(`${ESC}\\[33m⚠️ warn +${ESC}\\[0m`, 'u'));
  });

  it('strips control characters from user data, so nothing can clear the screen', () => {
    const report = qualityGateReport();
    report.title = 'gate\u001b[2J';
    report.sections = [
      {
        title: 'x\u009b2J',
        blocks: [
          {
            type: 'table',
            columns: COLUMNS,
            rows: [
              metricRow('evil\u001b[2J\u001b]0;pwned\u0007\nname', '1', '2', '1', {
                status: 'pass',
              }),
            ],
          },
        ],
      },
    ];
    const out = renderTerminal(report, { color: false });
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(out).toContain('evil[2J]0;pwned name');
  });

  it('shrinks the widest column to fit the width, ending cut cells with …', () => {
    const report = qualityGateReport();
    const long = 'x'.repeat(200);
    report.sections = [
      {
        title: 's',
        blocks: [
          {
            type: 'table',
            columns: COLUMNS,
            rows: [metricRow(long, '1', '2', '1', { status: 'pass' }, 'rule')],
          },
        ],
      },
    ];
    const out = renderTerminal(report, { width: 80 });
    const tableLines = out.split('\n').filter((line) => line.startsWith('  '));
    for (const line of tableLines) expect(displayWidth(line)).toBeLessThanOrEqual(80);
    expect(out).toContain('x…');
  });

  it('leaves optional columns out, rightmost first, only as far as the width needs', () => {
    const report = qualityGateReport();
    report.sections = [
      {
        title: 's',
        blocks: [
          {
            type: 'table',
            columns: [
              { title: 'Name' },
              { title: 'Extra', optional: true },
              { title: 'Value' },
              { title: 'More', optional: true },
            ],
            rows: [['n'.repeat(20), 'e'.repeat(20), 'v'.repeat(20), 'm'.repeat(20)]],
          },
        ],
      },
    ];
    const at = (width: number): string[] => sectionLines(renderTerminal(report, { width }));
    // Everything fits: nothing left out.
    expect(at(90)[0]).toMatch(/Name +Extra +Value +More$/);
    // One optional column too many: only the rightmost goes, and no cell is cut.
    expect(at(70)[0]).toMatch(/^ {2}Name +Extra +Value$/);
    expect(at(70)[2]).not.toContain('…');
    expect(at(70)[3]).toBe('  … not shown at 70 columns: More (see --format markdown)');
    // Narrower still: both go before the others are cut.
    expect(at(50)[0]).toMatch(/^ {2}Name +Value$/);
    // (The note itself is cut to the width too.)
    expect(at(50)[3]).toBe('  … not shown at 50 columns: Extra, More (see --f…');
    // No width: no limit.
    expect(renderTerminal(report)).toContain('m'.repeat(20));
  });

  it('cuts values before it cuts a column title', () => {
    const report = qualityGateReport();
    report.sections = [
      {
        title: 's',
        blocks: [
          {
            type: 'table',
            columns: [{ title: 'Distinct' }, { title: 'Min' }],
            rows: [['12345678', 'x'.repeat(40)]],
          },
        ],
      },
    ];
    const lines = sectionLines(renderTerminal(report, { width: 30 }));
    expect(lines[0]).toMatch(/^ {2}Distinct {2}Min/);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(30);
  });

  it('expands details blocks, indented under their summary', () => {
    expect(text).toContain(
      '  ▸ How to read this\n    Deltas are candidate - baseline.\n\n    • one\n    • two',
    );
  });
});
