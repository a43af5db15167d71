import { describe, expect, it } from 'vitest';
import { REPORT_FORMATS } from '../../../src/inputs/shared.js';
import {
  renderDotenv,
  renderJson,
  renderJunit,
  renderMarkdown,
  renderOpenMetrics,
  renderReport,
  renderTerminal,
} from '../../../src/core/report/render/index.js';
import { hugeReport, qualityGateReport } from './fixtures.js';

describe('renderReport', () => {
  const report = qualityGateReport();

  it('dispatches each format to its renderer', () => {
    expect(renderReport(report, 'markdown')).toBe(renderMarkdown(report));
    expect(renderReport(report, 'terminal')).toBe(renderTerminal(report));
    expect(renderReport(report, 'json')).toBe(renderJson(report));
    expect(renderReport(report, 'junit')).toBe(renderJunit(report));
    expect(renderReport(report, 'openmetrics')).toBe(renderOpenMetrics(report));
    expect(renderReport(report, 'dotenv')).toBe(renderDotenv(report));
  });

  it('has a renderer for every format the inputs accept, each ending in a newline', () => {
    for (const format of REPORT_FORMATS)
      expect(renderReport(report, format).endsWith('\n')).toBe(true);
  });

  it('passes the options through', () => {
    expect(renderReport(report, 'terminal', { color: true })).toBe(
      renderTerminal(report, { color: true }),
    );
    expect(
      renderReport(hugeReport(2_000), 'markdown', { maxLength: 10_000 }).length,
    ).toBeLessThanOrEqual(10_000);
  });
});
