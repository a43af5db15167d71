/**
 * scripts/publish-catalog.sh: the release's step that commits the catalog tree to the GitLab
 * catalog project and tags the version, run here against real git repositories (a bare one on
 * disk as the project; a local HTTP server to see the credentials git sends).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dirs.js';

const ROOT = join(import.meta.dirname, '../../..');
const version = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

/** Not spawnSync: in one test the HTTP server that answers git lives in this process. */
function run(command: string, args: string[], env: Record<string, string> = {}, cwd?: string) {
  return new Promise<{ status: number | null; output: string }>((resolve) => {
    const child = spawn(command, args, {
      ...(cwd ? { cwd } : {}),
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (status: number | null) => resolve({ status, output }));
  });
}

function git(cwd: string, ...args: string[]): string {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

/** The catalog tree of this checkout and an empty bare repository for the project. */
function setUp() {
  const dir = tempDir('sluice-publish-catalog-');
  const tree = join(dir, 'tree');
  const made = spawnSync('bash', [join(ROOT, 'scripts/catalog-tree.sh'), tree], {
    encoding: 'utf8',
  });
  if (made.status !== 0) throw new Error(made.stderr);
  const project = join(dir, 'project.git');
  git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', project);
  return { dir, tree, project };
}

const publish = (tree: string, v: string, url: string, env: Record<string, string> = {}) =>
  run('bash', [join(ROOT, 'scripts/publish-catalog.sh'), tree, v, url], env);

describe('scripts/publish-catalog.sh', () => {
  it('commits the tree to the default branch and tags the version; a re-run changes nothing', async () => {
    const { tree, project } = setUp();
    const first = await publish(tree, version, project);
    expect(first.status, first.output).toBe(0);
    expect(first.output).toContain(`pushed main and tag ${version}`);
    const files = git(project, 'ls-tree', '-r', '--name-only', version).split('\n');
    expect(files).toEqual(expect.arrayContaining(['.gitlab-ci.yml', 'README.md']));
    expect(files.filter((f) => f.startsWith('templates/')).length).toBeGreaterThan(0);
    expect(git(project, 'rev-parse', `${version}^{commit}`)).toBe(
      git(project, 'rev-parse', 'main'),
    );

    const again = await publish(tree, version, project);
    expect(again.status, again.output).toBe(0);
    expect(again.output).toContain('already published with this tree');
    expect(git(project, 'rev-list', '--count', 'main')).toBe('1');
  });

  it('refuses to move a published version to other contents, and keeps the tag where it was', async () => {
    const { tree, project } = setUp();
    expect((await publish(tree, version, project)).status).toBe(0);
    const tagged = git(project, 'rev-parse', `${version}^{commit}`);
    writeFileSync(join(tree, 'templates/quality-gate.yml'), '# changed\n', { flag: 'a' });
    const moved = await publish(tree, version, project);
    expect(moved.status).toBe(1);
    expect(moved.output).toContain(
      `tag ${version} already exists in the catalog project with other contents`,
    );
    expect(moved.output).toContain('templates/quality-gate.yml');
    expect(git(project, 'rev-parse', `${version}^{commit}`)).toBe(tagged);
  });

  it("keeps the project's own files and replaces the components of the last version", async () => {
    const { dir, tree, project } = setUp();
    const clone = join(dir, 'clone');
    git(dir, 'clone', '--quiet', project, clone);
    writeFileSync(join(clone, 'LICENSE'), 'Apache-2.0\n');
    git(clone, 'add', 'LICENSE');
    git(
      clone,
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@t.invalid',
      'commit',
      '--quiet',
      '-m',
      'license',
    );
    git(clone, 'push', '--quiet', 'origin', 'HEAD:main');
    expect((await publish(tree, '9.0.0', project)).status).toBe(0);
    writeFileSync(join(tree, 'templates/gone.yml'), 'spec: {}\n');
    expect((await publish(tree, '9.0.1', project)).status).toBe(0);
    // The next version's tree no longer has gone.yml: the project must drop it too.
    rmSync(join(tree, 'templates/gone.yml'));
    expect((await publish(tree, '9.0.2', project)).status).toBe(0);
    const at = (tag: string) => git(project, 'ls-tree', '-r', '--name-only', tag).split('\n');
    expect(at('9.0.2')).toContain('LICENSE');
    expect(at('9.0.1')).toContain('templates/gone.yml');
    expect(at('9.0.2')).not.toContain('templates/gone.yml');
  });

  it("names the project in the README's include lines, makes an empty project's branch main, and takes a relative tree", async () => {
    const { dir, project } = setUp();
    // git rewrites the GitLab URL to the bare repository, as a real clone URL would be used.
    const url = 'https://gitlab.invalid/ml-platform/sluice-components.git';
    const insteadOf = {
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: `url.${project}.insteadOf`,
      GIT_CONFIG_VALUE_0: url,
    };
    const result = await run(
      'bash',
      [join(ROOT, 'scripts/publish-catalog.sh'), 'tree', version, url],
      insteadOf,
      dir,
    );
    expect(result.status, result.output).toBe(0);
    expect(git(project, 'branch', '--list', '--format=%(refname:short)')).toBe('main');
    const readme = git(project, 'show', `${version}:README.md`);
    expect(readme).toContain(
      `- component: $CI_SERVER_FQDN/ml-platform/sluice-components/quality-gate@${version}`,
    );
    expect(readme).not.toContain("<this project's path>");
  });

  it('refuses a version the catalog cannot take, and a folder that is not a catalog tree', async () => {
    const { dir, tree, project } = setUp();
    const prefixed = await publish(tree, `v${version}`, project);
    expect(prefixed.status).toBe(1);
    expect(prefixed.output).toContain(`version 'v${version}' is not a semantic version`);
    const empty = await publish(dir, version, project);
    expect(empty.status).toBe(1);
    expect(empty.output).toContain('has no templates/');
  });

  it('gives git the token through its credential helper, never in a URL, an argument or the log', async () => {
    const { tree } = setUp();
    const token = 'glpat-NotARealToken-1234567890';
    const seen: string[] = [];
    // Asks for credentials, then refuses whatever comes: enough to see what git sent.
    const server = createServer((request, response) => {
      seen.push(request.headers.authorization ?? '');
      if (!request.headers.authorization)
        response.writeHead(401, { 'www-authenticate': 'Basic realm="catalog"' }).end();
      else response.writeHead(403).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/group/catalog.git`;
      const result = await publish(tree, version, url, { GITLAB_CATALOG_TOKEN: token });
      expect(result.status).toBe(1);
      expect(result.output).toContain(`cannot clone the catalog project ${url}`);
      expect(seen).toContain(`Basic ${Buffer.from(`oauth2:${token}`).toString('base64')}`);
      expect(result.output).not.toContain(token);
      expect(result.output).not.toContain(Buffer.from(`oauth2:${token}`).toString('base64'));
    } finally {
      server.close();
    }
  });
});
