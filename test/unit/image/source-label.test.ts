/**
 * The image source label (org.opencontainers.image.source) says where a reader can find the
 * code: a forge's https URL. A clone's origin that is a local path or a file:// URL says nothing
 * to anyone else and is left out, and build-image's log says so.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forgeUrl } from '../../../src/core/image/labels.js';
import { OciLayoutSource } from '../../../src/core/image/oci-layout.js';
import { resolveImage } from '../../../src/core/image/platform.js';
import { gitlabRunContext } from '../../../src/platforms/gitlab/context.js';
import { daemonlessBuildInputs, localDeps, runBuildImage, silentLogger } from './helpers.js';
import { tempDir } from '../support/temp-dirs.js';

describe('forgeUrl', () => {
  it.each([
    ['https://github.com/acme/churn.git', 'https://github.com/acme/churn'],
    ['https://github.com/acme/churn/', 'https://github.com/acme/churn'],
    ['https://x-access-token:ghs_secret@github.com/acme/churn', 'https://github.com/acme/churn'],
    [
      'https://gitlab-ci-token:glcbt-1@gitlab.example:8443/g/sub/m.git',
      'https://gitlab.example:8443/g/sub/m',
    ],
    ['https://host.example/o/r?private_token=t#x', 'https://host.example/o/r'],
    ['http://git.internal.example/o/r', 'http://git.internal.example/o/r'],
    ['git@github.com:acme/churn.git', 'https://github.com/acme/churn'],
    ['git@GitLab.Example:group/sub/model', 'https://gitlab.example/group/sub/model'],
    ['ssh://git@github.com/acme/churn.git', 'https://github.com/acme/churn'],
    ['ssh://git@gitlab.example:2222/g/m.git', 'https://gitlab.example/g/m'],
    ['git+ssh://git@github.com/acme/churn', 'https://github.com/acme/churn'],
  ])('%s → %s', (remote, url) => {
    expect(forgeUrl(remote)).toBe(url);
  });

  it.each([
    '/home/me/src/churn',
    '/home/me/src/churn.git',
    '../churn',
    'churn',
    'file:///home/me/src/churn',
    'file://localhost/srv/git/churn.git',
    'C:\\Users\\me\\churn',
    'git@host:/srv/git/churn.git',
    'ssh://git@host',
    'ftp://host.example/churn',
    'https://',
    '',
  ])('leaves out %j', (remote) => {
    expect(forgeUrl(remote)).toBeUndefined();
  });

  it('never keeps a user or password of an https remote (property)', () => {
    const part = fc.string({ minLength: 1, maxLength: 12 }).map(encodeURIComponent);
    fc.assert(
      fc.property(part, part, (user, password) => {
        const url = forgeUrl(`https://${user}:${password}@forge.example/o/r.git`);
        expect(url).toBe('https://forge.example/o/r');
      }),
    );
  });
});

describe('build-image source label', () => {
  async function build(
    origin: string | undefined,
    ciProjectUrl?: string,
  ): Promise<{ labels: Record<string, string>; logged: string[] }> {
    const dir = tempDir('sluice-source-');
    mkdirSync(join(dir, 'model'));
    writeFileSync(join(dir, 'model', 'config.json'), '{}');
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
    git('init', '-q');
    if (origin !== undefined) git('remote', 'add', 'origin', origin);
    const logged: string[] = [];
    const deps = localDeps(dir);
    deps.logger = { ...silentLogger, info: (line: string) => logged.push(line) };
    if (ciProjectUrl) deps.run = gitlabRunContext({ CI_PROJECT_URL: ciProjectUrl }, dir);
    const layout = join(dir, 'layout');
    await runBuildImage(daemonlessBuildInputs({ output: [`oci:${layout}:v1`] }), deps);
    const { config } = await resolveImage(new OciLayoutSource(layout, 'v1'), {
      os: 'linux',
      architecture: 'amd64',
    });
    return { labels: config.config?.Labels ?? {}, logged };
  }

  it('is the forge URL of an ssh origin', async () => {
    const { labels, logged } = await build('git@github.com:acme/churn.git');
    expect(labels['org.opencontainers.image.source']).toBe('https://github.com/acme/churn');
    expect(logged.join('\n')).not.toContain('No org.opencontainers.image.source label');
  });

  it.each(['/home/me/src/churn', 'file:///home/me/src/churn'])(
    'is left out for the origin %s, and the log says why',
    async (origin) => {
      const { labels, logged } = await build(origin);
      expect(labels).not.toHaveProperty('org.opencontainers.image.source');
      expect(Object.values(labels).join(' ')).not.toContain('/home/me');
      expect(logged).toContain(
        'No org.opencontainers.image.source label: the origin remote is not a forge URL (https://…, ssh://… or git@host:owner/repo), e.g. a local path or a file:// URL',
      );
    },
  );

  it('comes from the CI when the clone’s origin is a local path', async () => {
    const { labels, logged } = await build('/builds/mirror', 'https://gitlab.example/g/model');
    expect(labels['org.opencontainers.image.source']).toBe('https://gitlab.example/g/model');
    expect(logged.join('\n')).not.toContain('No org.opencontainers.image.source label');
  });
});
