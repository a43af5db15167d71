import { describe, expect, it } from 'vitest';
import { evaluateGate } from '../../src/core/gate/evaluate.js';
import { buildGateReport } from '../../src/core/gate/report.js';
import { parseRules } from '../../src/core/gate/rules.js';
import type { MetricsFormat } from '../../src/core/metrics/model.js';
import { parseMetrics } from '../../src/core/metrics/parsers-all.js';
import { renderReport } from '../../src/core/report/render/index.js';
import { parseReportJson } from '../../src/core/report/render/parse-json.js';

/** 2^53 + 1 and friends: a double rounds each to a neighbour. */
const BIG = '9007199254740993';
const BASE = '9007199254740991';
const HUGE = '123456789012345678901234567890';

const files: [MetricsFormat, (name: string, value: string) => string][] = [
  ['json', (name, value) => `{"${name}": ${value}}`],
  ['yaml', (name, value) => `${name}: ${value}\n`],
  ['toml', (name, value) => `${name} = ${value}\n`],
  ['csv', (name, value) => `metric,value\n${name},${value}\n`],
  ['tsv', (name, value) => `${name}\t${value}\n`],
  ['openmetrics', (name, value) => `${name} ${value}\n`],
];

function report(format: MetricsFormat, candidate: string, baseline: string) {
  const write = files.find(([f]) => f === format)![1];
  const result = evaluateGate(
    [parseMetrics(write('rows_seen', candidate), format, `m.${format}`)],
    [parseMetrics(write('rows_seen', baseline), format, `b.${format}`)],
    parseRules('metrics:\n  rows_seen: { max: 1 }\n', 'rules.yml'),
    'b',
  );
  return buildGateReport(result, { key: 'qg' });
}

describe.each(files.map(([format]) => format))('integers above 2^53 read from %s', (format) => {
  it.each([
    ['terminal', [BIG, BASE, '+2']],
    ['markdown', [BIG, BASE, '+2']],
    ['junit', [BIG, BASE]],
    ['openmetrics', [`} ${BIG}\n`, '} 2\n']],
  ])('keep every digit in the %s report', (surface, expected) => {
    const text = renderReport(report(format, BIG, BASE), surface as never);
    for (const digits of expected) expect(text).toContain(digits);
    expect(text).not.toContain('9007199254740992');
    expect(text).not.toMatch(/9\.007\d*e\+?15/);
  });

  it('keep every digit in the JSON report, as JSON numbers', () => {
    const text = renderReport(report(format, BIG, BASE), 'json');
    expect(text).toContain(`"candidate": ${BIG}`);
    expect(text).toContain(`"baseline": ${BASE}`);
    expect(text).toContain('"delta": 2');
    const back = parseReportJson(text, 'r.json');
    expect(back.measurements[0]?.text).toBe(BIG);
  });

  it('keep 30-digit integers too', () => {
    const text = renderReport(report(format, HUGE, '1'), 'terminal');
    expect(text).toContain(HUGE);
    const json = renderReport(report(format, HUGE, '1'), 'json');
    expect(json).toContain(`"candidate": ${HUGE}`);
    expect(json).toContain('"delta": 123456789012345678901234567889');
  });

  it('the dotenv report renders and names the failed metric', () => {
    expect(renderReport(report(format, BIG, BASE), 'dotenv')).toContain(
      'SLUICE_QUALITY_GATE_FAILED_METRICS=rows_seen',
    );
  });
});

describe('ordinary numbers stay ordinary', () => {
  it('keeps 0.70 as written and writes plain JSON numbers', () => {
    const text = renderReport(report('json', '0.70', '0.75'), 'json');
    expect(text).toContain('"candidate": 0.7,');
    expect(text).toContain('"delta": -0.05,');
    expect(renderReport(report('json', '0.70', '0.75'), 'terminal')).toContain('0.70');
  });
});
