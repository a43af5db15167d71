/**
 * The GitLab components run the npm package of their own release: each component's default
 * `sluice` command and its cache key name package.json's name and version, so a release that
 * publishes version X ships components that run X (the generator reads both from package.json;
 * after a version bump `npm run generate` rewrites the templates, and this test fails until it has).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderGitlabComponent, sluiceCommand } from '../../../scripts/generate/gitlab.js';
import { COMMANDS } from '../../../src/inputs/index.js';

const ROOT = join(import.meta.dirname, '../../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};
const templates = readdirSync(join(ROOT, 'gitlab-templates')).filter((f) => f.endsWith('.yml'));

interface Component {
  spec: { inputs: Record<string, { default?: unknown }> };
}

function documents(text: string): [Component, Record<string, { cache?: { key?: string } }>] {
  const [spec, jobs] = parseAllDocuments(text).map((doc) => doc.toJS() as unknown);
  return [spec as Component, jobs as Record<string, { cache?: { key?: string } }>];
}

describe('the GitLab components run this release’s package', () => {
  it('there is a component for every command', () => {
    expect(templates.sort()).toEqual(COMMANDS.map((def) => `${def.name}.yml`).sort());
  });

  it.each(templates)('%s: the default sluice command is package.json’s name@version', (file) => {
    const [spec, jobs] = documents(readFileSync(join(ROOT, 'gitlab-templates', file), 'utf8'));
    const sluice = Object.entries(spec.spec.inputs).find(
      ([name]) => name === 'sluice' || name === 'job-sluice',
    );
    expect(sluice?.[1].default).toBe(`npx --yes --package=${pkg.name}@${pkg.version} sluice`);
    const keys = Object.values(jobs).map((job) => job.cache?.key);
    expect(keys).toEqual([`sluice-${pkg.version}`]);
  });

  it('the generator takes both from what it is given, nothing hard-coded', () => {
    expect(sluiceCommand({ packageName: '@someone/fork', version: '7.8.9' })).toBe(
      'npx --yes --package=@someone/fork@7.8.9 sluice',
    );
    const text = renderGitlabComponent(COMMANDS[0]!, {
      packageName: '@someone/fork',
      version: '7.8.9',
    });
    expect(text).toContain('@someone/fork@7.8.9');
    expect(text).not.toContain('@sluice-ml/');
  });
});
