/**
 * rollout's opt-in alias write-back (`mlflow-promote-alias`): a promoted rollout moves the
 * alias to the canary's version; a rolled-back one leaves it; a bad value is exit 2 before any
 * traffic moves. `mlflow-challenger-alias`: set on the canary's version as the rollout starts,
 * removed when it ends either way, and by `abort` and the post: step when it was left
 * unfinished. Runs the real rollout command with the rollout tests' fakes, in virtual time.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CHALLENGER_STATE,
  parseChallengerAlias,
  parsePromoteAlias,
  promoteAliasAfterRollout,
} from '../../../src/core/commands/mlflow-alias.js';
import { rolloutCommand, rolloutPostCommand } from '../../../src/core/commands/rollout.js';
import type { CommandDeps } from '../../../src/core/commands/types.js';
import { UsageError } from '../../../src/core/errors.js';
import type { ModelRegistry, ModelVersionRef } from '../../../src/core/ports.js';
import { parseInputs } from '../../../src/inputs/parse.js';
import { rollout } from '../../../src/inputs/rollout.js';
import { runOnVirtualTime, VirtualTime } from '../support/virtual-time.js';
import {
  FakeProvider,
  FakeRouter,
  MemoryState,
  recordingLogger,
  values,
} from '../rollout/fakes.js';
import { tempDir } from '../support/temp-dirs.js';

const SPEC = `stable: v1
canary: v2
router: { type: builtin, admin: "http://127.0.0.1:9901" }
analysis:
  metrics:
    - { name: error_rate, provider: { type: prometheus, url: "http://127.0.0.1:9090" }, interval: 30s, failureCondition: { max: 0.05 } }
steps:
  - setWeight: 50
  - pause: 1m
`;

function fakeRegistry() {
  const aliases = new Map([['churn@champion', '6']]);
  const moves: string[] = [];
  const registry: ModelRegistry = {
    name: 'MLflow at ml.test',
    resolveAlias: (model, alias) => {
      const version = aliases.get(`${model}@${alias}`);
      return Promise.resolve(version ? ({ model, version } as ModelVersionRef) : undefined);
    },
    getVersion: (model, version) =>
      Promise.resolve(
        model === 'churn' && ['6', '7'].includes(version) ? { model, version } : undefined,
      ),
    readMetrics: () => Promise.resolve({ values: new Map(), source: 'nothing' }),
    tagVersion: () => Promise.resolve(),
    setAlias: (model, alias, version) => {
      moves.push(`${model}@${alias}=${version}`);
      aliases.set(`${model}@${alias}`, version);
      return Promise.resolve();
    },
    deleteAlias: (model, alias) => {
      moves.push(`-${model}@${alias}`);
      aliases.delete(`${model}@${alias}`);
      return Promise.resolve();
    },
  };
  return { registry, moves, aliases };
}

function rolloutDeps(errorRate: number) {
  const time = new VirtualTime();
  const dir = tempDir('rollout-alias-');
  writeFileSync(path.join(dir, 'rollout.yml'), SPEC);
  const fake = fakeRegistry();
  const router = new FakeRouter();
  const state = new MemoryState();
  const deps = {
    logger: recordingLogger(),
    clock: time,
    sleep: time,
    run: { platform: 'local', cwd: dir },
    state,
    routers: async () => router,
    metrics: async () => new FakeProvider((q) => values(q.version === 'v2' ? errorRate : 0.001)),
    modelRegistry: fake.registry,
  } as unknown as CommandDeps;
  return { ...fake, time, deps, router, state };
}

const rolloutInputs = (given: Record<string, string>) =>
  parseInputs(rollout, (name) => ({ spec: 'rollout.yml', ...given })[name], 'cli');

async function runRollout(errorRate: number, promote: string, extra: Record<string, string> = {}) {
  const setup = rolloutDeps(errorRate);
  const p = rolloutCommand(
    rolloutInputs({ 'mlflow-promote-alias': promote, ...extra }),
    setup.deps,
  );
  return { ...setup, result: await runOnVirtualTime(setup.time, p, 10_000) };
}

describe('mlflow-promote-alias', () => {
  it('a promoted rollout moves the alias to the version, and says from where', async () => {
    const { result, moves } = await runRollout(0.001, 'churn@champion=7');
    expect(result.report?.outputs.outcome).toBe('promoted');
    expect(moves).toEqual(['churn@champion=7']);
    expect(result.report!.notes.map((n) => n.text)).toContain(
      'MLflow at ml.test: moved `churn@champion` from version 6 to version 7.',
    );
  });

  it('a rolled-back rollout leaves the alias where it was', async () => {
    const { result, moves } = await runRollout(0.5, 'churn@champion=7');
    expect(result.report?.verdict).toBe('fail');
    expect(moves).toEqual([]);
    expect(result.report!.notes.map((n) => n.text).join('\n')).toMatch(
      /`churn@champion` left where it was/,
    );
  });

  it('a version the registry lacks is exit 2, nothing moved', async () => {
    const { registry, moves } = fakeRegistry();
    const error = await promoteAliasAfterRollout(
      parsePromoteAlias('churn@champion=9'),
      true,
      registry,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(
      /has no version 9 of `churn`; `churn@champion` was not moved/,
    );
    expect(moves).toEqual([]);
  });

  it.each(['churn@champion', 'churn=7', '@champion=7', 'churn@a b=7', 'churn@x=7\n'])(
    '`%s` is exit 2 before anything runs',
    (value) => {
      if (value.endsWith('\n')) {
        // Trailing whitespace is trimmed: this one is valid.
        expect(parsePromoteAlias(value)).toEqual({ model: 'churn', alias: 'x', version: '7' });
        return;
      }
      expect(() => parsePromoteAlias(value)).toThrow(UsageError);
    },
  );
});

describe('mlflow-challenger-alias', () => {
  const notes = (result: { report?: { notes: { text: string }[] } }) =>
    result.report!.notes.map((n) => n.text).join('\n');

  it('set on the canary version as the rollout starts; after promotion, champion moved and challenger removed', async () => {
    const { result, moves, aliases, state } = await runRollout(0.001, 'churn@champion=7', {
      'mlflow-challenger-alias': 'challenger',
    });
    expect(result.report?.outputs.outcome).toBe('promoted');
    expect(moves).toEqual(['churn@challenger=7', 'churn@champion=7', '-churn@challenger']);
    expect(aliases.get('churn@champion')).toBe('7');
    expect(aliases.has('churn@challenger')).toBe(false);
    expect(notes(result)).toContain(
      'MLflow at ml.test: set `churn@challenger` to version 7 for the rollout; removed when the rollout ends.',
    );
    expect(notes(result)).toContain(
      'MLflow at ml.test: removed `churn@challenger` (version 7): the rollout is over.',
    );
    expect(await state.get(CHALLENGER_STATE)).toBe('');
  });

  it('after a rollback: challenger removed, champion where it was', async () => {
    const { result, moves, aliases } = await runRollout(0.5, 'churn@champion=7', {
      'mlflow-challenger-alias': 'challenger',
    });
    expect(result.report?.verdict).toBe('fail');
    expect(moves).toEqual(['churn@challenger=7', '-churn@challenger']);
    expect(aliases.get('churn@champion')).toBe('6');
    expect(notes(result)).toMatch(/removed `churn@challenger` \(version 7\)/);
  });

  it('a version the registry lacks is exit 2 before any traffic moves', async () => {
    const setup = rolloutDeps(0.001);
    const error = await rolloutCommand(
      rolloutInputs({ 'mlflow-challenger-alias': 'churn@challenger=9' }),
      setup.deps,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(
      /has no version 9 of `churn`; `churn@challenger` was not set/,
    );
    expect(setup.router.calls).toEqual([]);
    expect(setup.moves).toEqual([]);
  });

  it('the post: step removes the challenger of a run killed after setting it', async () => {
    const setup = rolloutDeps(0.001);
    setup.aliases.set('churn@challenger', '7');
    await setup.state.set(
      CHALLENGER_STATE,
      JSON.stringify({ model: 'churn', alias: 'challenger', version: '7' }),
    );
    const result = await rolloutPostCommand(rolloutInputs({}), setup.deps);
    expect(result).toEqual({});
    expect(setup.moves).toEqual(['-churn@challenger']);
    expect(await setup.state.get(CHALLENGER_STATE)).toBe('');
    expect((setup.deps.logger as unknown as { lines: string[] }).lines.join('\n')).toMatch(
      /rollout post: MLflow at ml\.test: removed `churn@challenger`/,
    );
  });

  it('`rollout abort` removes the recorded challenger; one moved meanwhile is left in place', async () => {
    const setup = rolloutDeps(0.001);
    await setup.state.set(
      CHALLENGER_STATE,
      JSON.stringify({ model: 'churn', alias: 'challenger', version: '7' }),
    );
    setup.aliases.set('churn@challenger', '6');
    const result = await rolloutCommand(rolloutInputs({ action: 'abort' }), setup.deps);
    expect(setup.moves).toEqual([]);
    expect(notes(result)).toContain(
      "MLflow at ml.test: `churn@challenger` left in place: it now points at version 6, not the rollout's 7.",
    );
    setup.aliases.set('churn@challenger', '7');
    await setup.state.set(
      CHALLENGER_STATE,
      JSON.stringify({ model: 'churn', alias: 'challenger', version: '7' }),
    );
    await rolloutCommand(rolloutInputs({ action: 'abort' }), setup.deps);
    expect(setup.moves).toEqual(['-churn@challenger']);
  });

  it('a server failing at removal is a warning, the record kept for the post: step', async () => {
    const setup = rolloutDeps(0.001);
    setup.registry.deleteAlias = () => Promise.reject(new Error('ml.test answered 503'));
    const p = rolloutCommand(
      rolloutInputs({ 'mlflow-challenger-alias': 'churn@challenger=7' }),
      setup.deps,
    );
    const result = await runOnVirtualTime(setup.time, p, 10_000);
    expect(result.report?.outputs.outcome).toBe('promoted');
    expect(result.report!.notes).toContainEqual({
      level: 'warning',
      text: '`churn@challenger` was not removed: ml.test answered 503; `sluice rollout abort` (or the post: step) tries again.',
    });
    expect(JSON.parse((await setup.state.get(CHALLENGER_STATE))!)).toEqual({
      model: 'churn',
      alias: 'challenger',
      version: '7',
    });
  });

  it.each([
    ['challenger', undefined, /names no model version, and `mlflow-promote-alias` is not given/],
    ['champion', 'churn@champion=7', /both name `champion`/],
    ['churn@challenger', undefined, /is neither an alias nor/],
    ['a b', undefined, /is neither an alias nor/],
  ])('`%s` (promote %s) is exit 2', (value, promote, message) => {
    expect(() =>
      parseChallengerAlias(value, promote ? parsePromoteAlias(promote) : undefined),
    ).toThrow(message);
  });

  it('the full form stands alone; the short one takes the promoted version', () => {
    expect(parseChallengerAlias('churn@challenger=8', undefined)).toEqual({
      model: 'churn',
      alias: 'challenger',
      version: '8',
    });
    expect(parseChallengerAlias(' challenger ', parsePromoteAlias('churn@champion=7'))).toEqual({
      model: 'churn',
      alias: 'challenger',
      version: '7',
    });
  });
});
