/**
 * quality-gate's opt-in write-back (`mlflow-tag-version`): the gated version is tagged with the
 * verdict, the metrics that failed, the report's URL, the PR/MR URL and the commit, a later
 * passing gate removes the stale failures, and the report says what changed.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runQualityGate } from '../../../src/core/commands/quality-gate.js';
import type { CommandDeps } from '../../../src/core/commands/types.js';
import { UsageError } from '../../../src/core/errors.js';
import type { ModelRegistry, ModelVersionRef } from '../../../src/core/ports.js';
import { parseInputs } from '../../../src/inputs/parse.js';
import { qualityGate } from '../../../src/inputs/quality-gate.js';
import { tempDir } from '../support/temp-dirs.js';

function setup(
  platform: 'github' | 'gitlab',
  options: { metrics?: object; tags?: Record<string, string> } = {},
) {
  const cwd = tempDir('sluice-wb-');
  writeFileSync(path.join(cwd, 'm.json'), JSON.stringify(options.metrics ?? { accuracy: 0.9 }));
  writeFileSync(path.join(cwd, 'rules.yml'), 'metrics:\n  accuracy: {min: 0.95}\n');
  const tagged: { version: ModelVersionRef; tags: Record<string, string> }[] = [];
  const untagged: string[] = [];
  const v7: ModelVersionRef = {
    model: 'churn',
    version: '7',
    runId: 'r7',
    ...(options.tags ? { tags: options.tags } : {}),
  };
  const registry: ModelRegistry = {
    name: 'MLflow at ml.test',
    resolveAlias: () => Promise.resolve(v7),
    getVersion: (model, version) =>
      Promise.resolve(model === 'churn' && version === '7' ? v7 : undefined),
    readMetrics: () => Promise.resolve({ values: new Map([['accuracy', 0.96]]), source: 'run r7' }),
    tagVersion: (version, tags) => {
      tagged.push({ version, tags: { ...tags } });
      return Promise.resolve();
    },
    setAlias: () => Promise.resolve(),
    untagVersion: (version, key) => {
      untagged.push(`${version.model}/${version.version}:${key}`);
      return Promise.resolve();
    },
  };
  const deps = {
    logger: {
      debug() {},
      info() {},
      warn() {},
      error() {},
      group: (_: string, f: () => unknown) => f(),
    },
    run: {
      platform,
      cwd,
      runUrl: 'https://ci.example/run/1',
      repositoryUrl: 'https://forge.example/team/churn',
      changeRequest: { number: 12, baseRef: 'main', headSha: 'abc123', isFork: false },
    },
    modelRegistry: registry,
  } as unknown as CommandDeps;
  const inputs = (extra: Record<string, string>) =>
    parseInputs(
      qualityGate,
      (name) =>
        ({ metrics: 'm.json', baseline: 'mlflow:churn@champion', rules: 'rules.yml', ...extra })[
          name
        ],
      'cli',
    );
  return { deps, inputs, tagged, untagged };
}

describe('mlflow-tag-version', () => {
  it('tags the named version with the verdict, report, PR and commit, and says so', async () => {
    const { deps, inputs, tagged } = setup('github');
    const { report } = await runQualityGate(inputs({ 'mlflow-tag-version': 'churn/7' }), deps);
    expect(report!.verdict).toBe('fail');
    expect(tagged).toEqual([
      {
        version: expect.objectContaining({ model: 'churn', version: '7' }) as ModelVersionRef,
        tags: {
          'sluice.gate': 'failed',
          'sluice.gate.failed': 'accuracy',
          'sluice.report-url': 'https://ci.example/run/1',
          'sluice.change-url': 'https://forge.example/team/churn/pull/12',
          'sluice.commit': 'abc123',
        },
      },
    ]);
    expect(report!.notes.map((n) => n.text)).toContainEqual(
      expect.stringMatching(
        /^Tagged version 7 of churn in MLflow at ml\.test: sluice\.gate=failed/,
      ),
    );
  });

  it("a passing gate removes an earlier gate's sluice.gate.failed, and says so", async () => {
    const { deps, inputs, tagged, untagged } = setup('github', {
      metrics: { accuracy: 0.97 },
      tags: { 'sluice.gate': 'failed', 'sluice.gate.failed': 'accuracy,auc' },
    });
    const { report } = await runQualityGate(inputs({ 'mlflow-tag-version': 'churn/7' }), deps);
    expect(report!.verdict).toBe('pass');
    expect(tagged[0]!.tags['sluice.gate']).toBe('passed');
    expect(tagged[0]!.tags).not.toHaveProperty('sluice.gate.failed');
    expect(untagged).toEqual(['churn/7:sluice.gate.failed']);
    expect(report!.notes.map((n) => n.text).join('\n')).toMatch(
      /removed sluice\.gate\.failed=accuracy,auc \(an earlier gate's failures, which no longer hold\)\.$/m,
    );
  });

  it('a passing gate of a version without failures removes nothing', async () => {
    const { deps, inputs, untagged } = setup('github', {
      metrics: { accuracy: 0.97 },
      tags: { 'sluice.gate': 'passed' },
    });
    const { report } = await runQualityGate(inputs({ 'mlflow-tag-version': 'churn/7' }), deps);
    expect(untagged).toEqual([]);
    expect(report!.notes.map((n) => n.text).join('\n')).not.toMatch(/removed/);
  });

  it('a failing gate rewrites the list, cut at whole names within the bound', async () => {
    const many = Object.fromEntries(
      Array.from({ length: 200 }, (_, i) => [`metric_with_a_long_name_${i}`, 0.1]),
    );
    const { deps, inputs, tagged } = setup('github', {
      metrics: many,
      tags: { 'sluice.gate.failed': 'old' },
    });
    writeFileSync(
      path.join(deps.run.cwd, 'rules.yml'),
      'default: {min: 0.95}\nmetrics:\n  accuracy: {min: 0.95, required: false}\n',
    );
    await runQualityGate(inputs({ 'mlflow-tag-version': 'churn/7' }), deps);
    const value = tagged[0]!.tags['sluice.gate.failed']!;
    expect(value.length).toBeLessThanOrEqual(1000);
    expect(value).toMatch(/^metric_with_a_long_name_\d+,.*,… \(\+\d+ more\)$/);
  });

  it('on GitLab the change URL is the merge request', async () => {
    const { deps, inputs, tagged } = setup('gitlab');
    await runQualityGate(inputs({ 'mlflow-tag-version': 'churn/7' }), deps);
    expect(tagged[0]!.tags['sluice.change-url']).toBe(
      'https://forge.example/team/churn/-/merge_requests/12',
    );
  });

  it('is off unless asked: nothing is tagged', async () => {
    const { deps, inputs, tagged } = setup('github');
    await runQualityGate(inputs({}), deps);
    expect(tagged).toEqual([]);
  });

  it.each([
    ['churn', /names no model version/],
    ['churn/8', /has no version 8 of `churn`/],
    ['candidate', /needs the candidate to be an MLflow model version/],
  ])('`%s` is exit 2', async (value, message) => {
    const { deps, inputs, tagged } = setup('github');
    const error = await runQualityGate(inputs({ 'mlflow-tag-version': value }), deps).catch(
      (e: unknown) => e as UsageError,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toMatch(message);
    expect(tagged).toEqual([]);
  });
});
