/**
 * sluice's own workflows keep their rules: third-party actions pinned by SHA, no permission
 * unless a job asks for it (and says why), a release that checks the tag and publishes with
 * provenance; each rule is also shown to catch a broken copy. The tag check itself is run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { minVersion } from 'semver';
import { parse } from 'yaml';
import { tempDir } from '../support/temp-dirs.js';
import {
  grants,
  jobsOf,
  permissionViolations,
  pinningViolations,
  releaseViolations,
  scripts,
  stepsOf,
  usesLines,
} from './policy.js';

const ROOT = join(import.meta.dirname, '../../..');
const WORKFLOWS = join(ROOT, '.github/workflows');
const files = readdirSync(WORKFLOWS)
  .filter((name) => /\.ya?ml$/.test(name))
  .sort();
const text = (name: string) => readFileSync(join(WORKFLOWS, name), 'utf8');
const workflow = (name: string) => parse(text(name)) as Record<string, unknown>;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  engines: { node: string };
  repository?: { url?: string };
};

describe('the workflows', () => {
  it('are ci, self-test and release', () => {
    expect(files).toEqual(['ci.yml', 'release.yml', 'self-test.yml']);
  });

  it.each(files)('%s pins every third-party action to a commit SHA with its version', (name) => {
    expect(pinningViolations(text(name))).toEqual([]);
    expect(usesLines(text(name)).some(({ ref }) => !ref.startsWith('./'))).toBe(true);
  });

  it.each(files)('%s grants nothing at the top and each job only what it says why', (name) => {
    expect(permissionViolations(text(name))).toEqual([]);
  });

  it('pin each action to the same commit everywhere', () => {
    const pins = new Map<string, Set<string>>();
    for (const name of files)
      for (const { ref, comment } of usesLines(text(name))) {
        if (ref.startsWith('./')) continue;
        const [action] = ref.split('@');
        pins.set(action!, (pins.get(action!) ?? new Set()).add(`${ref} ${comment}`));
      }
    for (const [action, seen] of pins) expect([...seen], action).toHaveLength(1);
  });

  it('run Node at the lowest version package.json engines allows', () => {
    const min = minVersion(pkg.engines.node);
    expect(min, 'engines.node has a lowest version').not.toBeNull();
    // setup-node takes `major.minor` as the newest patch of that line.
    const lowest = `${min!.major}.${min!.minor}`;
    for (const name of files) {
      const versions = [...text(name).matchAll(/node-version:\s*['"]?([\w.]+)/g)].map((m) => m[1]);
      for (const version of versions) expect(version, name).toBe(lowest);
    }
  });
});

describe('the rules catch a broken workflow', () => {
  const ci = text('ci.yml');

  it('a tag instead of a SHA', () => {
    const broken = ci.replace(/actions\/checkout@[0-9a-f]{40} # v[\d.]+/, 'actions/checkout@v7');
    expect(pinningViolations(broken).join('\n')).toContain('actions/checkout@v7 is not pinned');
  });

  it('a short SHA, and a SHA without its version comment', () => {
    const short = ci.replace(/(actions\/checkout@)([0-9a-f]{12})[0-9a-f]{28}/, '$1$2');
    expect(pinningViolations(short).join('\n')).toContain('is not pinned to a 40-character');
    const bare = ci.replace(/(actions\/checkout@[0-9a-f]{40}) # v[\d.]+/, '$1');
    expect(pinningViolations(bare).join('\n')).toContain('no `# vX.Y.Z` comment');
  });

  it('a uses: the line scan cannot see (flow style)', () => {
    const hidden = `${ci}\n  sneaky:\n    runs-on: ubuntu-24.04\n    permissions: {}\n    steps: [{ uses: evil/action@main }]\n`;
    expect(pinningViolations(hidden).join('\n')).toContain('written one per line');
  });

  it('top-level permissions other than {}', () => {
    const broad = ci.replace(/^permissions: \{\}$/m, 'permissions: write-all');
    expect(permissionViolations(broad)).toContain('top-level permissions is not {}');
    const gone = ci.replace(/^permissions: \{\}\n/m, '');
    expect(permissionViolations(gone)).toContain('top-level permissions is not {}');
  });

  it('a job without permissions, and a permission without its reason', () => {
    const none = ci.replace(
      /( {2}lint:\n(?:.*\n)*?) {4}permissions:\n {6}contents: read # .*\n/,
      '$1',
    );
    expect(permissionViolations(none)).toContain('job lint sets no permissions map');
    const silent = ci.replace(/(contents: read) # check out the code/, '$1');
    expect(permissionViolations(silent)).toContain(
      'job lint: permission contents has no comment saying why',
    );
  });

  it('a release without provenance, without id-token, or with the token elsewhere', () => {
    const release = text('release.yml');
    expect(releaseViolations(release.replace(' --provenance', ''))).toContain(
      'publish: npm publish without --provenance',
    );
    expect(
      releaseViolations(release.replace(/id-token: write # .*/, 'contents: read # x')),
    ).toContain('publish: no id-token: write');
    const leaked = release.replace(
      /( {2}package:\n(?:.*\n)*? {4}permissions:\n)/,
      '$1      id-token: write # x\n',
    );
    expect(releaseViolations(leaked)).toContain('package holds id-token without publishing');
  });

  it('a release that skips the tag check or the tests', () => {
    const release = text('release.yml');
    expect(
      releaseViolations(release.replace(/\n {6}- id: check\n/, '\n      - id: other\n')),
    ).toContain('no version job with a `check` step comparing the tag with package.json');
    expect(
      releaseViolations(
        release.replace('needs: [version, ci, self-test, package]', 'needs: [package]'),
      ),
    ).toEqual(
      expect.arrayContaining([
        'publish does not wait for ci',
        'publish does not wait for self-test',
      ]),
    );
    expect(releaseViolations(release.replace("tags: ['v*.*.*']", "tags: ['*']"))).toContain(
      'not triggered by a pushed v*.*.* tag',
    );
  });
});

describe('release.yml', () => {
  const release = workflow('release.yml');
  const jobs = jobsOf(release);

  it('keeps the release rules', () => {
    expect(releaseViolations(text('release.yml'))).toEqual([]);
  });

  it('publishes the packed tarball from a job that checks out and installs nothing', () => {
    const publish = jobs.publish!;
    const uses = stepsOf(publish).map((step) => String(step.uses ?? ''));
    expect(uses.some((ref) => ref.startsWith('actions/checkout@'))).toBe(false);
    expect(scripts(publish)).not.toMatch(/npm (ci|install)(?! --global npm@)/);
    expect(scripts(publish)).toMatch(/npm install --global npm@\d+\.\d+\.\d+$/m);
  });

  it('moves the major tag to the release commit, for releases only', () => {
    const major = jobs['major-tag']!;
    expect(major.if).toBe("needs.version.outputs.prerelease == 'false'");
    expect(scripts(major)).toContain('git tag --force "$MAJOR" "$GITHUB_SHA"');
    expect(scripts(major)).toContain('git push --force origin "refs/tags/$MAJOR"');
  });

  it('attaches the GitLab catalog tree built by scripts/catalog-tree.sh', () => {
    expect(scripts(jobs.package!)).toContain('bash scripts/catalog-tree.sh');
    expect(scripts(jobs['github-release']!)).toContain('gh release create');
  });

  it('commits and tags the catalog tree in the GitLab catalog project after the npm publish', () => {
    const catalog = jobs['gitlab-catalog']!;
    expect(catalog.needs).toEqual(expect.arrayContaining(['version', 'publish']));
    expect(scripts(catalog)).toContain(
      'bash scripts/publish-catalog.sh "$RUNNER_TEMP/catalog" "$VERSION" "$GITLAB_CATALOG_URL"',
    );
    expect(grants(catalog)).toEqual({ contents: 'read' });
    // The token reaches only the publishing step, through its environment.
    const step = stepsOf(catalog).find((s) => String(s.run ?? '').includes('publish-catalog'))!;
    expect((step.env as Record<string, string>)['GITLAB_CATALOG_TOKEN']).toBe(
      '${{ secrets.GITLAB_CATALOG_TOKEN }}',
    );
    for (const name of files)
      expect(text(name).match(/secrets\.GITLAB_CATALOG_TOKEN/g)?.length ?? 0, name).toBe(
        name === 'release.yml' ? 1 : 0,
      );
    // Unset, the job fails saying what to set: a release must not skip the catalog silently.
    expect(scripts(catalog)).toMatch(/::error::set the repository variable GITLAB_CATALOG_URL/);
  });

  it('pushes the CLI image with sluice build-image from the one job that may write packages, after the publish', () => {
    const image = jobs.image!;
    expect(image.needs).toEqual(expect.arrayContaining(['version', 'publish']));
    expect(scripts(image)).toMatch(/bash scripts\/image\/cli-image\.sh .*--push/);
    expect(grants(image)).toEqual({ contents: 'read', packages: 'write' });
    for (const name of files)
      for (const [job, definition] of Object.entries(jobsOf(workflow(name))))
        if (`${name}:${job}` !== 'release.yml:image')
          expect(grants(definition)['packages'], `${name} ${job}`).toBeUndefined();
    // The token reaches build-image as its registry-password input, never written in a script.
    const step = stepsOf(image).find((s) => String(s.run ?? '').includes('cli-image.sh'))!;
    expect((step.env as Record<string, string>)['SLUICE_REGISTRY_PASSWORD']).toBe(
      '${{ github.token }}',
    );
    expect(scripts(image)).not.toContain('github.token');
  });

  it('package.json names the repository (npm provenance checks it against the build)', () => {
    expect(pkg.repository?.url).toMatch(/^git\+https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/);
  });

  /** Runs the version job's check step on this checkout as the runner would. */
  function checkTag(tag: string) {
    const dir = tempDir('sluice-release-check-');
    const output = join(dir, 'output');
    writeFileSync(output, '');
    const step = stepsOf(jobs.version!).find((s) => s.id === 'check')!;
    const result = spawnSync('bash', ['-e', '-c', String(step.run)], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', TAG: tag, GITHUB_OUTPUT: output },
    });
    return { status: result.status, stdout: result.stdout, outputs: readFileSync(output, 'utf8') };
  }

  it('passes the tag that is package.json version and says major and prerelease', () => {
    const { status, outputs } = checkTag(`v${pkg.version}`);
    expect(status).toBe(0);
    expect(outputs).toContain(`version=${pkg.version}\n`);
    expect(outputs).toContain(`major=v${pkg.version.split('.')[0]}\n`);
    expect(outputs).toContain(`prerelease=${pkg.version.includes('-')}\n`);
  });

  it('refuses any other tag, naming both versions', () => {
    for (const tag of ['v99.0.0', `${pkg.version}`, `v${pkg.version}.1`]) {
      const { status, stdout } = checkTag(tag);
      expect(status, tag).toBe(1);
      expect(stdout).toContain(`tag ${tag} is not package.json's version v${pkg.version}`);
    }
  });
});

describe('ci.yml', () => {
  const jobs = jobsOf(workflow('ci.yml'));

  it('runs lint, typecheck, the freshness checks and npm test (.ci/run)', () => {
    expect(scripts(jobs.lint!)).toContain('npm run lint');
    expect(scripts(jobs.typecheck!)).toContain('npm run typecheck');
    expect(scripts(jobs.fresh!)).toContain('scripts/generate.ts --check');
    expect(scripts(jobs.fresh!)).toContain('npm run check-fresh');
    expect(scripts(jobs.tests!)).toContain('bash .ci/run');
    expect(existsSync(join(ROOT, '.ci/run'))).toBe(true);
  });

  it('runs on pushes, pull requests, and when the release calls it', () => {
    expect(Object.keys(workflow('ci.yml').on as object).sort()).toEqual([
      'pull_request',
      'push',
      'workflow_call',
    ]);
  });
});

describe('self-test.yml', () => {
  const self = workflow('self-test.yml');
  const steps = Object.values(jobsOf(self)).flatMap(stepsOf);
  const local = steps.filter((step) => String(step.uses ?? '').startsWith('./'));

  it('runs the root action and every action of actions/ from this checkout', () => {
    const actions = readdirSync(join(ROOT, 'actions')).map((name) => `./actions/${name}`);
    const used = new Set(local.map((step) => String(step.uses)));
    for (const action of ['./', ...actions]) expect(used, action).toContain(action);
  });

  it('checks each action step by a later step that reads its outputs', () => {
    for (const job of Object.values(jobsOf(self))) {
      const jobSteps = stepsOf(job);
      jobSteps.forEach((step, index) => {
        if (!String(step.uses ?? '').startsWith('./')) return;
        expect(step.id, `${String(step.uses)} has an id`).toBeTruthy();
        const later = JSON.stringify(jobSteps.slice(index + 1));
        expect(later, `a step after ${String(step.id)} reads its outputs`).toContain(
          `steps.${String(step.id)}.outputs.`,
        );
      });
    }
  });

  it('gives the comment action no token, so nothing is posted', () => {
    const comment = local.find((step) => step.uses === './actions/comment')!;
    expect((comment.with as Record<string, string>).token).toBe('');
  });
});

describe('dependabot.yml', () => {
  const config = parse(readFileSync(join(ROOT, '.github/dependabot.yml'), 'utf8')) as {
    version: number;
    updates: { 'package-ecosystem': string; schedule: { interval: string }; groups?: object }[];
  };

  it('updates npm and GitHub Actions weekly, grouped', () => {
    expect(config.version).toBe(2);
    expect(config.updates.map((update) => update['package-ecosystem']).sort()).toEqual([
      'github-actions',
      'npm',
    ]);
    for (const update of config.updates) {
      expect(update.schedule.interval).toBe('weekly');
      expect(Object.keys(update.groups ?? {}).length).toBeGreaterThan(0);
    }
  });
});
