/**
 * StateStore on each platform: values saved by a step are read back by its cleanup step
 * (GitHub `post:` through GITHUB_STATE / STATE_<name>; GitLab and terminals a project file).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { githubPlatform } from '../../../src/platforms/github/platform.js';
import { gitlabPlatform } from '../../../src/platforms/gitlab/platform.js';
import { localPlatform } from '../../../src/platforms/local/platform.js';
import { STATE_FILE, fileStateStore } from '../../../src/platforms/state-file.js';
import { tempDir } from '../support/temp-dirs.js';

const quiet = () => undefined;

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('GitHub state', () => {
  it('writes GITHUB_STATE as a delimited file command and reads STATE_<name> in the post step', async () => {
    const dir = tempDir('sluice-state-gh-');
    const file = path.join(dir, 'state');
    writeFileSync(file, '');
    vi.stubEnv('GITHUB_STATE', file);
    const main = githubPlatform({ ...process.env }, dir, quiet);
    await main.state.set('route', 'blue\nwith a newline');
    expect(readFileSync(file, 'utf8')).toMatch(
      /^route<<(ghadelimiter_[\w-]+)\r?\nblue\nwith a newline\r?\n\1\r?\n$/,
    );
    // The same step reads back what it saved; the post step reads what the runner hands it.
    expect(await main.state.get('route')).toBe('blue\nwith a newline');
    const post = githubPlatform({ STATE_route: 'blue' }, dir, quiet);
    expect(await post.state.get('route')).toBe('blue');
    expect(await post.state.get('other')).toBeUndefined();
  });

  it('refuses names the runner could not carry as an environment variable', async () => {
    const platform = githubPlatform({}, '/w', quiet);
    await expect(platform.state.get('a-b')).rejects.toThrow(/state name/);
    await expect(platform.state.set('', 'x')).rejects.toThrow(/state name/);
  });
});

describe('file state (GitLab, terminal)', () => {
  it('keeps values between two stores on the same folder, as script and after_script', async () => {
    const dir = tempDir('sluice-state-');
    const script = fileStateStore(dir, 'job:1');
    await script.set('route', 'blue');
    await script.set('weights', '{"blue":90,"green":10}');
    const afterScript = fileStateStore(dir, 'job:1');
    expect(await afterScript.get('route')).toBe('blue');
    expect(await afterScript.get('weights')).toBe('{"blue":90,"green":10}');
    expect(await afterScript.get('missing')).toBeUndefined();
  });

  it('keeps its folder out of git: .sluice/ ignores itself, and a .gitignore of the user stays', async () => {
    const dir = tempDir('sluice-state-');
    spawnSync('git', ['init', '--quiet', dir]);
    await fileStateStore(dir).set('route', 'blue');
    expect(readFileSync(path.join(dir, '.sluice/.gitignore'), 'utf8')).toContain('*');
    const status = spawnSync('git', ['status', '--porcelain', '--untracked-files=all'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(status.stdout).toBe('');
    writeFileSync(path.join(dir, '.sluice/.gitignore'), 'state.json\n');
    await fileStateStore(dir).set('route', 'green');
    expect(readFileSync(path.join(dir, '.sluice/.gitignore'), 'utf8')).toBe('state.json\n');
  });

  it("never reads another job's values (a committed or stale state file)", async () => {
    const dir = tempDir('sluice-state-');
    mkdirSync(path.join(dir, '.sluice'));
    writeFileSync(
      path.join(dir, STATE_FILE),
      JSON.stringify({ scope: 'job:999', values: { route: 'attacker' } }),
    );
    const store = fileStateStore(dir, 'job:1');
    expect(await store.get('route')).toBeUndefined();
    await store.set('mine', 'x');
    expect(JSON.parse(readFileSync(path.join(dir, STATE_FILE), 'utf8'))).toEqual({
      scope: 'job:1',
      values: { mine: 'x' },
    });
  });

  it('drops what is not a string value under a valid name, and is not fooled by __proto__', async () => {
    const dir = tempDir('sluice-state-');
    mkdirSync(path.join(dir, '.sluice'));
    writeFileSync(
      path.join(dir, STATE_FILE),
      '{"values": {"n": 1, "o": {}, "ok": "yes", "__proto__": "p", "bad-name": "z"}}',
    );
    const store = fileStateStore(dir);
    expect(await store.get('ok')).toBe('yes');
    expect(await store.get('n')).toBeUndefined();
    expect(await store.get('o')).toBeUndefined();
    expect(await store.get('toString')).toBeUndefined();
    expect(await store.get('__proto__')).toBeUndefined();
  });

  it('a file that is not JSON is a UsageError naming it and the fix', async () => {
    const dir = tempDir('sluice-state-');
    mkdirSync(path.join(dir, '.sluice'));
    writeFileSync(path.join(dir, STATE_FILE), '{not json');
    const error = await fileStateStore(dir)
      .get('route')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toContain('.sluice/state.json');
    expect((error as UsageError).hint).toMatch(/delete it/);
  });

  it('GitLab keeps it in the project directory, scoped to the job', async () => {
    const dir = tempDir('sluice-state-gl-');
    const env = { CI_PROJECT_DIR: dir, CI_JOB_ID: '42' };
    await gitlabPlatform(env, path.join(dir, 'sub'), quiet).state.set('route', 'green');
    expect(await gitlabPlatform(env, dir, quiet).state.get('route')).toBe('green');
    expect(
      await gitlabPlatform({ ...env, CI_JOB_ID: '43' }, dir, quiet).state.get('route'),
    ).toBeUndefined();
    expect(JSON.parse(readFileSync(path.join(dir, STATE_FILE), 'utf8'))).toMatchObject({
      scope: 'job:42',
    });
  });

  it('a terminal keeps it in the working directory', async () => {
    const dir = tempDir('sluice-state-local-');
    await localPlatform(dir, quiet, false, 80).state.set('route', 'blue');
    expect(await localPlatform(dir, quiet, false, 80).state.get('route')).toBe('blue');
  });
});
