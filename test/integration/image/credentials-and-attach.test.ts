import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildImageInputs } from '../../../src/core/commands/build-image.js';
import { gitlabPlatform, gitlabRegistryLogin } from '../../../src/platforms/gitlab/platform.js';
import {
  daemonlessBuildInputs,
  localDeps,
  runBuildImage,
  runPushImage,
  usageError,
} from '../../unit/image/helpers.js';
import { startRegistry, type RunningRegistry } from '../services/registry.js';
import { tempDir } from '../../unit/support/temp-dirs.js';

const ROBOT = { username: 'robot', password: 'r0b0t-pw' };
let work: string;
let open: RunningRegistry;
let secured: RunningRegistry;
/** A Docker config folder with no config.json: no credentials for any registry. */
let noDockerConfig: string;

function buildInputs(extra: Partial<BuildImageInputs>): Partial<BuildImageInputs> {
  return daemonlessBuildInputs({ parallel: 3, 'docker-config': noDockerConfig, ...extra });
}

async function manifestStatus(registry: RunningRegistry, repository: string, ref: string) {
  const response = await fetch(`http://${registry.address}/v2/${repository}/manifests/${ref}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  return response.status;
}

beforeAll(async () => {
  work = tempDir('sluice-image-fixes-');
  mkdirSync(join(work, 'model'));
  writeFileSync(join(work, 'model', 'weights.bin'), 'weights');
  writeFileSync(join(work, 'card.md'), '# card');
  noDockerConfig = tempDir('sluice-no-docker-config-');
  [open, secured] = await Promise.all([startRegistry(), startRegistry({ htpasswd: ROBOT })]);
});

afterAll(async () => {
  await Promise.all([open?.stop(), secured?.stop()]);
});

describe('credentials by role', () => {
  it('tells a user whose base registry refused them that bases read the Docker config, not registry-username', async () => {
    await runBuildImage(
      buildInputs({
        tag: [`${secured.address}/base/runtime:1`],
        push: true,
        'registry-username': ROBOT.username,
        'registry-password': ROBOT.password,
      }),
      localDeps(work),
    );
    const error = await usageError(
      runBuildImage(
        buildInputs({
          base: `${secured.address}/base/runtime:1`,
          tag: [`${open.address}/team/model:1`],
          push: true,
          'registry-username': ROBOT.username,
          'registry-password': ROBOT.password,
        }),
        localDeps(work),
      ),
    );
    expect(error.message).toContain(secured.address);
    expect(error.hint).toContain(join(noDockerConfig, 'config.json'));
    expect(error.hint).toContain(`docker login ${secured.address}`);
    expect(error.hint).toMatch(
      /registry-username\/registry-password apply to the push destinations only/,
    );
    expect(error.hint).not.toMatch(/^Give registry-username/);
    expect(`${error.message} ${error.hint}`).not.toContain(ROBOT.password);
  });

  it('still tells a user refused by a destination to give registry-username/registry-password', async () => {
    const error = await usageError(
      runBuildImage(
        buildInputs({ tag: [`${secured.address}/team/model:1`], push: true }),
        localDeps(work),
      ),
    );
    expect(error.hint).toMatch(/^Give registry-username\/registry-password/);
  });
});

describe("GitLab's registry credentials (CI_REGISTRY, CI_REGISTRY_USER, CI_REGISTRY_PASSWORD)", () => {
  /** What the GitLab platform hands the commands, built from the job's variables. */
  const gitlabDeps = (registry: string, password = ROBOT.password) => {
    const login = gitlabRegistryLogin({
      CI_REGISTRY: registry,
      CI_REGISTRY_USER: ROBOT.username,
      CI_REGISTRY_PASSWORD: password,
    });
    expect(login).toBeDefined();
    return { ...localDeps(work), ciRegistry: login! };
  };

  it('pushes to CI_REGISTRY and pulls from it (source and base) with no other credentials', async () => {
    const built = await runBuildImage(
      buildInputs({ tag: [`${secured.address}/group/base:1`], push: true }),
      gitlabDeps(secured.address),
    );
    const digest = built.outputs!['digest']!;
    await runBuildImage(
      buildInputs({ base: `${secured.address}/group/base:1`, output: [`oci:${work}/from-ci:1`] }),
      gitlabDeps(secured.address),
    );
    const promoted = await runPushImage(
      {
        from: `${secured.address}/group/base@${digest}`,
        to: [`${secured.address}/group/prod:1`],
        parallel: 3,
        'chunk-size': 16,
        'docker-config': noDockerConfig,
      },
      gitlabDeps(secured.address),
    );
    expect(promoted.outputs!['digest']).toBe(digest);
  });

  it('gives them to CI_REGISTRY only: another registry gets no credentials', async () => {
    const error = await usageError(
      runBuildImage(
        buildInputs({ tag: [`${secured.address}/group/other:1`], push: true }),
        gitlabDeps('registry.gitlab.invalid'),
      ),
    );
    expect(error.message).toContain(secured.address);
  });

  it('lets a Docker config entry for the host win, and says in the hint what was sent', async () => {
    const config = tempDir('sluice-ci-registry-config-');
    const auth = Buffer.from(`${ROBOT.username}:wrong-password`).toString('base64');
    writeFileSync(
      join(config, 'config.json'),
      JSON.stringify({ auths: { [secured.address]: { auth } } }),
    );
    const error = await usageError(
      runBuildImage(
        buildInputs({
          tag: [`${secured.address}/group/model:1`],
          push: true,
          'docker-config': config,
        }),
        gitlabDeps(secured.address),
      ),
    );
    expect(error.hint).toContain('CI_REGISTRY_USER/CI_REGISTRY_PASSWORD');
    const masker = gitlabPlatform(
      {
        CI_REGISTRY: secured.address,
        CI_REGISTRY_USER: 'robot',
        CI_REGISTRY_PASSWORD: ROBOT.password,
      },
      work,
      () => undefined,
    ).masker;
    expect(masker.mask(`${error.message} ${error.hint} ${ROBOT.password}`)).not.toContain(
      ROBOT.password,
    );
  });

  it('lets registry-username/registry-password win for a destination', async () => {
    const error = await usageError(
      runBuildImage(
        buildInputs({
          tag: [`${secured.address}/group/model:2`],
          push: true,
          'registry-username': ROBOT.username,
          'registry-password': 'not-the-password',
        }),
        gitlabDeps(secured.address),
      ),
    );
    expect(error.hint).toMatch(/^Check registry-username\/registry-password/);
  });
});

describe('attach files are checked before anything moves', () => {
  it('push-image: a missing attach file fails before the image is copied or the tag moved', async () => {
    const built = await runBuildImage(
      buildInputs({ tag: [`${open.address}/staging/model:rc`], push: true }),
      localDeps(work),
    );
    const digest = built.outputs!['digest']!;
    const error = await usageError(
      runPushImage(
        {
          from: `${open.address}/staging/model@${digest}`,
          to: [`${open.address}/prod/model:1.0`],
          attach: ['card.md', 'missing-report.json'],
          parallel: 3,
          'chunk-size': 16,
          'docker-config': noDockerConfig,
        },
        localDeps(work),
      ),
    );
    expect(error.message).toContain(join(work, 'missing-report.json'));
    expect(error.place?.key).toBe('attach');
    expect(await manifestStatus(open, 'prod/model', '1.0')).toBe(404);
    expect(await manifestStatus(open, 'prod/model', digest)).toBe(404);
  });

  it('build-image --push: a missing attach file fails before the tag is pushed', async () => {
    const error = await usageError(
      runBuildImage(
        buildInputs({
          tag: [`${open.address}/team/attest:1`],
          push: true,
          attach: ['nope.md'],
        }),
        localDeps(work),
      ),
    );
    expect(error.place?.key).toBe('attach');
    expect(await manifestStatus(open, 'team/attest', '1')).toBe(404);
  });
});
