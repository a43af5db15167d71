import { describe, expect, it } from 'vitest';
import { evaluateGate } from '../../src/core/gate/evaluate.js';
import { buildGateReport } from '../../src/core/gate/report.js';
import { parseRules } from '../../src/core/gate/rules.js';
import { parseMetrics } from '../../src/core/metrics/parsers-all.js';
import { renderReport, renderReportChunks } from '../../src/core/report/render/index.js';
import { TERMINAL_MAX_ROWS } from '../../src/core/report/render/terminal.js';

const COUNT = 200_000;

/** 200,000 metrics: a third changed, some failing, some new and removed; the rest unchanged. */
function files(): { candidate: string; baseline: string } {
  const candidate: string[] = [];
  const baseline: string[] = [];
  for (let i = 0; i < COUNT; i++) {
    const value = (0.5 + (i % 400) / 1000).toFixed(3);
    const changed = i % 3 === 0 ? (0.5 + ((i * 7) % 400) / 1000).toFixed(3) : value;
    if (i % 1000 !== 1) candidate.push(`"slice_${i}.recall": ${changed}`);
    if (i % 1000 !== 2) baseline.push(`"slice_${i}.recall": ${value}`);
  }
  return { candidate: `{${candidate.join(',')}}`, baseline: `{${baseline.join(',')}}` };
}

describe('200,000 metrics', () => {
  const { candidate, baseline } = files();
  const result = evaluateGate(
    [parseMetrics(candidate, 'json', 'candidate.json')],
    [parseMetrics(baseline, 'json', 'baseline.json')],
    parseRules('metrics:\n  "*.recall": { max_regression: 0.1 }\n', 'rules.yml'),
    'baseline.json',
  );
  const report = buildGateReport(result, { key: 'quality-gate' });
  const failed = result.diffs.filter((diff) => diff.status === 'fail').length;

  it('are all gated', () => {
    expect(result.diffs.length).toBe(COUNT);
    expect(failed).toBeGreaterThan(TERMINAL_MAX_ROWS);
  });

  it.each(['terminal', 'markdown', 'json', 'junit', 'openmetrics', 'dotenv'] as const)(
    'render as %s without throwing',
    (format) => {
      const text = renderReport(report, format, { maxLength: 65_536 });
      expect(text.length).toBeGreaterThan(0);
      if (format === 'terminal') {
        expect(text).toMatch(/more rows not shown, \d+ of them failed/);
        expect(text.split('\n').length).toBeLessThan(TERMINAL_MAX_ROWS * 3);
      }
      if (format === 'json') {
        const document = JSON.parse(text) as { metrics: unknown[] };
        expect(document.metrics.length).toBe(COUNT);
      }
      if (format === 'junit') expect(text).toContain(`failures="${failed}"`);
    },
  );

  it('render as JSON in pieces that each end a line, for reports longer than a string', () => {
    const chunks = renderReportChunks(report, 'json');
    expect(chunks.length).toBeGreaterThan(10);
    for (const chunk of chunks) expect(chunk.endsWith('\n')).toBe(true);
    expect(chunks.join('')).toBe(renderReport(report, 'json'));
  });

  it('render as Markdown without a length limit', () => {
    expect(renderReport(report, 'markdown').length).toBeGreaterThan(COUNT);
  });
});

describe('100,000 metrics in each text format', () => {
  // A parser that compares each key with every earlier one takes minutes here (the test times out).
  const names = Array.from({ length: 100_000 }, (_, i) => `m_${i}`);
  it.each([
    ['yaml', names.map((name, i) => `${name}: ${i}`).join('\n')],
    ['toml', names.map((name, i) => `${name} = ${i}`).join('\n')],
    ['csv', names.map((name, i) => `${name},${i}`).join('\n')],
    ['tsv', names.map((name, i) => `${name}\t${i}`).join('\n')],
    ['openmetrics', names.map((name, i) => `${name} ${i}`).join('\n')],
  ] as const)('are read from %s', (format, text) => {
    expect(parseMetrics(text, format, `m.${format}`).values.size).toBe(100_000);
  });

  it('a repeated YAML key is still found, with its line', () => {
    expect(() =>
      parseMetrics(`${names.slice(0, 5).join(': 1\n')}: 1\nm_2: 3\n`, 'yaml', 'm.yaml'),
    ).toThrow(/Map keys must be unique/);
  });
});
