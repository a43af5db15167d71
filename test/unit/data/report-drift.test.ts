import { XMLValidator } from 'fast-xml-parser';
import { junitParser } from '../report/junit-xml.js';
import { describe, expect, it } from 'vitest';
import { buildValidationReport } from '../../../src/core/data/report.js';
import type { Block, Chart } from '../../../src/core/report/model.js';
import { renderJson } from '../../../src/core/report/render/json.js';
import { renderJunit } from '../../../src/core/report/render/junit.js';
import { renderMarkdown } from '../../../src/core/report/render/markdown.js';
import { renderTerminal } from '../../../src/core/report/render/terminal.js';
import { inspectMarkdown } from '../report/markdown-check.js';
import { check, drift, driftColumn, result } from './report-fixtures.js';
import { driftBlocks } from '../../../src/core/data/report-drift.js';
import type { ValidationResult } from '../../../src/core/data/validate.js';

const OPTIONS = { key: 'validate-data', schemaFile: 'schema.yml', dataLabel: 'data.csv' };

function build(validation: ValidationResult): ReturnType<typeof buildValidationReport> {
  return buildValidationReport(validation, OPTIONS);
}

function charts(validation: ValidationResult): Chart[] {
  const blocks: Block[] = build(validation).sections.find((s) => s.title === 'Drift')?.blocks ?? [];
  return blocks.flatMap((b) => (b.type === 'chart' ? [b.chart] : []));
}

/** Small reference: auto chose KS and chi-square, p-value tests. */
const SMALL = drift([
  driftColumn({ column: 'num', method: 'ks', statistic: 0.197, pValue: 1e-9, effect: 0.197 }),
  driftColumn({
    column: 'flat',
    method: 'ks',
    statistic: 0.05,
    pValue: 0.4,
    effect: 0.05,
    drifted: false,
  }),
  driftColumn({
    column: 'cat',
    method: 'chisquare',
    statistic: 159.2,
    pValue: 2e-35,
    effect: 0.31,
  }),
  driftColumn({ column: 'new', method: 'chisquare', statistic: Infinity, pValue: 0, effect: 0.12 }),
  driftColumn({
    column: 'when',
    method: 'jensenshannon',
    statistic: null,
    pValue: null,
    effect: null,
    drifted: false,
    threshold: 0.1,
    note: 'a time column',
  }),
]);

describe('drift charts', () => {
  it('chart p-value methods by their distance: KS D, and chi-square by total variation', () => {
    const found = charts(result({ drift: SMALL }));
    expect(found.map((c) => c.title)).toEqual([
      'KS statistic D; drift at p under 0.05 and D ≥ 0.05',
      'Chi-square: total variation distance; drift at p under 0.05 and distance ≥ 0.05',
    ]);
    expect(found[0]?.xLabels).toEqual(['num', 'flat']);
    expect(found[0]?.series[0]?.values).toEqual([0.197, 0.05]);
    // The effect, not the statistic (159.2, ∞) that grows with the sample.
    expect(found[1]?.xLabels).toEqual(['cat', 'new']);
    expect(found[1]?.series[0]?.values).toEqual([0.31, 0.12]);
  });

  it('draw one chart per measure, never two scales on one axis, with the min_effect given', () => {
    const mixed = drift([
      driftColumn({
        column: 'w',
        method: 'wasserstein',
        statistic: 0.4,
        pValue: null,
        effect: null,
        threshold: 0.1,
      }),
      driftColumn({
        column: 'j',
        method: 'jensenshannon',
        statistic: 0.2,
        pValue: null,
        effect: null,
        threshold: 0.1,
      }),
      driftColumn({ column: 'k', method: 'ks', statistic: 0.3, pValue: 0.01, effect: 0.3 }),
    ]);
    const report = buildValidationReport(result({ drift: mixed }), { ...OPTIONS, minEffect: 0.1 });
    const titles = (report.sections.find((s) => s.title === 'Drift')?.blocks ?? []).flatMap((b) =>
      b.type === 'chart' ? [b.chart.title] : [],
    );
    expect(titles).toEqual([
      'Wasserstein distance (normed); drift at ≥ 0.1',
      'Jensen–Shannon distance; drift at ≥ 0.1',
      'KS statistic D; drift at p under 0.05 and D ≥ 0.1',
    ]);
  });

  it('rank the most drifted columns first, ten bars at most, and say how many there were', () => {
    const many = drift(
      Array.from({ length: 12 }, (_v, i) =>
        driftColumn({
          column: `c${i}`,
          method: 'wasserstein',
          statistic: i / 10,
          pValue: null,
          effect: null,
          threshold: 0.1,
        }),
      ),
    );
    const [chart] = charts(result({ drift: many }));
    expect(chart?.title).toBe('Wasserstein distance (normed); drift at ≥ 0.1 (top 10 of 12)');
    expect(chart?.xLabels).toEqual(['c11', 'c10', 'c9', 'c8', 'c7', 'c6', 'c5', 'c4', 'c3', 'c2']);
  });

  it('render as Mermaid fences in Markdown, one per chart', () => {
    const shape = inspectMarkdown(renderMarkdown(build(result({ drift: SMALL }))));
    const fences = shape.fences.filter((f) => f.info === 'mermaid');
    expect(fences).toHaveLength(2);
    expect(fences[1]?.content).toContain('x-axis ["cat", "new"]');
    expect(fences[1]?.content).toContain('bar [0.31, 0.12]');
  });

  it('show the effect beside the statistic in the table, ∞ for an infinite chi-square', () => {
    const text = renderTerminal(build(result({ drift: SMALL })));
    expect(text).toMatch(/Statistic\s+p-value\s+Effect\s+Threshold/);
    expect(text).toMatch(/new\s+chisquare\s+∞\s+0\s+0\.12\s+0\.05/);
  });
});

const parser = junitParser;
interface Case {
  name: string;
  'system-out'?: string;
  failure?: { message: string; '#text': string };
  skipped?: { message: string };
}
function junitCases(validation: ValidationResult): Map<string, Case> {
  const xml = renderJunit(build(validation));
  expect(XMLValidator.validate(xml)).toBe(true);
  const document = parser.parse(xml) as { testsuites: { testsuite: { testcase: Case[] }[] } };
  return new Map(
    document.testsuites.testsuite.flatMap((s) => s.testcase).map((c) => [c.name, c] as const),
  );
}

describe('JUnit for validate-data', () => {
  it('fails each drifted column when the dataset drifted, and names them in the dataset case', () => {
    const cases = junitCases(result({ drift: SMALL }));
    expect(cases.get('num: ks')?.failure?.message).toBe(
      'drifted: ks statistic 0.197, p-value 1.00e-9 (drift at p under 0.05 and D ≥ 0.05)',
    );
    expect(cases.get('flat: ks')?.failure).toBeUndefined();
    expect(cases.get('flat: ks')?.['system-out']).toContain('stable: ks statistic 0.05');
    expect(cases.get('cat: chisquare')?.failure?.message).toContain(
      'total variation distance 0.31',
    );
    expect(cases.get('when: not measured')?.skipped?.message).toBe('a time column');
    expect(cases.get('dataset drift')?.failure?.message).toBe(
      '3 of 4 columns drifted (75%): num, cat, new; dataset drift at ≥ 50% of columns',
    );
  });

  it('passes a drifted column when the dataset did not drift, saying so in system-out', () => {
    const calm = drift([
      driftColumn({ column: 'a', drifted: true }),
      driftColumn({ column: 'b', drifted: false, statistic: 0.01, effect: 0.01, pValue: 0.9 }),
      driftColumn({ column: 'c', drifted: false, statistic: 0.01, effect: 0.01, pValue: 0.9 }),
    ]);
    const cases = junitCases(result({ drift: calm }));
    expect(cases.get('a: ks')?.failure).toBeUndefined();
    expect(cases.get('a: ks')?.['system-out']).toMatch(/^drifted: ks statistic 0\.2/);
    expect(cases.get('dataset drift')?.failure).toBeUndefined();
    expect(cases.get('dataset drift')?.['system-out']).toBe(
      '1 of 3 columns drifted (33%): a; dataset drift at ≥ 50% of columns',
    );
  });

  it('passes a warned check with its text in system-out, starting "warning:"', () => {
    const cases = junitCases(
      result({
        checks: [
          check({
            name: 'no_extra_columns',
            column: null,
            status: 'warn',
            observed: 'price',
            expected: 'only schema columns',
          }),
        ],
      }),
    );
    const warned = cases.get('no_extra_columns');
    expect(warned?.failure).toBeUndefined();
    expect(warned?.['system-out']).toBe('warning: observed price; expected only schema columns');
  });
});

describe('drift in the JSON contract', () => {
  const text = renderJson(build(result({ drift: SMALL })));
  const document = JSON.parse(text) as { drift: Record<string, unknown>[] };

  it('writes an infinite statistic as null with a note saying why, never as a string', () => {
    const row = document.drift.find((d) => d['column'] === 'new');
    expect(row?.['statistic']).toBeNull();
    expect(row?.['p_value']).toBe(0);
    expect(row?.['note']).toMatch(/infinite: the current data has a category the reference lacks/);
    for (const d of document.drift) {
      expect(d['statistic'] === null || typeof d['statistic'] === 'number').toBe(true);
      expect(d['p_value'] === null || typeof d['p_value'] === 'number').toBe(true);
    }
  });

  it('keeps finite statistics as numbers and carries the effect', () => {
    const row = document.drift.find((d) => d['column'] === 'cat');
    expect([row?.['statistic'], row?.['effect'], row?.['note']]).toEqual([159.2, 0.31, undefined]);
  });
});

describe('the drift table', () => {
  it('names the method a column was meant for when it could not measure it, and none when none was chosen', () => {
    const summary = drift([
      driftColumn({
        column: 'x',
        method: 'chisquare',
        statistic: null,
        pValue: null,
        effect: null,
        drifted: false,
        threshold: 0.05,
        note: 'chisquare needs categories',
      }),
      driftColumn({
        column: 'when',
        method: null,
        statistic: null,
        pValue: null,
        effect: null,
        drifted: false,
        threshold: 0,
        note: 'a time column',
      }),
    ]);
    const [, table] = driftBlocks(summary, 0.05);
    const rows = table?.type === 'table' ? table.rows.map((r) => r[1]) : [];
    expect(rows).toEqual(['chisquare', '—']);
  });
});
