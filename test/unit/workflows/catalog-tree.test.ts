/**
 * scripts/catalog-tree.sh: the GitLab CI/CD catalog tree the release attaches, templates/<name>.yml
 * for every component in gitlab-templates/ and a README, refusing components that would run
 * another sluice version than the one released.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { tempDir } from '../support/temp-dirs.js';

const ROOT = join(import.meta.dirname, '../../..');
const components = readdirSync(join(ROOT, 'gitlab-templates'))
  .filter((name) => name.endsWith('.yml'))
  .sort();
const version = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

function tree(root: string) {
  const out = join(tempDir('sluice-catalog-'), 'tree');
  const result = spawnSync('bash', [join(root, 'scripts/catalog-tree.sh'), out], {
    encoding: 'utf8',
  });
  return { out, status: result.status, stderr: result.stderr };
}

describe('scripts/catalog-tree.sh', () => {
  it('writes templates/<name>.yml for every component, unchanged, and a README naming each', () => {
    const { out, status, stderr } = tree(ROOT);
    expect(status, stderr).toBe(0);
    expect(components.length).toBeGreaterThan(0);
    expect(readdirSync(join(out, 'templates')).sort()).toEqual(components);
    for (const name of components)
      expect(readFileSync(join(out, 'templates', name), 'utf8')).toBe(
        readFileSync(join(ROOT, 'gitlab-templates', name), 'utf8'),
      );
    const readme = readFileSync(join(out, 'README.md'), 'utf8');
    for (const name of components)
      expect(readme).toContain(`/${name.replace(/\.yml$/, '')}@${version}\n`);
    expect(readdirSync(out).sort()).toEqual(['.gitlab-ci.yml', 'README.md', 'templates']);
  });

  it("gives the catalog project a pipeline whose job releases each version's tag", () => {
    const { out, status, stderr } = tree(ROOT);
    expect(status, stderr).toBe(0);
    const pipeline = parse(readFileSync(join(out, '.gitlab-ci.yml'), 'utf8')) as Record<
      string,
      { image: string; rules: { if: string }[]; release: { tag_name: string } }
    >;
    const job = pipeline['create-release']!;
    expect(job.release.tag_name).toBe('$CI_COMMIT_TAG');
    // GitLab's own template registry, by its predefined variable (self-managed instances too).
    expect(job.image).toMatch(/^\$CI_TEMPLATE_REGISTRY_HOST\/gitlab-org\/release-cli:/);
    const [, pattern] = /^\$CI_COMMIT_TAG =~ \/(.*)\/$/.exec(job.rules[0]!.if)!;
    const tag = new RegExp(pattern!);
    for (const good of ['0.1.0', '1.2.3', '2.0.0-rc.1', version]) expect(good).toMatch(tag);
    for (const other of ['v1.2.3', '1.2', 'main', '1.2.3 ']) expect(other).not.toMatch(tag);
  });

  it('refuses a component that runs another sluice version, naming file and versions', () => {
    const copy = tempDir('sluice-catalog-root-');
    mkdirSync(join(copy, 'scripts'));
    cpSync(join(ROOT, 'scripts/catalog-tree.sh'), join(copy, 'scripts/catalog-tree.sh'));
    cpSync(join(ROOT, 'gitlab-templates'), join(copy, 'gitlab-templates'), { recursive: true });
    writeFileSync(join(copy, 'package.json'), JSON.stringify({ version }));
    writeFileSync(
      join(copy, 'gitlab-templates/pinned.yml'),
      'spec:\n  inputs:\n    sluice:\n      default: npx --yes --package=@sluice-ml/sluice@0.0.0-other sluice\n',
    );
    const { status, stderr } = tree(copy);
    expect(status).toBe(1);
    expect(stderr).toContain(
      `gitlab-templates/pinned.yml runs @sluice-ml/sluice@0.0.0-other, but package.json is ${version}`,
    );
  });
});
