import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OciLayoutSource } from '../../../src/core/image/oci-layout.js';
import { resolveImage } from '../../../src/core/image/platform.js';
import { renderMarkdown } from '../../../src/core/report/render/markdown.js';
import { nodeExec } from '../../../src/clients/exec/node-exec.js';
import type { Exec } from '../../../src/core/ports.js';
import { githubRunContext } from '../../../src/platforms/github/context.js';
import { gitlabRunContext } from '../../../src/platforms/gitlab/context.js';
import {
  daemonlessBuildInputs,
  localDeps,
  runBuildImage,
  runPushImage,
  usageError,
} from './helpers.js';
import { tempDir } from '../support/temp-dirs.js';

function workdir(): string {
  const dir = tempDir('sluice-cmd-');
  mkdirSync(join(dir, 'model'));
  writeFileSync(join(dir, 'model', 'config.json'), '{"layers": 2}');
  return dir;
}

const inputs = daemonlessBuildInputs;

describe('build-image runtime inputs', () => {
  it.each([
    ['model-path', '/opt/../../etc'],
    ['model-path', 'opt/model'],
    ['model-path', '/opt//model'],
    ['code-path', '/opt/app/..'],
    ['port', 'abc'],
    ['port', '0'],
    ['port', '70000'],
    ['port', '8080/sctp'],
  ])('refuses %s %s as a usage error naming the key', async (key, value) => {
    const dir = workdir();
    const error = await usageError(runBuildImage(inputs({ [key]: value }), localDeps(dir)));
    expect(error.place?.key).toBe(key);
    expect(error.exitCode).toBe(2);
  });

  it.each(['FOO', '1X=a', 'A-B=c', '=value'])('refuses env %s', async (pair) => {
    const dir = workdir();
    const error = await usageError(runBuildImage(inputs({ env: ['OK=1', pair] }), localDeps(dir)));
    expect(error.place?.key).toBe('env');
  });

  it('writes good values as given: port with /tcp added, env kept, trailing / of a path dropped', async () => {
    const dir = workdir();
    await runBuildImage(
      inputs({
        'model-path': '/srv/model/',
        port: '8080',
        env: ['MODEL_DIR=/srv/model', 'EMPTY='],
        output: [`oci:${join(dir, 'layout')}:v1`],
      }),
      localDeps(dir),
    );
    const { config } = await resolveImage(new OciLayoutSource(join(dir, 'layout'), 'v1'), {
      os: 'linux',
      architecture: 'amd64',
    });
    expect(config.config?.ExposedPorts).toEqual({ '8080/tcp': {} });
    expect(config.config?.Env).toEqual(['MODEL_DIR=/srv/model', 'EMPTY=']);
  });
});

describe('build-image report', () => {
  it('puts the digest and references in code blocks, so the Markdown holds them exactly', async () => {
    const dir = workdir();
    const layout = join(dir, 'layout');
    const result = await runBuildImage(inputs({ output: [`oci:${layout}:v1`] }), localDeps(dir));
    const digest = result.outputs!['digest']!;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(result.outputs!['image']).toBe(`oci:${layout}:v1`);
    const markdown = renderMarkdown(result.report!);
    expect(markdown).toContain(`\n${digest}\n`);
    expect(markdown).toContain(`\noci:${layout}:v1\n`);
    expect(result.report!.summary).toMatch(
      /^Built the image: 1 layer, \d+ B; wrote \d+ B to 1 destination\.$/,
    );
  });

  it('says the tags were not pushed without --push, and names the image by its digest once', async () => {
    const dir = workdir();
    const result = await runBuildImage(inputs({ tag: ['127.0.0.1:1/x:1'] }), localDeps(dir));
    const report = result.report!;
    const digest = result.outputs!['digest']!;
    expect(result.outputs!['image']).toBe(digest);
    expect(report.summary).not.toContain('Built 127.0.0.1:1/x:1');
    expect(report.summary).toContain('1 tag not pushed (no --push)');
    expect(report.summary.split(digest)).toHaveLength(1);
    expect(report.notes.map((note) => note.level)).toEqual(['warning']);
    expect(report.data['pushed']).toBe(false);
    expect(report.data['unpushedTags']).toEqual(['127.0.0.1:1/x:1']);
    expect(renderMarkdown(report)).toContain('\n127.0.0.1:1/x:1\n');
  });
});

describe('push-image --attach', () => {
  it('refuses attach when no destination is a registry, even for a file that exists', async () => {
    const dir = workdir();
    writeFileSync(join(dir, 'card.md'), '# card');
    await runBuildImage(inputs({ output: [`oci:${join(dir, 'src')}:v1`] }), localDeps(dir));
    const error = await usageError(
      runPushImage(
        {
          from: `oci:${join(dir, 'src')}:v1`,
          to: [`oci:${join(dir, 'dst')}:v1`],
          attach: ['card.md'],
          parallel: 2,
          'chunk-size': 16,
        },
        localDeps(dir),
      ),
    );
    expect(error.place?.key).toBe('attach');
  });
});

describe('build-image without a git binary (GitLab slim images)', () => {
  /** An exec whose git is not installed: spawning it fails with ENOENT, as on a slim image. */
  const noGit: Exec = {
    run: (command, args, options) =>
      nodeExec.run(command === 'git' ? 'sluice-test-no-such-git' : command, args, options),
  };

  it('takes {short-sha}, the revision and source labels and `created` from the CI', async () => {
    const dir = workdir();
    const layout = join(dir, 'layout');
    const sha = '0123456789abcdef0123456789abcdef01234567';
    const deps = localDeps(dir, noGit);
    deps.run = gitlabRunContext(
      {
        CI_COMMIT_SHA: sha,
        CI_COMMIT_TIMESTAMP: '2024-05-06T07:08:09+02:00',
        CI_PROJECT_URL: 'https://gitlab.example/group/model',
      },
      dir,
    );
    const { 'source-date-epoch': _epoch, ...rest } = inputs({});
    const result = await runBuildImage(
      { ...rest, tag: ['127.0.0.1:1/m:{short-sha}'], output: [`oci:${layout}:v1`] },
      deps,
    );
    expect(result.report!.data['unpushedTags']).toEqual(['127.0.0.1:1/m:0123456']);
    const { config } = await resolveImage(new OciLayoutSource(layout, 'v1'), {
      os: 'linux',
      architecture: 'amd64',
    });
    expect(config.created).toBe('2024-05-06T05:08:09Z');
    expect(config.config?.Labels).toMatchObject({
      'org.opencontainers.image.revision': sha,
      'org.opencontainers.image.created': '2024-05-06T05:08:09Z',
      'org.opencontainers.image.source': 'https://gitlab.example/group/model',
    });
  });

  it('names the pull request’s head commit in {short-sha} and the revision label alike', async () => {
    const head = '89abcdef0123456789abcdef0123456789abcdef';
    const merge = '1111111111111111111111111111111111111111';
    const dir = workdir();
    // git describes the checkout: the merge commit the forge made and does not keep.
    const gitAtMerge: Exec = {
      run: (command, args, options) =>
        command === 'git' && args.join(' ') === 'rev-parse HEAD'
          ? Promise.resolve({ exitCode: 0, stdout: `${merge}\n`, stderr: '' })
          : noGit.run(command, args, options),
    };
    const event = join(dir, 'event.json');
    writeFileSync(
      event,
      JSON.stringify({
        pull_request: {
          number: 7,
          base: { ref: 'main', sha: 'b'.repeat(40), repo: { full_name: 'o/r' } },
          head: { sha: head, repo: { full_name: 'o/r' } },
        },
      }),
    );
    const runs = {
      github: githubRunContext(
        { GITHUB_SHA: merge, GITHUB_REPOSITORY: 'o/r', GITHUB_EVENT_PATH: event },
        dir,
      ),
      gitlab: gitlabRunContext(
        {
          CI_COMMIT_SHA: merge,
          CI_MERGE_REQUEST_IID: '3',
          CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main',
          CI_MERGE_REQUEST_SOURCE_BRANCH_SHA: head,
        },
        dir,
      ),
    };
    for (const [forge, run] of Object.entries(runs)) {
      const layout = join(dir, `layout-${forge}`);
      const deps = localDeps(dir, gitAtMerge);
      deps.run = run;
      const result = await runBuildImage(
        inputs({ tag: ['127.0.0.1:1/m:{short-sha}'], output: [`oci:${layout}:v1`] }),
        deps,
      );
      expect(result.report!.data['unpushedTags']).toEqual(['127.0.0.1:1/m:89abcde']);
      const { config } = await resolveImage(new OciLayoutSource(layout, 'v1'), {
        os: 'linux',
        architecture: 'amd64',
      });
      expect(config.config?.Labels?.['org.opencontainers.image.revision']).toBe(head);
    }
  });

  it('takes GitHub’s GITHUB_SHA for {sha}', async () => {
    const dir = workdir();
    const sha = 'fedcba9876543210fedcba9876543210fedcba98';
    const deps = localDeps(dir, noGit);
    deps.run = githubRunContext({ GITHUB_SHA: sha }, dir);
    const result = await runBuildImage(inputs({ tag: ['127.0.0.1:1/m:{sha}'] }), deps);
    expect(result.report!.data['unpushedTags']).toEqual([`127.0.0.1:1/m:${sha}`]);
  });
});
