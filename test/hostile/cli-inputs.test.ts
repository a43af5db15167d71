/**
 * Hostile flag values through the CLI: numbers out of range (source-date-epoch 1e300 used to
 * throw in Date), unknown and repeated flags, bogus choices, empty and very long values. Each is
 * exit 2 naming the input, never a stack trace.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../unit/support/temp-dirs.js';
import { expectHandled, root, sluice } from './cli-support.js';

let dir: string;

beforeAll(() => {
  dir = tempDir('sluice-hostile-inputs-');
  copyFileSync(path.join(root, 'examples/churn/metrics/candidate.json'), path.join(dir, 'm.json'));
  mkdirSync(path.join(dir, 'model'));
  writeFileSync(path.join(dir, 'model/w.bin'), 'x');
});

const build = ['build-image', '--model', 'model', '--base', 'scratch', '--output', 'oci:out'];
const gate = ['quality-gate', '--metrics', 'm.json', '--baseline', 'none'];

describe('numbers are validated where parsed, naming the input', () => {
  it.each([
    [[...build, '--source-date-epoch', '1e300'], 'source-date-epoch'],
    [[...build, '--source-date-epoch', '-1'], 'source-date-epoch'],
    [[...build, '--source-date-epoch', '1.5'], 'source-date-epoch'],
    [[...build, '--compression-level', '10'], 'compression-level'],
    [[...build, '--parallel', '0'], 'parallel'],
    [[...build, '--parallel', '1e9'], 'parallel'],
    [[...build, '--chunk-size', '1e300'], 'chunk-size'],
    [[...gate, '--history', '1e300'], 'history'],
    [[...gate, '--history', '-3'], 'history'],
    [[...gate, '--pull-request', '0'], 'pull-request'],
    [[...gate, '--pull-request', '99999999999999999999'], 'pull-request'],
    [[...gate, '--pull-request', 'NaN'], 'pull-request'],
  ])('%j', async (args, input) => {
    const run = await sluice(args, { cwd: dir });
    expectHandled(run, 2);
    expect(run.stderr).toContain(`\`${input}\``);
    expect(run.stderr).toContain(`--${input}`);
  });

  it('SOURCE_DATE_EPOCH=1e300 from the environment names the variable', async () => {
    const run = await sluice(build, { cwd: dir, env: { SOURCE_DATE_EPOCH: '1e300' } });
    expectHandled(run, 2);
    expect(run.stderr).toContain('SOURCE_DATE_EPOCH');
  });

  it('SLUICE_HISTORY=abc names the variable', async () => {
    const run = await sluice(gate, { cwd: dir, env: { SLUICE_HISTORY: 'abc' } });
    expectHandled(run, 2);
    expect(run.stderr).toContain('SLUICE_HISTORY');
  });
});

describe('hostile flags', () => {
  it.each([
    [[...gate, '--format', 'bogus'], /format/],
    [[...gate, '--bogus'], /unknown flag --bogus/],
    [[...gate, '--rules', 'a', '--rules', 'b'], /--rules was given twice/],
    [['quality-gate', '--metrics', ''], /metrics/],
    [['quality-gate', '--metrics'], /--metrics needs a value/],
    [[...gate, '--output', 'json='], /output/],
    [[...gate, '--output', 'bogus=x.json'], /output/],
    [[...gate, '--fail-on-verdict=maybe'], /fail-on-verdict/],
    [['quality-gate', '--metrics', 'm.json', '--baseline', 'mlflow:@'], /baseline/],
    [
      ['quality-gate', '--metrics', 'm.json', '--baseline', `git:${'x'.repeat(100_000)}`],
      /baseline/,
    ],
    [['quality-gate', '--metrics', 'x'.repeat(100_000)], /metrics|too long|matches no file/],
    [[...gate, '--rules', 'x'.repeat(100_000)], /too long|not found/],
    [['no-such-command'], /unknown command/],
    [['quality-gate', '--metrics', '[z-a].json'], /not a valid glob/],
    [['comment', '--reports', 'reports/[b-a]*.json'], /not a valid glob/],
  ])('%#: exit 2', async (args, reason) => {
    const run = await sluice(args as string[], { cwd: dir });
    expectHandled(run, 2);
    expect(run.stderr).toMatch(reason);
    expect(run.stderr.length).toBeLessThan(20_000);
  });
});
