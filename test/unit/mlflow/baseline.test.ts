/**
 * `mlflow:` baselines and candidates in the core, with a fake ModelRegistry: the three forms,
 * what each side came from (links), the history chart from earlier versions, and the errors
 * (missing alias/version/run/metrics → exit 2, a registry failing otherwise → exit 3).
 */
import { describe, expect, it } from 'vitest';
import { resolveBaseline, type BaselineDeps } from '../../../src/core/baseline/resolve.js';
import { parseBaselineSpec, parseMlflowRef } from '../../../src/core/baseline/spec.js';
import { InfraError, UsageError } from '../../../src/core/errors.js';
import type {
  GitReader,
  ModelRegistry,
  ModelVersionRef,
  RegistryMetrics,
} from '../../../src/core/ports.js';
import { qualityGate } from '../../../src/inputs/quality-gate.js';
import { parseInputs } from '../../../src/inputs/parse.js';

const git = {} as GitReader;
const deps = (modelRegistry?: ModelRegistry): BaselineDeps => ({
  git,
  run: { platform: 'local', cwd: '/w' },
  ...(modelRegistry ? { modelRegistry } : {}),
});

const versions: ModelVersionRef[] = [5, 6, 7].map((n) => ({
  model: 'churn',
  version: String(n),
  runId: `r${n}`,
  url: `http://ml.test/#/models/churn/versions/${n}`,
}));
const metricsOf = (v: ModelVersionRef): RegistryMetrics => ({
  values: new Map([
    ['accuracy', Number(v.version) / 10],
    ['loss', 0.2],
  ]),
  source: `run ${v.runId}`,
  runId: v.runId!,
  url: `http://ml.test/#/experiments/1/runs/${v.runId}`,
});

/** A registry holding `churn` versions 5–7, 7 under the alias `champion`, and run `r9`. */
function fakeRegistry(overrides: Partial<ModelRegistry> = {}): ModelRegistry {
  return {
    name: 'MLflow at mlflow.test',
    resolveAlias: (model, alias) =>
      Promise.resolve(model === 'churn' && alias === 'champion' ? versions[2] : undefined),
    getVersion: (model, version) =>
      Promise.resolve(versions.find((v) => v.model === model && v.version === version)),
    readMetrics: (v) => Promise.resolve(metricsOf(v)),
    readRun: (runId) =>
      Promise.resolve(
        runId === 'r9'
          ? { values: new Map([['accuracy', 0.5]]), source: 'run r9', runId: 'r9' }
          : undefined,
      ),
    earlierVersions: (v, count) =>
      Promise.resolve(versions.filter((x) => Number(x.version) < Number(v.version)).slice(-count)),
    tagVersion: () => Promise.resolve(),
    setAlias: () => Promise.resolve(),
    ...overrides,
  };
}

const fail = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('mlflow: references', () => {
  it('parse the alias, version and run forms', () => {
    expect(parseMlflowRef('churn@champion', 'baseline')).toEqual({
      model: 'churn',
      alias: 'champion',
    });
    expect(parseMlflowRef('team/churn/12', 'baseline')).toEqual({
      model: 'team/churn',
      version: '12',
    });
    expect(parseMlflowRef('runs:/0a1B_c-9', 'metrics')).toEqual({ runId: '0a1B_c-9' });
    expect(parseBaselineSpec('mlflow:churn@champion')).toEqual({
      kind: 'mlflow',
      ref: { model: 'churn', alias: 'champion' },
    });
  });

  it.each(['churn', 'churn@', '@champion', 'churn/x', 'runs:/', 'runs:/a/../b', 'a\n@b'])(
    '`mlflow:%s` is a UsageError naming the input and the three forms',
    (rest) => {
      const error = (() => {
        try {
          parseBaselineSpec(`mlflow:${rest}`);
        } catch (e) {
          return e;
        }
      })() as UsageError;
      expect(error).toBeInstanceOf(UsageError);
      expect(error.place).toEqual({ key: 'baseline' });
      expect(error.message).not.toContain('\n');
      expect(error.hint).toMatch(/<alias>.*<version>.*runs:\//);
    },
  );

  it('are offered by the baseline input (its pattern takes them)', () => {
    const read = (name: string) => ({ metrics: 'm.json', baseline: 'mlflow:churn@champion' })[name];
    expect(parseInputs(qualityGate, read, 'cli').baseline).toBe('mlflow:churn@champion');
    const def = qualityGate.inputs.find((input) => input.name === 'baseline')!;
    expect(def.description).toContain('mlflow:<model>@<alias>');
  });
});

describe('mlflow: baselines', () => {
  it('without a registry are a UsageError saying to set MLFLOW_TRACKING_URI', async () => {
    const error = (await fail(
      resolveBaseline(parseBaselineSpec('mlflow:churn@champion'), ['m.json'], deps()),
    )) as UsageError;
    expect(error).toBeInstanceOf(UsageError);
    expect(error.exitCode).toBe(2);
    expect(error.hint).toContain('MLFLOW_TRACKING_URI');
  });

  it("read the aliased version's metrics, saying where they came from with links", async () => {
    const resolved = await resolveBaseline(
      parseBaselineSpec('mlflow:churn@champion'),
      ['eval/m.json'],
      deps(fakeRegistry()),
    );
    expect(resolved.label).toBe('churn@champion (version 7)');
    expect(resolved.sets[0]!.file).toBe('eval/m.json');
    expect([...resolved.sets[0]!.values]).toEqual([
      ['accuracy', { kind: 'number', value: 0.7, text: '0.7' }],
      ['loss', { kind: 'number', value: 0.2, text: '0.2' }],
    ]);
    expect(resolved.provenance).toContainEqual({
      link: 'version 7 of churn',
      href: 'http://ml.test/#/models/churn/versions/7',
    });
    expect(resolved.provenance).toContainEqual({
      link: 'run r7',
      href: 'http://ml.test/#/experiments/1/runs/r7',
    });
  });

  it('chart the earlier versions, oldest first, the baseline last', async () => {
    const resolved = await resolveBaseline(
      parseBaselineSpec('mlflow:churn/7'),
      ['m.json'],
      deps(fakeRegistry()),
    );
    const history = await resolved.history!(3);
    expect(history.map((point) => point.label)).toEqual(['v5', 'v6', 'v7']);
    expect(history[0]!.sets[0]!.values.get('accuracy')).toMatchObject({ value: 0.5 });
  });

  it("chart a run's training curves by step", async () => {
    const registry = fakeRegistry({
      metricHistory: (_run, key) =>
        Promise.resolve(
          key === 'accuracy' ? [0, 1, 2].map((step) => ({ step, value: 0.3 + step / 10 })) : [],
        ),
    });
    const resolved = await resolveBaseline(
      parseBaselineSpec('mlflow:runs:/r9'),
      ['m.json'],
      deps(registry),
    );
    expect(resolved.historyUnit).toBe('steps');
    const history = await resolved.history!(2);
    expect(history.map((point) => point.label)).toEqual(['step 1', 'step 2']);
    expect(history[1]!.sets[0]!.values.get('accuracy')).toMatchObject({ value: 0.5 });
  });

  it('read a run by id', async () => {
    const resolved = await resolveBaseline(
      parseBaselineSpec('mlflow:runs:/r9'),
      ['m.json'],
      deps(fakeRegistry()),
    );
    expect(resolved.label).toBe('run r9');
    expect(resolved.sets[0]!.values.get('accuracy')).toMatchObject({ value: 0.5 });
  });

  it.each([
    ['mlflow:churn@staging', 'has no alias `staging` on registered model `churn`'],
    ['mlflow:churn/99', 'has no version 99 of registered model `churn`'],
    ['mlflow:runs:/nope', 'has no run `nope`'],
  ])('%s missing is a UsageError naming what is missing', async (text, message) => {
    const error = (await fail(
      resolveBaseline(parseBaselineSpec(text), ['m.json'], deps(fakeRegistry())),
    )) as UsageError;
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain(`MLflow at mlflow.test ${message}`);
    expect(error.place).toEqual({ key: 'baseline' });
  });

  it('a version without metrics is a UsageError saying where it looked', async () => {
    const registry = fakeRegistry({
      readMetrics: () => Promise.resolve({ values: new Map(), source: 'run r7' }),
    });
    const error = (await fail(
      resolveBaseline(parseBaselineSpec('mlflow:churn@champion'), ['m.json'], deps(registry)),
    )) as UsageError;
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(/holds no metrics for it \(read from run r7\)/);
  });

  it('a registry failing otherwise is an InfraError naming the registry', async () => {
    const registry = fakeRegistry({
      readMetrics: () => Promise.reject(new Error('socket hang up')),
    });
    const error = await fail(
      resolveBaseline(parseBaselineSpec('mlflow:churn@champion'), ['m.json'], deps(registry)),
    );
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
