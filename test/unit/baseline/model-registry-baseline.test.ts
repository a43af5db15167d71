/**
 * `mlflow:<model>@<alias>` baselines: refused plainly until the MLflow client fills the
 * ModelRegistry port; with a registry, the aliased version's run metrics are the baseline.
 */
import { describe, expect, it } from 'vitest';
import { resolveBaseline, type BaselineDeps } from '../../../src/core/baseline/resolve.js';
import { parseBaselineSpec } from '../../../src/core/baseline/spec.js';
import { InfraError, UsageError } from '../../../src/core/errors.js';
import type { GitReader, ModelRegistry, ModelVersionRef } from '../../../src/core/ports.js';
import { qualityGate } from '../../../src/inputs/quality-gate.js';
import { parseInputs } from '../../../src/inputs/parse.js';

const git = {} as GitReader;
const deps = (modelRegistry?: ModelRegistry): BaselineDeps => ({
  git,
  run: { platform: 'local', cwd: '/w' },
  ...(modelRegistry ? { modelRegistry } : {}),
});

/** A registry holding `churn` version 7 under the alias `champion`. */
function fakeRegistry(overrides: Partial<ModelRegistry> = {}): ModelRegistry {
  const v7: ModelVersionRef = { model: 'churn', version: '7', runId: 'r7', aliases: ['champion'] };
  return {
    name: 'MLflow at mlflow.test',
    resolveAlias: (model, alias) =>
      Promise.resolve(model === 'churn' && alias === 'champion' ? v7 : undefined),
    getVersion: () => Promise.resolve(v7),
    readMetrics: () =>
      Promise.resolve(
        new Map([
          ['accuracy', 0.91],
          ['loss', 0.2],
        ]),
      ),
    tagVersion: () => Promise.resolve(),
    setAlias: () => Promise.resolve(),
    ...overrides,
  };
}

describe('mlflow: baselines', () => {
  it('are a UsageError saying they are not available yet, naming the input and what to use', async () => {
    const spec = parseBaselineSpec('mlflow:churn@champion');
    const error = await resolveBaseline(spec, ['m.json'], deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as UsageError).message).toMatch(
      /^baseline `mlflow:churn@champion`: MLflow baselines are not available yet/,
    );
    expect((error as UsageError).place).toEqual({ key: 'baseline' });
    expect((error as UsageError).hint).toMatch(/file:<path>.*git:<ref>/);
  });

  it('are no longer offered by the input: its pattern refuses them and its help says planned', () => {
    const def = qualityGate.inputs.find((input) => input.name === 'baseline')!;
    expect(def.regex).not.toContain('mlflow');
    expect(def.description).toMatch(/planned, not available yet/);
    const read = (name: string) => ({ metrics: 'm.json', baseline: 'mlflow:churn@champion' })[name];
    expect(() => parseInputs(qualityGate, read, 'cli')).toThrow(UsageError);
    try {
      parseInputs(qualityGate, read, 'cli');
    } catch (error) {
      expect((error as UsageError).hint).toMatch(/not available yet/);
    }
  });

  it('an unknown baseline form no longer lists mlflow among the forms', () => {
    expect(() => parseBaselineSpec('s3:bucket/x')).toThrow(UsageError);
    try {
      parseBaselineSpec('s3:bucket/x');
    } catch (error) {
      expect((error as UsageError).hint).not.toContain('mlflow');
    }
  });

  it('print control characters in the model name escaped', async () => {
    const spec = parseBaselineSpec('mlflow:a\n::error::x@champion');
    const error = (await resolveBaseline(spec, ['m.json'], deps()).catch(
      (e: unknown) => e,
    )) as Error;
    expect(error.message).not.toContain('\n');
    expect(error.message).toContain('\\u000a');
  });

  it('with a registry, read the aliased version run metrics as the baseline', async () => {
    const spec = parseBaselineSpec('mlflow:churn@champion');
    const resolved = await resolveBaseline(spec, ['eval/m.json'], deps(fakeRegistry()));
    expect(resolved.label).toBe('churn@champion (version 7)');
    expect(resolved.sets).toHaveLength(1);
    expect(resolved.sets[0]!.file).toBe('eval/m.json');
    expect([...resolved.sets[0]!.values]).toEqual([
      ['accuracy', { kind: 'number', value: 0.91, text: '0.91' }],
      ['loss', { kind: 'number', value: 0.2, text: '0.2' }],
    ]);
  });

  it('an alias the model lacks is a UsageError naming model, alias and registry', async () => {
    const spec = parseBaselineSpec('mlflow:churn@staging');
    const error = (await resolveBaseline(spec, ['m.json'], deps(fakeRegistry())).catch(
      (e: unknown) => e,
    )) as UsageError;
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain('MLflow at mlflow.test has no alias `staging`');
  });

  it('a registry failing otherwise is an InfraError naming the registry', async () => {
    const registry = fakeRegistry({
      readMetrics: () => Promise.reject(new Error('socket hang up')),
    });
    const error = await resolveBaseline(
      parseBaselineSpec('mlflow:churn@champion'),
      ['m.json'],
      deps(registry),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfraError);
    expect((error as Error).message).toContain('MLflow at mlflow.test');
  });

  it('compare against exactly one metrics file', async () => {
    await expect(
      resolveBaseline(
        parseBaselineSpec('mlflow:churn@champion'),
        ['a.json', 'b.json'],
        deps(fakeRegistry()),
      ),
    ).rejects.toThrow(/exactly one metrics file/);
  });
});
