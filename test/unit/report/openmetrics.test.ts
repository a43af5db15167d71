import { describe, expect, it } from 'vitest';
import {
  labelName,
  metricName,
  renderOpenMetrics,
  sampleValue,
} from '../../../src/core/report/render/openmetrics.js';
import { qualityGateReport } from './fixtures.js';

describe('renderOpenMetrics', () => {
  it('writes HELP, TYPE and one sample line per measurement, then # EOF', () => {
    expect(renderOpenMetrics(qualityGateReport()).split('\n')).toEqual([
      '# HELP sluice_accuracy Candidate value',
      '# TYPE sluice_accuracy gauge',
      'sluice_accuracy{file="eval/metrics.json"} 0.7',
      '# TYPE sluice_eval_loss gauge',
      'sluice_eval_loss{file="eval/metrics.json"} 0.25',
      '# TYPE sluice_throughput gauge',
      'sluice_throughput{file="eval/extra.json"} 1234.5',
      '# EOF',
      '',
    ]);
  });

  it('keeps the samples of one family together under one TYPE', () => {
    const report = qualityGateReport();
    report.measurements = [
      { name: 'acc', value: 1, labels: { file: 'a' } },
      { name: 'loss', value: 2 },
      { name: 'acc', value: 3, labels: { file: 'b' } },
    ];
    expect(renderOpenMetrics(report)).toBe(
      '# TYPE sluice_acc gauge\nsluice_acc{file="a"} 1\nsluice_acc{file="b"} 3\n# TYPE sluice_loss gauge\nsluice_loss 2\n# EOF\n',
    );
  });

  it('sanitises metric and label names', () => {
    expect(metricName('eval.slices.us/recall-at-5 ✓')).toBe('sluice_eval_slices_us_recall_at_5__');
    expect(metricName('ns:metric')).toBe('sluice_ns:metric');
    expect(labelName('file.name')).toBe('file_name');
    expect(labelName('1st')).toBe('_1st');
    expect(labelName('__name__')).toBe('l__name__');
    expect(labelName('')).toBe('_');
  });

  it('escapes backslash, quote and newline in label values and HELP', () => {
    const report = qualityGateReport();
    report.measurements = [
      { name: 'm', value: 1, labels: { file: 'C:\\dir\\"x"\nnext' }, help: 'line 1\nline "2" \\' },
    ];
    expect(renderOpenMetrics(report)).toBe(
      '# HELP sluice_m line 1\\nline \\"2\\" \\\\\n# TYPE sluice_m gauge\nsluice_m{file="C:\\\\dir\\\\\\"x\\"\\nnext"} 1\n# EOF\n',
    );
  });

  it('spells NaN, +Inf and -Inf as OpenMetrics does, and other numbers exactly', () => {
    expect([NaN, Infinity, -Infinity, 0.1 + 0.2, -0, 1e21, 5e-7].map(sampleValue)).toEqual([
      'NaN',
      '+Inf',
      '-Inf',
      '0.30000000000000004',
      '0',
      '1e+21',
      '5e-7',
    ]);
  });

  it('gives names that sanitise alike their own series', () => {
    const report = qualityGateReport();
    report.measurements = [
      { name: 'a.b', value: 1 },
      { name: 'a_b', value: 2 },
      { name: 'a-b', value: 3 },
      { name: 'a.b', value: 4 },
    ];
    expect(renderOpenMetrics(report)).toBe(
      '# TYPE sluice_a_b gauge\nsluice_a_b 1\n# TYPE sluice_a_b_2 gauge\nsluice_a_b_2 2\n# TYPE sluice_a_b_3 gauge\nsluice_a_b_3 3\n# EOF\n',
    );
  });

  it('sorts labels and writes only # EOF for a report without measurements', () => {
    const report = qualityGateReport();
    report.measurements = [{ name: 'x', value: 1, labels: { zeta: '1', alpha: '2' } }];
    expect(renderOpenMetrics(report)).toContain('sluice_x{alpha="2",zeta="1"} 1\n');
    report.measurements = [];
    expect(renderOpenMetrics(report)).toBe('# EOF\n');
  });

  it('matches the OpenMetrics line grammar on every line', () => {
    const report = qualityGateReport();
    report.measurements = [
      { name: 'weird name {x}', value: NaN, labels: { 'a b': 'v"\\\n', file: '#1' }, help: 'h' },
      { name: '9lives', value: -Infinity },
    ];
    const lines = renderOpenMetrics(report).trimEnd().split('\n');
    const sample =
      /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*\})? (NaN|[+-]Inf|-?[0-9.e+-]+)$/;
    for (const line of lines) {
      if (line.startsWith('#'))
        expect(line).toMatch(
          /^# (EOF|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* gauge|HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*)$/,
        );
      else expect(line).toMatch(sample);
    }
    expect(lines.at(-1)).toBe('# EOF');
  });
});

describe('deltas in OpenMetrics', () => {
  it('keep a metric literally named loss_delta apart from the delta of loss', async () => {
    const { evaluateGate } = await import('../../../src/core/gate/evaluate.js');
    const { buildGateReport } = await import('../../../src/core/gate/report.js');
    const { parseMetrics } = await import('../../../src/core/metrics/parsers-all.js');
    const candidate = parseMetrics('{"loss": 0.5, "loss_delta": 7}', 'json', 'm.json');
    const baseline = parseMetrics('{"loss": 0.4, "loss_delta": 7}', 'json', 'm.json');
    const text = renderOpenMetrics(
      buildGateReport(evaluateGate([candidate], [baseline], undefined, 'main'), { key: 'qg' }),
    );
    const samples = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(samples).toEqual([
      'sluice_loss{file="m.json"} 0.5',
      'sluice_loss{file="m.json",kind="delta"} 0.1',
      'sluice_loss_delta{file="m.json"} 7',
      'sluice_loss_delta{file="m.json",kind="delta"} 0',
    ]);
    // Valid OpenMetrics: one TYPE per family, each family's samples together, a final # EOF.
    const types = text.match(/^# TYPE (\S+) gauge$/gm) ?? [];
    expect(new Set(types).size).toBe(types.length);
    expect(text.endsWith('# EOF\n')).toBe(true);
  });
});
