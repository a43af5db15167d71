/**
 * rollout's opt-in alias write-back (`mlflow-promote-alias`): a promoted rollout moves the
 * alias to the canary's version; a rolled-back one leaves it; a bad value is exit 2 before any
 * traffic moves. Runs the real rollout command with the rollout tests' fakes, in virtual time.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  parsePromoteAlias,
  promoteAliasAfterRollout,
} from '../../../src/core/commands/mlflow-alias.js';
import { rolloutCommand } from '../../../src/core/commands/rollout.js';
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
  };
  return { registry, moves, aliases };
}

async function runRollout(errorRate: number, promote: string) {
  const time = new VirtualTime();
  const dir = tempDir('rollout-alias-');
  writeFileSync(path.join(dir, 'rollout.yml'), SPEC);
  const { registry, moves } = fakeRegistry();
  const deps = {
    logger: recordingLogger(),
    clock: time,
    sleep: time,
    run: { platform: 'local', cwd: dir },
    state: new MemoryState(),
    routers: async () => new FakeRouter(),
    metrics: async () => new FakeProvider((q) => values(q.version === 'v2' ? errorRate : 0.001)),
    modelRegistry: registry,
  } as unknown as CommandDeps;
  const p = rolloutCommand(
    parseInputs(
      rollout,
      (name) => ({ spec: 'rollout.yml', 'mlflow-promote-alias': promote })[name],
      'cli',
    ),
    deps,
  );
  return { result: await runOnVirtualTime(time, p, 10_000), moves };
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
