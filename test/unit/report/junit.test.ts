import { XMLValidator } from 'fast-xml-parser';
import { junitParser } from './junit-xml.js';
import { describe, expect, it } from 'vitest';
import { renderJunit } from '../../../src/core/report/render/junit.js';
import { PAYLOADS, qualityGateReport } from './fixtures.js';

const parser = junitParser;

interface Case {
  name: string;
  classname: string;
  file?: string;
  time: string;
  failure?: { message: string; type: string; '#text': string };
  skipped?: { message: string };
}
interface Suite {
  name: string;
  tests: string;
  failures: string;
  skipped: string;
  testcase: Case[];
}
interface Document {
  testsuites: {
    name: string;
    tests: string;
    failures: string;
    errors: string;
    skipped: string;
    testsuite?: Suite[];
  };
}

function parse(xml: string): Document {
  expect(XMLValidator.validate(xml)).toBe(true);
  return parser.parse(xml) as Document;
}

describe('renderJunit', () => {
  const xml = renderJunit(qualityGateReport());
  const document = parse(xml);

  it('is well-formed XML with a declaration', () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
  });

  it('counts tests, failures and skips on the root and each suite', () => {
    const root = document.testsuites;
    expect([root.name, root.tests, root.failures, root.errors, root.skipped]).toEqual([
      'sluice quality-gate',
      '3',
      '1',
      '0',
      '1',
    ]);
    expect(
      root.testsuite?.map((suite) => [suite.name, suite.tests, suite.failures, suite.skipped]),
    ).toEqual([
      ['eval/metrics.json', '2', '1', '0'],
      ['eval/extra.json', '1', '0', '1'],
    ]);
  });

  it('writes one testcase per test with classname set to the suite (GitLab shows it)', () => {
    const cases = document.testsuites.testsuite?.flatMap((suite) => suite.testcase) ?? [];
    expect(cases.map((test) => [test.classname, test.name, test.time])).toEqual([
      ['eval/metrics.json', 'accuracy', '0'],
      ['eval/metrics.json', 'loss', '0.002'],
      ['eval/extra.json', 'mystery', '0'],
    ]);
    expect(cases[0]?.file).toBe('eval/metrics.json');
  });

  it('puts the message in the attribute and message plus detail in the body', () => {
    expect(xml).toContain(
      '      <failure message="accuracy fell by 0.05 (max 0.01)" type="failure">accuracy fell by 0.05 (max 0.01)\n\nbaseline 0.75, candidate 0.70</failure>',
    );
    expect(xml).toContain('      <skipped message="direction unknown"/>');
    expect(xml).toContain('    <testcase name="loss" classname="eval/metrics.json" time="0.002"/>');
  });

  it('escapes names, messages and details, and stays well-formed for every payload', () => {
    const report = qualityGateReport();
    report.tests = PAYLOADS.map((payload) => ({
      suite: payload,
      name: `${payload} ]]> "q" 'a'`,
      status: 'fail' as const,
      message: `${payload}\nsecond line`,
      detail: `${payload} <![CDATA[ x ]]> \u0000\u0008`,
      file: payload,
    }));
    const out = renderJunit(report);
    const doc = parse(out);
    const cases = doc.testsuites.testsuite?.flatMap((suite) => suite.testcase) ?? [];
    expect(cases).toHaveLength(PAYLOADS.length);
    expect(out).not.toMatch(/<script|<img/);
    const scriptCase = cases.find((test) => test.classname === '<script>alert(1)</script>');
    expect(scriptCase?.name).toBe(`<script>alert(1)</script> ]]> "q" 'a'`);
    expect(out).toContain('message="&lt;script&gt;alert(1)&lt;/script&gt;&#10;second line"');
  });

  it('writes an empty testsuites element for a report without tests', () => {
    const report = qualityGateReport();
    report.tests = [];
    const out = renderJunit(report);
    parse(out);
    expect(out).toContain(
      '<testsuites name="sluice quality-gate" tests="0" failures="0" errors="0" skipped="0" time="0"/>',
    );
  });
});
