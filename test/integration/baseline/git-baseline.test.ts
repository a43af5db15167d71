/**
 * Baselines from git, on a real repository: `git:<ref>` reads the same paths at the ref,
 * and `auto` on a pull request uses the merge base with the target branch.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { nodeExec } from '../../../src/clients/exec/node-exec.js';
import { createGitReader } from '../../../src/clients/git/git-reader.js';
import type { CommandDeps, RunContext } from '../../../src/core/commands/types.js';
import { UsageError } from '../../../src/core/errors.js';
import type { Exec } from '../../../src/core/ports.js';
import { tempDir } from '../../unit/support/temp-dirs.js';
import { runGate } from '../../unit/support/commands.js';

let repo: string;
let mainSha: string;

function git(...args: string[]): string {
  return execFileSync('git', args, {
    cwd: repo,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
    },
  }).trim();
}

function deps(run: Partial<RunContext> = {}): CommandDeps {
  const context: RunContext = { platform: 'local', cwd: path.join(repo, 'model'), ...run };
  return {
    logger: { debug() {}, info() {}, warn() {}, error() {}, group: (_t, f) => f() },
    clock: { now: () => new Date(0) },
    exec: nodeExec,
    git: createGitReader(nodeExec, context.cwd),
    run: context,
  };
}

const inputs = (baseline: string) => ({
  metrics: ['metrics.json'],
  baseline,
  rules: 'rules.yml',
  'report-key': 'quality-gate',
});

beforeAll(() => {
  repo = tempDir('sluice-git-');
  git('init', '-q', '-b', 'main');
  mkdirSync(path.join(repo, 'model'));
  writeFileSync(
    path.join(repo, 'model/rules.yml'),
    'metrics:\n  accuracy: { max_regression: 0.01 }\n',
  );
  writeFileSync(path.join(repo, 'model/metrics.json'), '{"accuracy": 0.90, "loss": 0.30}');
  git('add', '.');
  git('commit', '-qm', 'main model');
  mainSha = git('rev-parse', 'HEAD');
  git('checkout', '-qb', 'feature');
  writeFileSync(path.join(repo, 'model/metrics.json'), '{"accuracy": 0.85, "loss": 0.25}');
  git('commit', '-qam', 'worse model');
  // main moves on after the branch point: auto must still compare with the merge base.
  git('checkout', '-q', 'main');
  writeFileSync(path.join(repo, 'model/metrics.json'), '{"accuracy": 0.99, "loss": 0.10}');
  git('commit', '-qam', 'main improves');
  git('checkout', '-q', 'feature');
});

describe('git baselines', () => {
  it('git:<ref> reads the same path at the ref', async () => {
    const { report } = await runGate(inputs('git:main'), deps());
    const accuracy = (
      report!.data.metrics as { name: string; baseline: number; delta: number; status: string }[]
    ).find((m) => m.name === 'accuracy');
    expect(accuracy).toMatchObject({ baseline: 0.99, delta: -0.14, status: 'fail' });
    expect(report!.data.baseline).toBe('main');
  });

  it('auto on a pull request compares with the merge base, not the tip of the target', async () => {
    const { report } = await runGate(
      inputs('auto'),
      deps({
        changeRequest: {
          number: 3,
          baseRef: 'main',
          baseSha: git('rev-parse', 'main'),
          isFork: false,
        },
      }),
    );
    const accuracy = (
      report!.data.metrics as { name: string; baseline: number; delta: number }[]
    ).find((m) => m.name === 'accuracy');
    expect(accuracy).toMatchObject({ baseline: 0.9, delta: -0.05 });
    expect(report!.data.baseline).toBe(`main@${mainSha.slice(0, 7)}`);
  });

  it('auto outside a pull request has no baseline and says why', async () => {
    const { report } = await runGate(inputs('auto'), deps());
    expect(report!.data.baseline).toBeNull();
    expect(report!.notes.map((n) => n.text).join(' ')).toContain('not a pull/merge request');
  });

  it('a file missing at the ref has no baseline: absolute rules only, and the report says so', async () => {
    git('checkout', '-q', '-b', 'renamed');
    try {
      execFileSync('git', ['mv', 'metrics.json', 'eval.json'], { cwd: path.join(repo, 'model') });
      const { report } = await runGate({ ...inputs('git:main'), metrics: ['eval.json'] }, deps());
      expect(report!.verdict).toBe('pass');
      expect(
        (report!.data.metrics as { baseline: unknown }[]).every((m) => m.baseline === null),
      ).toBe(true);
      expect(report!.notes.map((n) => n.text).join(' ')).toMatch(/No baseline/);
    } finally {
      git('checkout', '-q', '-f', 'feature');
    }
  });

  it('an unknown ref is a usage error that names it', async () => {
    await expect(runGate(inputs('git:no-such-branch'), deps())).rejects.toThrow(UsageError);
    await expect(runGate(inputs('git:no-such-branch'), deps())).rejects.toThrow(/no-such-branch/);
  });
});

describe('a job image without git (GitLab slim images)', () => {
  /** Spawning git fails with ENOENT, as where the binary is not installed. */
  const noGit: Exec = {
    run: (command, args, options) =>
      nodeExec.run(command === 'git' ? 'sluice-test-no-such-git' : command, args, options),
  };
  const withoutGit = (run: Partial<RunContext>): CommandDeps => {
    const base = deps(run);
    return { ...base, exec: noGit, git: createGitReader(noGit, base.run.cwd) };
  };

  it.each([
    ['auto', /`baseline: auto` needs git, but git is not installed or not on PATH/],
    ['git:main', /`git:main` needs git, but git is not installed or not on PATH/],
  ])(
    'baseline %s says git is missing, not that the history is shallow',
    async (baseline, message) => {
      const error = await runGate(
        inputs(baseline),
        withoutGit({ changeRequest: { number: 3, baseRef: 'main', isFork: false } }),
      ).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).message).toMatch(message);
      expect((error as UsageError).hint).toMatch(/image with git/);
      expect((error as UsageError).hint).not.toMatch(/GIT_DEPTH|fetch-depth/);
      expect((error as UsageError).place?.key).toBe('baseline');
    },
  );
});

describe('metric history from git', () => {
  it('charts the failed metric over the earlier versions of the metrics file, candidate last', async () => {
    git('checkout', '-q', 'main');
    for (const accuracy of ['0.991', '0.992', '0.993']) {
      writeFileSync(
        path.join(repo, 'model/metrics.json'),
        `{"accuracy": ${accuracy}, "loss": 0.10}`,
      );
      git('commit', '-qam', `main ${accuracy}`);
    }
    git('checkout', '-q', 'feature');
    const { report } = await runGate({ ...inputs('git:main'), history: 3 }, deps());
    const section = report!.sections.find((s) => s.title.startsWith('History'));
    expect(section?.title).toBe('History (last 3 versions at main)');
    const chart = section!.blocks[0];
    expect(chart?.type).toBe('chart');
    if (chart?.type !== 'chart') return;
    expect(chart.chart.title).toBe('accuracy');
    expect(chart.chart.series[0]!.values).toEqual([0.991, 0.992, 0.993, 0.85]);
    expect(chart.chart.xLabels.at(-1)).toBe('candidate');
  });

  it('draws nothing with history 0', async () => {
    const { report } = await runGate({ ...inputs('git:main'), history: 0 }, deps());
    expect(report!.sections.some((s) => s.title.startsWith('History'))).toBe(false);
  });
});
