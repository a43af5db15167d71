/* eslint-disable no-control-regex -- these tests look for control characters */
import { describe, expect, it } from 'vitest';
import type { Report } from '../../../src/core/report/model.js';
import { MARKDOWN_LIMITS, renderMarkdown } from '../../../src/core/report/render/markdown.js';
import { fenceFor, safeHref } from '../../../src/core/report/render/markdown-blocks.js';
import { mermaidLabel } from '../../../src/core/report/render/mermaid.js';
import { COLUMNS, PAYLOADS, hugeReport, metricRow, qualityGateReport } from './fixtures.js';
import { decodeEntities, inspectMarkdown, liveHtmlTags } from './markdown-check.js';

function expectValid(markdown: string): ReturnType<typeof inspectMarkdown> {
  const shape = inspectMarkdown(markdown);
  expect(shape.unclosedFence).toBe(false);
  expect(shape.detailsBalance).toBe(0);
  for (const table of shape.tables) {
    for (const cells of table.rowCells) expect(cells).toBe(table.headerCells);
  }
  return shape;
}

describe('renderMarkdown on a quality-gate report', () => {
  const markdown = renderMarkdown(qualityGateReport());
  const shape = expectValid(markdown);

  it('opens with the verdict icon and title, then the verdict and summary', () => {
    const lines = markdown.split('\n');
    expect(lines[0]).toBe('## ❌ Quality gate');
    expect(lines[2]).toBe(
      '**Failed:** 1 of 6 metrics regressed against main (merge base a1b2c3d).',
    );
  });

  it('puts each section under a heading one level below the headline', () => {
    expect(markdown).toContain('\n### eval/metrics.json\n');
    expect(markdown).toContain('\n### eval/extra.json\n');
  });

  it('renders one table per file plus the folded one, each with six columns', () => {
    expect(shape.tables.map((table) => [table.headerCells, table.rowCells.length])).toEqual([
      [6, 3],
      [6, 2],
      [6, 1],
    ]);
  });

  it('folds unchanged rows under <details> with a blank line after the summary', () => {
    expect(markdown).toContain('<details>\n<summary>2 unchanged metrics</summary>\n\n| Metric |');
    expect(shape.html).toMatch(/<details>\s*<summary>2 unchanged metrics<\/summary>\s*<table>/);
  });

  it('writes notes as alerts both forges render, one per level', () => {
    expect(markdown).toContain('> [!WARNING]\n> eval/extra.json: eval/extra.json has no baseline');
    expect(markdown).toContain('> [!NOTE]\n> Direction of \\`throughput\\` inferred as higher.');
  });

  it('shows status cells as icon and word, empty cells as a dash, code cells in <code>', () => {
    expect(markdown).toContain(
      '| <code>accuracy</code> | 0.75 | 0.70 | -0.05 (-6.67%) | ❌\u00a0fail | max\\_regression: 0.01 |',
    );
    expect(markdown).toContain('| <code>f1</code> | — | 0.81 | — | 🆕\u00a0new | — |');
  });

  it('aligns columns as declared', () => {
    expect(markdown).toContain('| --- | ---: | ---: | ---: | --- | --- |');
  });

  it('draws the chart as a Mermaid xychart with quoted, sanitised labels', () => {
    const chart = shape.fences.find((fence) => fence.info === 'mermaid');
    expect(chart?.content).toBe(
      [
        'xychart-beta',
        '    title "accuracy over the last runs"',
        `    x-axis ["run 1", "run 2", "run '3'"]`,
        '    y-axis "accuracy"',
        '    line [0.72, 0.75, 0.7]',
        '',
      ].join('\n'),
    );
  });

  it('renders details blocks with their paragraph, list and code block inside', () => {
    expect(markdown).toContain(
      '<details>\n<summary>How to read this</summary>\n\nDeltas are <code>candidate - baseline</code>.',
    );
    expect(markdown).toContain('- one\n- two');
    expect(shape.fences.find((fence) => fence.info === 'yaml')?.content).toBe(
      'metrics:\n  accuracy: { max_regression: 0.01 }\n',
    );
  });

  it('honours headingLevel', () => {
    const text = renderMarkdown(qualityGateReport(), { headingLevel: 3 });
    expect(text.startsWith('### ❌ Quality gate\n')).toBe(true);
    expect(text).toContain('\n#### eval/metrics.json\n');
  });

  it('starts with ✅ for a passing report', () => {
    const report = qualityGateReport();
    report.verdict = 'pass';
    expect(renderMarkdown(report).split('\n').slice(0, 3)).toEqual([
      '## ✅ Quality gate',
      '',
      '**Passed:** 1 of 6 metrics regressed against main (merge base a1b2c3d).',
    ]);
  });

  it('formats a raw number cell without binary noise', () => {
    const report = qualityGateReport();
    report.sections = [
      {
        title: 's',
        blocks: [{ type: 'table', columns: [{ title: 'v' }], rows: [[0.1 + 0.2], [NaN], [1e-9]] }],
      },
    ];
    const text = renderMarkdown(report);
    expect(text).toContain('| 0.3 |');
    expect(text).toContain('| NaN |');
    expect(text).toContain('| 1e-9 |');
    expect(text).not.toContain('0.30000000000000004');
  });
});

describe('renderMarkdown escaping', () => {
  function payloadReport(): Report {
    const report = qualityGateReport();
    report.title = '<img src=x onerror=alert(1)> @admin';
    report.summary = '#1 <script>alert(1)</script>';
    report.notes = PAYLOADS.map((text) => ({ level: 'warning' as const, text }));
    report.sections = [
      {
        title: '@team #9 <b>',
        blocks: [
          {
            type: 'table',
            columns: COLUMNS,
            rows: PAYLOADS.map((payload) =>
              metricRow(
                payload,
                payload,
                { text: payload, strong: true },
                payload,
                { status: 'fail', label: payload },
                payload,
              ),
            ),
            folded: {
              summary: PAYLOADS.join(' '),
              rows: PAYLOADS.map((payload) => metricRow(payload, 1, 1, 0, { status: 'unchanged' })),
            },
          },
          {
            type: 'paragraph',
            content: PAYLOADS.flatMap((payload) => [
              payload,
              ' ',
              { code: payload },
              ' ',
              { strong: payload },
              ' ',
            ]),
          },
          {
            type: 'list',
            items: PAYLOADS.map((payload) => [
              payload,
              { link: payload, href: 'https://ok.example/?q=a b)' },
            ]),
          },
          {
            type: 'details',
            summary: PAYLOADS.join(' '),
            blocks: [{ type: 'code', text: PAYLOADS.join('\n') }],
          },
          {
            type: 'chart',
            chart: {
              title: PAYLOADS.join(' '),
              kind: 'bar',
              xLabels: PAYLOADS,
              series: [{ name: 'x', values: PAYLOADS.map((_p, i) => i) }],
            },
          },
        ],
      },
    ];
    return report;
  }

  const markdown = renderMarkdown(payloadReport());
  const shape = expectValid(markdown);
  const outsideCode = shape.html.replace(/<pre>[\s\S]*?<\/pre>/g, '');

  it('keeps the column count on every row when every metric name is a payload', () => {
    const [main, folded] = shape.tables;
    expect(main?.headerCells).toBe(6);
    expect(main?.rowCells).toEqual(PAYLOADS.map(() => 6));
    expect(folded?.rowCells).toEqual(PAYLOADS.map(() => 6));
  });

  it('lets no raw <script or <img through, nor any tag we do not write', () => {
    expect(shape.html).not.toMatch(/<script|<img/i);
    expect(liveHtmlTags(shape.html)).toEqual([]);
  });

  it('makes no mention, issue, MR or autolink (outside code blocks, which forges leave alone)', () => {
    const text = decodeEntities(outsideCode.replace(/<[^>]*>/g, ''));
    expect(text).toContain('@\u200buser');
    expect(text).not.toMatch(/(^|[^\w])@[A-Za-z0-9]/);
    expect(text).not.toMatch(/[#!]\d/);
    expect(text).not.toMatch(/GH-\d/i);
    expect(text).not.toMatch(/https?:\/\/evil|www\.evil/);
    const links = Array.from(outsideCode.matchAll(/<a href="([^"]*)"/g), (match) => match[1]);
    expect(links.every((href) => href?.startsWith('https://ok.example/'))).toBe(true);
  });

  it('shows each payload literally in the table (zero-width spaces aside)', () => {
    const cells = Array.from(
      shape.html.matchAll(/<tr>\s*<td><code>([\s\S]*?)<\/code><\/td>/g),
      (match) =>
        (match[1] as string)
          .replace(/<br>/g, '\n')
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&quot;/g, '"')
          .replace(/&amp;/g, '&')
          .replaceAll('\u200b', ''),
    );
    const expected = PAYLOADS.map((payload) => payload.replace(/\u001b/g, ''));
    expect(cells.slice(0, PAYLOADS.length)).toEqual(expected);
  });

  it('keeps payloads out of headings and alerts', () => {
    expect(markdown.split('\n')[0]).toBe('## ❌ &lt;img src=x onerror=alert(1)&gt; @&#8203;admin');
    expect(shape.html).not.toMatch(/<h1/);
  });

  it('encodes link destinations and refuses non-http ones', () => {
    expect(safeHref('https://ok.example/?q=a b)&c')).toBe('https://ok.example/?q=a%20b%29&amp;c');
    expect(safeHref('javascript:alert(1)')).toBeUndefined();
    expect(safeHref('data:text/html,x')).toBeUndefined();
  });
});

describe('code fences', () => {
  it('use a fence longer than any backtick run inside', () => {
    expect(fenceFor('a ``` b ```` c')).toBe('`````');
    expect(fenceFor('plain')).toBe('```');
  });

  it('keep code with backtick runs inside one block', () => {
    const report = qualityGateReport();
    report.sections = [
      {
        title: 's',
        blocks: [{ type: 'code', language: 'js`evil', text: '```\n</details>\n````\n' }],
      },
    ];
    const shape = expectValid(renderMarkdown(report));
    expect(shape.fences).toEqual([{ info: 'jsevil', content: '```\n</details>\n````\n' }]);
  });

  it('drop control characters but keep tabs and line breaks', () => {
    const report = qualityGateReport();
    report.sections = [
      { title: 's', blocks: [{ type: 'code', text: 'a\tb\r\nc\u001b[2Jd\u0007' }] },
    ];
    expect(inspectMarkdown(renderMarkdown(report)).fences[0]?.content).toBe('a\tb\nc[2Jd\n');
  });
});

describe('charts', () => {
  it('quote labels so nothing in them can end the string or the diagram', () => {
    expect(mermaidLabel('run "3"')).toBe(`"run '3'"`);
    expect(mermaidLabel('a`b` <b>x</b>')).toBe(`"a'b' ‹b›x‹/b›"`);
    expect(mermaidLabel('#quot; and #9829; but #1 stays')).toBe(
      '"＃quot; and ＃9829; but #1 stays"',
    );
    expect(mermaidLabel('line\nbreak\u001b[2J')).toBe('"line break[2J"');
    expect(mermaidLabel('x'.repeat(50))).toBe(`"${'x'.repeat(39)}…"`);
  });

  it('leave out points without a value and say how many', () => {
    const report = qualityGateReport();
    report.sections = [
      {
        title: 's',
        blocks: [
          {
            type: 'chart',
            chart: {
              title: 'loss',
              kind: 'line',
              xLabels: ['a', 'b', 'c', 'd'],
              series: [
                { name: 'train', values: [1, null, 0.5, 1e-7] },
                { name: 'eval', values: [2, 1, NaN, -3] },
              ],
            },
          },
        ],
      },
    ];
    const markdown = renderMarkdown(report);
    const chart = inspectMarkdown(markdown).fences[0]?.content ?? '';
    expect(chart).toContain('x-axis ["a", "d"]');
    expect(chart).toContain('line [1, 0.0000001]');
    expect(chart).toContain('line [2, -3]');
    expect(markdown).toContain(
      'Series, in drawing order: train, eval. 2 points without a value left out.',
    );
  });

  it('say so when nothing can be drawn', () => {
    const report = qualityGateReport();
    report.sections = [
      {
        title: 's',
        blocks: [
          {
            type: 'chart',
            chart: {
              title: 'empty',
              kind: 'bar',
              xLabels: ['a'],
              series: [{ name: 'x', values: [null] }],
            },
          },
        ],
      },
    ];
    expect(renderMarkdown(report)).toContain('empty: no values to chart.');
  });
});

describe('length budget', () => {
  it('leaves a report that fits untouched', () => {
    const report = qualityGateReport();
    expect(renderMarkdown(report, { maxLength: MARKDOWN_LIMITS.comment })).toBe(
      renderMarkdown(report),
    );
  });

  it('fits 10,000 rows into a 65,536-character comment, valid and saying what was left out', () => {
    const report = hugeReport(10_000, 'https://ci.example/job/1/artifacts/report.json');
    const markdown = renderMarkdown(report, { maxLength: MARKDOWN_LIMITS.comment });
    expect(markdown.length).toBeLessThanOrEqual(65_536);
    expect(markdown.length).toBeGreaterThan(60_000);
    const shape = expectValid(markdown);
    expect(markdown).toContain(
      '10000 rows omitted to fit this comment; see [the full report](https://ci.example/job/1/artifacts/report.json).',
    );
    const shown = shape.tables[0]?.rowCells.length ?? 0;
    expect(shown).toBeGreaterThan(100);
    expect(markdown).toContain(`${10_000 - shown} more rows not shown here; see [the full report]`);
    // the second file's table still has all three of its rows
    expect(shape.tables[1]?.rowCells).toEqual([6, 6, 6]);
  });

  it('first drops folded rows, keeping their summary and a count', () => {
    const report = qualityGateReport();
    const full = renderMarkdown(report);
    const markdown = renderMarkdown(report, { maxLength: full.length - 1 });
    expect(markdown.length).toBeLessThan(full.length);
    expectValid(markdown);
    expect(markdown).toContain(
      '<summary>2 unchanged metrics</summary>\n\n2 rows omitted to fit this comment; see the JSON report artifact.',
    );
    expect(markdown).toContain(
      '<summary>How to read this</summary>\n\nOmitted to fit this comment',
    );
    expect(inspectMarkdown(markdown).tables.map((table) => table.rowCells.length)).toEqual([3, 1]);
  });

  it('never exceeds maxLength, whatever the limit, and stays valid', () => {
    const report = hugeReport(300);
    for (const max of [20_000, 5_000, 1_200, 600, 300, 120, 40, 10, 3, 0]) {
      const markdown = renderMarkdown(report, { maxLength: max });
      expect(markdown.length).toBeLessThanOrEqual(max);
      expectValid(markdown);
    }
  });

  it('uses the report URL, then the option URL, for the pointer', () => {
    const report = hugeReport(50, 'https://report.example/a');
    expect(renderMarkdown(report, { maxLength: 3_000 })).toContain(
      'see [the full report](https://report.example/a)',
    );
    expect(
      renderMarkdown(report, { maxLength: 3_000, fullReportUrl: 'https://option.example/b' }),
    ).toContain('see [the full report](https://option.example/b)');
  });

  it('counts UTF-8 bytes when asked (the job summary limit)', () => {
    const report = hugeReport(2_000);
    const markdown = renderMarkdown(report, { maxLength: 50_000, lengthUnit: 'utf8' });
    expect(Buffer.byteLength(markdown, 'utf8')).toBeLessThanOrEqual(50_000);
    expect(Buffer.byteLength(markdown, 'utf8')).toBeGreaterThan(markdown.length);
  });
});
