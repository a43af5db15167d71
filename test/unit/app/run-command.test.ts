import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../../src/app/run-command.js';
import type { CommandDeps, CommandImpl } from '../../../src/core/commands/types.js';
import { InfraError } from '../../../src/core/errors.js';
import type { Forge } from '../../../src/core/ports.js';
import type { Report } from '../../../src/core/report/model.js';
import { displayWidth } from '../../../src/core/report/text-width.js';
import { reportInputs } from '../../../src/inputs/shared.js';
import type { CommandDef } from '../../../src/inputs/types.js';
import { gitlabPlatform } from '../../../src/platforms/gitlab/platform.js';
import { localPlatform } from '../../../src/platforms/local/platform.js';

const DEF: CommandDef = {
  name: 'wide',
  summary: 'a wide table',
  inputs: reportInputs('wide'),
  outputs: [],
};

const WIDE: Report = {
  command: 'wide',
  key: 'wide',
  title: 'Wide',
  verdict: 'pass',
  summary: 'ok',
  notes: [],
  sections: [
    {
      title: 'Table',
      blocks: [
        {
          type: 'table',
          columns: [{ title: 'Name' }, { title: 'Detail', optional: true }, { title: 'Value' }],
          rows: [['n'.repeat(30), 'd'.repeat(60), 'v'.repeat(30)]],
        },
      ],
    },
  ],
  tests: [],
  measurements: [],
  outputs: {},
  data: {},
};

async function printed(width: number | undefined, format?: string): Promise<string> {
  let out = '';
  const impl: CommandImpl = () => Promise.resolve({ report: structuredClone(WIDE) });
  await runCommand({
    def: DEF,
    impl,
    platform: localPlatform('/', () => undefined, false, width),
    readInput: (name) => (name === 'format' ? format : undefined),
    stdout: (text) => {
      out += text;
    },
    color: false,
  });
  return out;
}

describe('runCommand', () => {
  it('fits the terminal report to the platform’s terminal width', async () => {
    const text = await printed(80);
    for (const line of text.split('\n')) expect(displayWidth(line)).toBeLessThanOrEqual(80);
    expect(text).toContain('not shown at 80 columns: Detail');
  });

  it('sets no limit without a width, nor on other formats', async () => {
    expect(await printed(undefined)).toContain('d'.repeat(60));
    expect(await printed(80, 'markdown')).toContain('d'.repeat(60));
  });
});

describe('runCommand on GitLab', () => {
  it('hands the job’s CI_REGISTRY credentials to the command, masked in every log line', async () => {
    const lines: string[] = [];
    const platform = gitlabPlatform(
      {
        GITLAB_CI: 'true',
        CI_REGISTRY: 'registry.gitlab.example:5050',
        CI_REGISTRY_USER: 'gitlab-ci-token',
        CI_REGISTRY_PASSWORD: 'job-token-secret-123',
      },
      '/',
      (line) => lines.push(line),
    );
    let seen: CommandDeps['ciRegistry'];
    const impl: CommandImpl = (_inputs, deps) => {
      seen = deps.ciRegistry;
      deps.logger.info(`sent ${deps.ciRegistry?.password ?? ''}`);
      return Promise.resolve({ report: structuredClone(WIDE) });
    };
    await runCommand({
      def: DEF,
      impl,
      platform,
      readInput: () => undefined,
      stdout: () => undefined,
      color: false,
    });
    expect(seen).toMatchObject({
      registry: 'registry.gitlab.example:5050',
      username: 'gitlab-ci-token',
      password: 'job-token-secret-123',
    });
    expect(lines.join('\n')).toContain('sent ***');
    expect(lines.join('\n')).not.toContain('job-token-secret-123');
  });
});

describe('runCommand when the comment cannot be posted', () => {
  async function gate(verdict: 'pass' | 'fail') {
    const dir = await mkdtemp(path.join(tmpdir(), 'sluice-run-'));
    const lines: string[] = [];
    const outputs: Record<string, string>[] = [];
    const base = localPlatform(dir, (line) => lines.push(line), false, undefined);
    const brokenForge: Forge = {
      name: 'github',
      maxCommentLength: 65_536,
      currentUser: () =>
        Promise.reject(
          new InfraError('GitHub API failed with 502 when trying to find whom the token acts as', {
            hint: 'GitHub may be degraded; re-run the job later',
          }),
        ),
      listComments: () => Promise.resolve([]),
      createComment: () => Promise.reject(new Error('not reached')),
      updateComment: () => Promise.reject(new Error('not reached')),
      deleteComment: () => Promise.resolve(),
    };
    const platform = {
      ...base,
      setOutputs: (values: Record<string, string>) => {
        outputs.push(values);
        return Promise.resolve();
      },
      createForge: () => Promise.resolve({ forge: brokenForge }),
    };
    try {
      const code = await runCommand({
        def: DEF,
        impl: () =>
          Promise.resolve({
            report: { ...structuredClone(WIDE), verdict, outputs: { verdict } },
            outputs: { passed: String(verdict === 'pass') },
          }),
        platform,
        readInput: (name) =>
          name === 'comment' ? 'true' : name === 'output' ? 'junit=out/junit.xml' : undefined,
        stdout: () => undefined,
        color: false,
      });
      const junit = await readFile(path.join(dir, 'out/junit.xml'), 'utf8');
      return { code, outputs, log: lines.join('\n'), junit };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('keeps the failed verdict’s exit code, its outputs and report files, and logs why', async () => {
    const run = await gate('fail');
    expect(run.code).toBe(1);
    expect(run.outputs).toEqual([{ verdict: 'fail', passed: 'false' }]);
    expect(run.junit).toContain('<testsuite');
    expect(run.log).toContain(
      'error: GitHub API failed with 502 when trying to find whom the token acts as',
    );
    expect(run.log).toContain('hint: GitHub may be degraded');
  });

  it('fails a passing run with the comment’s own exit code, outputs still written', async () => {
    const run = await gate('pass');
    expect(run.code).toBe(3);
    expect(run.outputs).toEqual([{ verdict: 'pass', passed: 'true' }]);
    expect(run.junit).toContain('<testsuite');
  });
});
