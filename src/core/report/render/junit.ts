import { escapeXml } from '../escape.js';
import type { Report, TestCase } from '../model.js';

function seconds(time: number | undefined): string {
  if (time === undefined || !Number.isFinite(time) || time < 0) return '0';
  return String(Number(time.toFixed(6)));
}

function attributes(pairs: [string, string | undefined][]): string {
  return pairs
    .filter((pair): pair is [string, string] => pair[1] !== undefined)
    .map(([name, value]) => ` ${name}="${escapeXml(value, true)}"`)
    .join('');
}

function renderCase(test: TestCase): string {
  const open = `    <testcase${attributes([
    ['name', test.name],
    ['classname', test.suite],
    ['file', test.file],
    ['time', seconds(test.time)],
  ])}`;
  if (test.status === 'pass') {
    if (test.message === undefined) return `${open}/>`;
    // A pass with something to say (a warning, a drifted column that did not fail the run):
    // readers show a testcase's system-out, so it is not a silent pass.
    const text = test.detail === undefined ? test.message : `${test.message}\n\n${test.detail}`;
    return `${open}>\n      <system-out>${escapeXml(text)}</system-out>\n    </testcase>`;
  }
  const message = test.message ?? (test.status === 'fail' ? 'failed' : 'skipped');
  if (test.status === 'skip') {
    return `${open}>\n      <skipped${attributes([['message', message]])}/>\n    </testcase>`;
  }
  // GitLab shows the element's text, not the message attribute: the body carries both.
  const body = test.detail === undefined ? message : `${message}\n\n${test.detail}`;
  return `${open}>\n      <failure${attributes([
    ['message', message],
    ['type', 'failure'],
  ])}>${escapeXml(body)}</failure>\n    </testcase>`;
}

function counts(tests: TestCase[]): [string, string][] {
  const time = tests.reduce(
    (sum, test) =>
      sum +
      (test.time !== undefined && Number.isFinite(test.time) && test.time > 0 ? test.time : 0),
    0,
  );
  return [
    ['tests', String(tests.length)],
    ['failures', String(tests.filter((test) => test.status === 'fail').length)],
    ['errors', '0'],
    ['skipped', String(tests.filter((test) => test.status === 'skip').length)],
    ['time', seconds(time)],
  ];
}

/**
 * JUnit XML for GitLab's `artifacts:reports:junit` (and any JUnit reader): one `testsuite`
 * per TestCase.suite, one `testcase` per test. GitLab shows `classname` as the suite and
 * `name` as the test, so both are set; a failure's text holds the message and its detail, and
 * a passing test with a message carries it (and its detail) in `<system-out>`.
 */
export function renderJunit(report: Report): string {
  const suites = new Map<string, TestCase[]>();
  for (const test of report.tests) {
    const list = suites.get(test.suite) ?? [];
    list.push(test);
    suites.set(test.suite, list);
  }
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const root = `<testsuites${attributes([['name', `sluice ${report.command}`], ...counts(report.tests)])}`;
  if (suites.size === 0) {
    lines.push(`${root}/>`);
    return lines.join('\n') + '\n';
  }
  lines.push(`${root}>`);
  for (const [suite, tests] of suites) {
    lines.push(`  <testsuite${attributes([['name', suite], ...counts(tests)])}>`);
    for (const test of tests) lines.push(renderCase(test));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return lines.join('\n') + '\n';
}
