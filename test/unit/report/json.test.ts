import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { renderJson } from '../../../src/core/report/render/json.js';
import { parseReportJson } from '../../../src/core/report/render/parse-json.js';
import { qualityGateReport } from './fixtures.js';

function usageError(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('renderJson', () => {
  const text = renderJson(qualityGateReport());
  const document = JSON.parse(text) as Record<string, unknown>;

  it('writes identity and verdict first, the command data at the top level, the report last', () => {
    expect(Object.keys(document)).toEqual([
      'schema',
      'command',
      'key',
      'verdict',
      'summary',
      'metrics',
      'report',
    ]);
    expect(document.schema).toBe('sluice.report/v1');
    expect(document.verdict).toBe('fail');
    expect(document.metrics).toEqual(qualityGateReport().data.metrics);
  });

  it('keeps the whole report except data under `report`', () => {
    const { data: _data, ...rest } = qualityGateReport();
    expect(document.report).toEqual(rest);
  });

  it('uses a two-space indent and ends with a newline', () => {
    expect(text.startsWith('{\n  "schema": "sluice.report/v1",\n')).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('never lets data replace the identity fields', () => {
    const report = qualityGateReport();
    report.data = { verdict: 'pass', schema: 'x', report: 1, extra: true };
    const doc = JSON.parse(renderJson(report)) as Record<string, unknown>;
    expect(doc.verdict).toBe('fail');
    expect(doc.schema).toBe('sluice.report/v1');
    expect(doc.extra).toBe(true);
    expect(typeof doc.report).toBe('object');
  });

  it('spells NaN and ±Infinity as strings instead of losing them to null', () => {
    const report = qualityGateReport();
    report.measurements = [
      { name: 'a', value: NaN },
      { name: 'b', value: Infinity },
      { name: 'c', value: -Infinity },
    ];
    const doc = JSON.parse(renderJson(report)) as {
      report: { measurements: { value: unknown }[] };
    };
    expect(doc.report.measurements.map((m) => m.value)).toEqual(['NaN', 'Infinity', '-Infinity']);
  });
});

describe('parseReportJson', () => {
  it('reads back exactly what renderJson wrote', () => {
    const report = qualityGateReport();
    expect(parseReportJson(renderJson(report), 'report.json')).toEqual(report);
  });

  it('turns non-finite numbers back into numbers where the model holds numbers', () => {
    const report = qualityGateReport();
    report.measurements = [
      { name: 'a', value: NaN },
      { name: 'b', value: -Infinity },
    ];
    report.tests = [{ suite: 's', name: 'n', status: 'pass', time: Infinity }];
    const back = parseReportJson(renderJson(report), 'r.json');
    expect(back.measurements.map((m) => m.value)).toEqual([NaN, -Infinity]);
    expect(back.tests[0]?.time).toBe(Infinity);
  });

  it('names the file when the text is not JSON', () => {
    const error = usageError(() => parseReportJson('{"schema": ', 'artifacts/gate.json'));
    expect(error.message).toMatch(/^artifacts\/gate\.json is not valid JSON/);
    expect(error.place).toEqual({ file: 'artifacts/gate.json' });
    expect(error.hint).toContain('--output json=');
  });

  it('says a JSON file without the schema is not a sluice report', () => {
    const error = usageError(() => parseReportJson('{"verdict": "pass"}', 'metrics.json'));
    expect(error.message).toBe('metrics.json is not a sluice report: it has no `schema` field');
    expect(error.place).toEqual({ file: 'metrics.json', key: 'schema' });
    expect(usageError(() => parseReportJson('[1, 2]', 'list.json')).message).toContain(
      'not a sluice report',
    );
  });

  it('tells a newer schema apart from a foreign one', () => {
    expect(
      usageError(() => parseReportJson('{"schema": "sluice.report/v2"}', 'a.json')).message,
    ).toBe(
      'a.json is a sluice report of schema sluice.report/v2, which this version cannot read (it reads sluice.report/v1)',
    );
    expect(usageError(() => parseReportJson('{"schema": "other/v1"}', 'b.json')).message).toBe(
      'b.json is not a sluice report: `schema` is "other/v1", not sluice.report/v1',
    );
  });

  it('names the key path of the first wrong field', () => {
    const document = JSON.parse(renderJson(qualityGateReport())) as {
      report: { sections: { blocks: { rows?: unknown }[] }[]; verdict: unknown };
    };
    const sections = document.report.sections;
    const first = sections[0]?.blocks[0];
    if (first !== undefined) first.rows = 'nope';
    const error = usageError(() => parseReportJson(JSON.stringify(document), 'c.json'));
    expect(error.message).toBe(
      'c.json is not a sluice report: `report.sections[0].blocks[0].rows` should be a list, not string',
    );
    expect(error.place).toEqual({ file: 'c.json', key: 'report.sections[0].blocks[0].rows' });

    document.report.verdict = 'maybe';
    expect(usageError(() => parseReportJson(JSON.stringify(document), 'c.json')).message).toContain(
      '`report.verdict` should be one of pass, fail',
    );
  });

  it('rejects an unknown block type and a wrong status', () => {
    const report = qualityGateReport();
    const document = JSON.parse(renderJson(report)) as {
      report: { sections: { blocks: { type: string }[] }[] };
    };
    const block = document.report.sections[1]?.blocks[0];
    if (block !== undefined) block.type = 'video';
    expect(usageError(() => parseReportJson(JSON.stringify(document), 'd.json')).message).toContain(
      '`report.sections[1].blocks[0].type` should be one of paragraph, table, details, list, code, chart',
    );
  });
});
