import { describe, expect, it } from 'vitest';
import { dotenvName, dotenvValue, renderDotenv } from '../../../src/core/report/render/dotenv.js';
import { qualityGateReport } from './fixtures.js';

/** GitLab's reading of a dotenv report: `KEY=value` per line, cut at the first `=`, trimmed. */
function readAsGitLab(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n').slice(0, -1)) {
    const match = /^(.*?)=(.*)$/.exec(line);
    expect(match, `line ${JSON.stringify(line)}`).not.toBeNull();
    const key = (match?.[1] ?? '').trim();
    expect(key).toMatch(/^[a-zA-Z0-9_]+$/);
    out.set(key, (match?.[2] ?? '').trim());
  }
  return out;
}

describe('renderDotenv', () => {
  it('writes the verdict then every output as SLUICE_<COMMAND>_<OUTPUT>', () => {
    expect(renderDotenv(qualityGateReport())).toBe(
      'SLUICE_QUALITY_GATE_VERDICT=fail\nSLUICE_QUALITY_GATE_PASSED=false\nSLUICE_QUALITY_GATE_FAILED_METRICS=accuracy\nSLUICE_QUALITY_GATE_REPORT=sluice-report.json\n',
    );
  });

  it('keeps the values of two commands apart when a later job loads both files', () => {
    const gate = qualityGateReport();
    const data = { ...qualityGateReport(), command: 'validate-data', verdict: 'pass' as const };
    data.outputs = { passed: 'true', 'failed-checks': '' };
    const both = new Map([
      ...readAsGitLab(renderDotenv(gate)),
      ...readAsGitLab(renderDotenv(data)),
    ]);
    expect(both.get('SLUICE_QUALITY_GATE_VERDICT')).toBe('fail');
    expect(both.get('SLUICE_QUALITY_GATE_PASSED')).toBe('false');
    expect(both.get('SLUICE_VALIDATE_DATA_VERDICT')).toBe('pass');
    expect(both.get('SLUICE_VALIDATE_DATA_PASSED')).toBe('true');
  });

  it('names variables in upper snake case with only letters, digits and underscores', () => {
    expect(dotenvName('quality-gate', 'failed-metrics')).toBe('SLUICE_QUALITY_GATE_FAILED_METRICS');
    expect(dotenvName('build-image', 'imageDigest')).toBe('SLUICE_BUILD_IMAGE_IMAGE_DIGEST');
    expect(dotenvName('x', 'a.b c/ä')).toBe('SLUICE_X_A_B_C');
    expect(dotenvName('x', '--')).toBe('SLUICE_X');
  });

  it('puts a multi-line value on one line and keeps quotes and = as written', () => {
    expect(dotenvValue('  a\nb\r\nc\td  ')).toBe('a b c d');
    const report = qualityGateReport();
    report.outputs = { list: 'x\ny', quoted: `"a" 'b' =c` };
    const read = readAsGitLab(renderDotenv(report));
    expect(read.get('SLUICE_QUALITY_GATE_LIST')).toBe('x y');
    expect(read.get('SLUICE_QUALITY_GATE_QUOTED')).toBe(`"a" 'b' =c`);
  });

  it('never writes a second verdict from an output named verdict, nor an omitted list from one named omitted', () => {
    const report = qualityGateReport();
    report.outputs = { verdict: 'pass', omitted: 'x', other: '1' };
    expect(renderDotenv(report)).toBe(
      'SLUICE_QUALITY_GATE_VERDICT=fail\nSLUICE_QUALITY_GATE_OTHER=1\n',
    );
  });

  it('leaves out what does not fit the size and names it in SLUICE_<COMMAND>_OMITTED', () => {
    const report = qualityGateReport();
    report.outputs = { small: 'ok', huge: 'x'.repeat(6000), after: 'fine' };
    const text = renderDotenv(report);
    expect(Buffer.byteLength(text)).toBeLessThan(5 * 1024);
    expect(text).toBe(
      'SLUICE_QUALITY_GATE_VERDICT=fail\nSLUICE_QUALITY_GATE_SMALL=ok\nSLUICE_QUALITY_GATE_AFTER=fine\nSLUICE_QUALITY_GATE_OMITTED=SLUICE_QUALITY_GATE_HUGE\n',
    );
  });

  it('keeps to GitLab’s default of 20 variables, SLUICE_OMITTED included', () => {
    const report = qualityGateReport();
    report.outputs = Object.fromEntries(
      Array.from({ length: 25 }, (_v, i) => [`out-${i}`, String(i)]),
    );
    const read = readAsGitLab(renderDotenv(report));
    expect(read.size).toBe(20);
    expect(read.get('SLUICE_QUALITY_GATE_OMITTED')).toBe(
      Array.from({ length: 7 }, (_v, i) => `SLUICE_QUALITY_GATE_OUT_${18 + i}`).join(','),
    );
    expect(read.get('SLUICE_QUALITY_GATE_OUT_17')).toBe('17');
  });

  it('writes everything when exactly 20 variables fit', () => {
    const report = qualityGateReport();
    report.outputs = Object.fromEntries(Array.from({ length: 19 }, (_v, i) => [`o${i}`, 'v']));
    const read = readAsGitLab(renderDotenv(report));
    expect(read.size).toBe(20);
    expect(read.has('SLUICE_QUALITY_GATE_OMITTED')).toBe(false);
  });

  it('takes other limits as options', () => {
    const report = qualityGateReport();
    const text = renderDotenv(report, { maxBytes: 100 });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(100);
    expect(readAsGitLab(text).get('SLUICE_QUALITY_GATE_VERDICT')).toBe('fail');
    expect(text).toContain('SLUICE_QUALITY_GATE_OMITTED=');
  });
});
