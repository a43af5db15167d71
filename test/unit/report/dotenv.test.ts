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
  it('writes SLUICE_VERDICT then every output as SLUICE_<UPPER_SNAKE>', () => {
    expect(renderDotenv(qualityGateReport())).toBe(
      'SLUICE_VERDICT=fail\nSLUICE_PASSED=false\nSLUICE_FAILED_METRICS=accuracy\nSLUICE_REPORT=sluice-report.json\n',
    );
  });

  it('names variables in upper snake case with only letters, digits and underscores', () => {
    expect(dotenvName('failed-metrics')).toBe('SLUICE_FAILED_METRICS');
    expect(dotenvName('imageDigest')).toBe('SLUICE_IMAGE_DIGEST');
    expect(dotenvName('a.b c/ä')).toBe('SLUICE_A_B_C');
    expect(dotenvName('--')).toBe('SLUICE');
  });

  it('puts a multi-line value on one line and keeps quotes and = as written', () => {
    expect(dotenvValue('  a\nb\r\nc\td  ')).toBe('a b c d');
    const report = qualityGateReport();
    report.outputs = { list: 'x\ny', quoted: `"a" 'b' =c` };
    const read = readAsGitLab(renderDotenv(report));
    expect(read.get('SLUICE_LIST')).toBe('x y');
    expect(read.get('SLUICE_QUOTED')).toBe(`"a" 'b' =c`);
  });

  it('never writes a second SLUICE_VERDICT from an output named verdict', () => {
    const report = qualityGateReport();
    report.outputs = { verdict: 'pass', other: '1' };
    expect(renderDotenv(report)).toBe('SLUICE_VERDICT=fail\nSLUICE_OTHER=1\n');
  });

  it('leaves out what does not fit the size and names it in SLUICE_OMITTED', () => {
    const report = qualityGateReport();
    report.outputs = { small: 'ok', huge: 'x'.repeat(6000), after: 'fine' };
    const text = renderDotenv(report);
    expect(Buffer.byteLength(text)).toBeLessThan(5 * 1024);
    expect(text).toBe(
      'SLUICE_VERDICT=fail\nSLUICE_SMALL=ok\nSLUICE_AFTER=fine\nSLUICE_OMITTED=SLUICE_HUGE\n',
    );
  });

  it('keeps to GitLab’s default of 20 variables, SLUICE_OMITTED included', () => {
    const report = qualityGateReport();
    report.outputs = Object.fromEntries(
      Array.from({ length: 25 }, (_v, i) => [`out-${i}`, String(i)]),
    );
    const read = readAsGitLab(renderDotenv(report));
    expect(read.size).toBe(20);
    expect(read.get('SLUICE_OMITTED')).toBe(
      Array.from({ length: 7 }, (_v, i) => `SLUICE_OUT_${18 + i}`).join(','),
    );
    expect(read.get('SLUICE_OUT_17')).toBe('17');
  });

  it('writes everything when exactly 20 variables fit', () => {
    const report = qualityGateReport();
    report.outputs = Object.fromEntries(Array.from({ length: 19 }, (_v, i) => [`o${i}`, 'v']));
    const read = readAsGitLab(renderDotenv(report));
    expect(read.size).toBe(20);
    expect(read.has('SLUICE_OMITTED')).toBe(false);
  });

  it('takes other limits as options', () => {
    const report = qualityGateReport();
    const text = renderDotenv(report, { maxBytes: 60 });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(60);
    expect(readAsGitLab(text).get('SLUICE_VERDICT')).toBe('fail');
    expect(text).toContain('SLUICE_OMITTED=');
  });
});
