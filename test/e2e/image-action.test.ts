/**
 * The build-image and push-image actions as the runner runs them: INPUT_* from action.yml
 * (defaults included), GITHUB_OUTPUT, `runs.main` under node, pushing to loopback registries.
 * Every output is checked against skopeo, an independent client.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { requireBinary } from '../integration/services/binaries.js';
import { startRegistry, type RunningRegistry } from '../integration/services/registry.js';
import { tempDir } from '../unit/support/temp-dirs.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const COMMIT_TIME = 1_700_000_000;
const PASSWORD = 'r0b0t-pw-7f3a9c';
let workspace: string;
let emptyDockerConfig: string;
let registry: RunningRegistry;
let secured: RunningRegistry;

interface ActionYml {
  inputs: Record<string, { default?: string; required?: boolean }>;
  outputs: Record<string, unknown>;
  runs: { using: string; main: string };
}

async function runAction(action: 'build-image' | 'push-image', inputs: Record<string, string>) {
  const actionDir = path.join(root, 'actions', action);
  const yml = parse(readFileSync(path.join(actionDir, 'action.yml'), 'utf8')) as ActionYml;
  expect(yml.runs.using).toBe('node24');
  const dir = tempDir('sluice-image-action-');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    TMPDIR: tmpdir(),
    HOME: dir,
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: path.join(dir, 'output'),
    GITHUB_STEP_SUMMARY: path.join(dir, 'summary'),
    RUNNER_TEMP: dir,
    GITHUB_WORKSPACE: workspace,
  };
  for (const name of Object.keys(inputs))
    expect(Object.keys(yml.inputs), `input ${name} in action.yml`).toContain(name);
  for (const [name, input] of Object.entries(yml.inputs))
    env[`INPUT_${name.toUpperCase()}`] = inputs[name] ?? input.default ?? '';
  writeFileSync(env.GITHUB_OUTPUT!, '');
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve) => {
      const child = spawn(process.execPath, [path.resolve(actionDir, yml.runs.main)], {
        cwd: workspace,
        env,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    },
  );
  const outputs: Record<string, string> = {};
  for (const match of readFileSync(env.GITHUB_OUTPUT!, 'utf8').matchAll(
    /^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm,
  ))
    outputs[match[1]!] = match[3]!;
  return { ...result, outputs, declared: Object.keys(yml.outputs) };
}

async function inspect(ref: string, ...flags: string[]) {
  const { stdout } = await run('skopeo', ['inspect', '--tls-verify=false', ...flags, ref]);
  return JSON.parse(stdout) as { Digest: string; Labels: Record<string, string>; Created: string };
}

beforeAll(async () => {
  requireBinary('skopeo');
  requireBinary('git');
  workspace = tempDir('sluice-image-action-ws-');
  mkdirSync(path.join(workspace, 'model'));
  mkdirSync(path.join(workspace, 'app'));
  writeFileSync(path.join(workspace, 'model', 'model.onnx'), randomBytes(200_000));
  writeFileSync(path.join(workspace, 'app', 'serve.py'), 'print("serving")\n');
  writeFileSync(path.join(workspace, 'MODEL_CARD.md'), '# churn\n');
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], {
      cwd: workspace,
      env: {
        ...process.env,
        GIT_AUTHOR_DATE: `@${COMMIT_TIME} +0000`,
        GIT_COMMITTER_DATE: `@${COMMIT_TIME} +0000`,
      },
    });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-q', '-m', 'model');
  emptyDockerConfig = tempDir('sluice-image-action-dc-');
  [registry, secured] = await Promise.all([
    startRegistry(),
    startRegistry({ htpasswd: { username: 'robot', password: PASSWORD } }),
  ]);
});

afterAll(async () => {
  await Promise.all([registry?.stop(), secured?.stop()]);
});

describe('build-image and push-image actions', () => {
  let built: { digest: string; image: string };

  it('build-image pushes with the credential inputs and sets outputs digest/image as skopeo sees them', async () => {
    const tags = [`${secured.address}/team/churn:{short-sha}`, `${secured.address}/team/churn:1.0`];
    const result = await runAction('build-image', {
      model: 'model',
      code: 'app',
      tag: tags.join('\n'),
      push: 'true',
      'model-version': '1.0',
      attach: 'MODEL_CARD.md',
      'registry-username': 'robot',
      'registry-password': PASSWORD,
      'docker-config': emptyDockerConfig,
      'cache-dir': 'none',
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    // Every output action.yml declares is set (the runner also sets `report`, the JSON report path).
    expect(Object.keys(result.outputs)).toEqual(expect.arrayContaining(result.declared));
    const { digest, image } = result.outputs as { digest: string; image: string };
    expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(image).toMatch(new RegExp(`^${secured.address}/team/churn:[a-f0-9]{7}$`));
    const creds = `--creds=robot:${PASSWORD}`;
    const first = await inspect(`docker://${image}`, creds);
    const second = await inspect(`docker://${secured.address}/team/churn:1.0`, creds);
    expect(first.Digest).toBe(digest);
    expect(second.Digest).toBe(digest);
    expect(first.Created).toBe(new Date(COMMIT_TIME * 1000).toISOString().replace('.000Z', 'Z'));
    expect(first.Labels['io.sluice.model.version']).toBe('1.0');
    // The attached model card is reachable by the fallback tag (distribution 2.8 has no referrers API).
    const fallback = await run('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      creds,
      `docker://${secured.address}/team/churn:sha256-${digest.slice('sha256:'.length)}`,
    ]);
    expect((JSON.parse(fallback.stdout) as { manifests: unknown[] }).manifests).toHaveLength(1);
    // The password only ever appears in the runner's mask command.
    const leaks = (result.stdout + result.stderr)
      .split('\n')
      .filter((line) => line.includes(PASSWORD) && !line.startsWith('::add-mask::'));
    expect(leaks).toEqual([]);
    built = { digest, image };
  });

  it('push-image promotes that digest to another registry (source credentials from the Docker config)', async () => {
    expect(built, 'the build-image test ran first').toBeDefined();
    const loggedIn = tempDir('sluice-image-action-login-');
    writeFileSync(
      path.join(loggedIn, 'config.json'),
      JSON.stringify({
        auths: { [secured.address]: { auth: Buffer.from(`robot:${PASSWORD}`).toString('base64') } },
      }),
    );
    const from = `${built.image.replace(/:[^:/]+$/, '')}@${built.digest}`;
    const result = await runAction('push-image', {
      from,
      to: `${registry.address}/prod/churn:1.0`,
      'docker-config': loggedIn,
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.outputs['digest']).toBe(built.digest);
    expect((await inspect(`docker://${registry.address}/prod/churn:1.0`)).Digest).toBe(
      built.digest,
    );
  });

  it('a missing model folder is a usage error: exit 2 with an annotation, nothing pushed', async () => {
    const result = await runAction('build-image', {
      model: 'no-such-model',
      tag: `${registry.address}/team/broken:1`,
      push: 'true',
      'docker-config': emptyDockerConfig,
      'cache-dir': 'none',
    });
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/::error.*no-such-model/);
    const tags = await fetch(`http://${registry.address}/v2/team/broken/tags/list`);
    expect(tags.status).toBe(404);
  });
});
