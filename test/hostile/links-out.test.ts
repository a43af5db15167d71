import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../src/core/errors.js';
import type { SluiceError } from '../../src/core/errors.js';
import { renderReport } from '../../src/core/report/render/index.js';
import { dataDeps } from '../integration/data/deps.js';
import { runComment, runGate, runInferSchema, runValidateData } from '../unit/support/commands.js';

// A pull request can commit a symbolic link. A metrics file that links to the runner's Docker
// config would show its `auths` strings in the PR comment; a data file linked to /etc/passwd
// would show its rows in the profile. Such links are refused unless the workflow opts in.
const SECRET = 'RUNNER-ONLY-SECRET-VALUE';
let root: string;
let repo: string;
let outside: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sluice-hostile-links-'));
  repo = join(root, 'repo');
  outside = join(root, 'runner');
  await mkdir(join(repo, 'metrics'), { recursive: true });
  await mkdir(join(repo, 'data'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(outside, 'config.json'), JSON.stringify({ auths: { host: SECRET } }));
  await writeFile(join(outside, 'rules.yml'), `metrics:\n  ${SECRET}: {min: 0}\n`);
  await writeFile(join(outside, 'rows.csv'), `a\n${SECRET}\n`);
  await writeFile(join(outside, 'schema.yml'), 'columns:\n  a: {type: string}\n');
  await writeFile(join(repo, 'metrics', 'ok.json'), '{"accuracy": 0.9}');
  await writeFile(join(repo, 'data', 'ok.csv'), 'a\nx\n');
  await writeFile(join(repo, 'schema.yml'), 'columns:\n  a: {type: string}\n');
  await symlink(join(outside, 'config.json'), join(repo, 'metrics', 'linked.json'));
  await symlink(join(outside, 'rules.yml'), join(repo, 'rules.yml'));
  await symlink(join(outside, 'rows.csv'), join(repo, 'data', 'linked.csv'));
  await symlink(join(outside, 'schema.yml'), join(repo, 'linked-schema.yml'));
  await symlink(outside, join(repo, 'data', 'folder-link'));
  await symlink('../../runner/config.json', join(repo, 'metrics', 'relative.json'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function deps(): ReturnType<typeof dataDeps> {
  return dataDeps(repo, { now: new Date('2026-01-10T00:00:00Z') });
}

async function refusal(run: () => Promise<unknown>): Promise<SluiceError> {
  try {
    const result = await run();
    throw new Error(`expected a refusal, got ${JSON.stringify(result).slice(0, 300)}`);
  } catch (error) {
    expect(exitCodeOf(error), String(error)).toBe(2);
    const refused = error as SluiceError;
    expect(refused.message).toMatch(/is a link to .* outside the working directory/);
    expect(refused.hint).toMatch(/follow-links-outside/);
    expect(JSON.stringify({ m: refused.message, h: refused.hint })).not.toContain(SECRET);
    return refused;
  }
}

describe('files in the working directory that link out of it are refused (exit 2)', () => {
  it('a metrics file (absolute and relative links)', async () => {
    for (const file of ['metrics/linked.json', 'metrics/relative.json']) {
      const error = await refusal(() => runGate({ metrics: [file], baseline: 'none' }, deps()));
      expect(error.place?.file).toBe(file);
    }
  });

  it('a metrics file matched by a glob', async () => {
    await refusal(() => runGate({ metrics: ['metrics/*.json'], baseline: 'none' }, deps()));
  });

  it('a rules file', async () => {
    await refusal(() =>
      runGate({ metrics: ['metrics/ok.json'], baseline: 'none', rules: 'rules.yml' }, deps()),
    );
  });

  it('a baseline file', async () => {
    await refusal(() =>
      runGate({ metrics: ['metrics/ok.json'], baseline: 'file:metrics/linked.json' }, deps()),
    );
  });

  it('a report given to comment', async () => {
    await refusal(() => runComment({ reports: ['metrics/linked.json'] }, deps()));
  });

  it('a schema, a data file, a data folder and a glob match, for validate-data', async () => {
    await refusal(() =>
      runValidateData(
        { data: ['data/ok.csv'], schema: 'linked-schema.yml', format: 'json' },
        deps(),
      ),
    );
    for (const data of ['data/linked.csv', 'data/folder-link', 'data/*.csv'])
      await refusal(() =>
        runValidateData({ data: [data], schema: 'schema.yml', format: 'json' }, deps()),
      );
  });

  it('a data file for infer-schema', async () => {
    await refusal(() => runInferSchema({ data: ['data/linked.csv'] }, deps()));
  });
});

describe('what stays allowed', () => {
  it('follow-links-outside reads the link', async () => {
    const { report } = await runGate(
      { metrics: ['metrics/linked.json'], baseline: 'none', 'follow-links-outside': true },
      deps(),
    );
    expect(renderReport(report!, 'json')).toContain(SECRET);
    const inferred = await runInferSchema(
      { data: ['data/linked.csv'], 'follow-links-outside': true },
      deps(),
    );
    expect(inferred.stdout).toContain('a:');
  });

  it('a path the workflow names outside the working directory is read as given', async () => {
    const { report } = await runGate(
      { metrics: [join(outside, 'config.json')], baseline: 'none' },
      deps(),
    );
    expect(report?.verdict).toBeDefined();
  });

  it('links that stay inside are read', async () => {
    await symlink(join(repo, 'metrics', 'ok.json'), join(repo, 'metrics', 'inside.json')).catch(
      () => undefined,
    );
    const { report } = await runGate(
      { metrics: ['metrics/inside.json'], baseline: 'none' },
      deps(),
    );
    expect(report?.verdict).toBe('pass');
  });
});
