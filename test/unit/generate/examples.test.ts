import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = join(import.meta.dirname, '../../..');

/** The GitLab snippets users copy: the example project and the README's. */
describe('GitLab pipelines run where baseline `auto` and comments work', () => {
  const MR = '$CI_PIPELINE_SOURCE == "merge_request_event"';
  const DEFAULT_BRANCH = '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH';

  it('examples/churn runs merge request pipelines and the default branch, nothing twice', () => {
    const ci = parse(readFileSync(join(ROOT, 'examples/churn/.gitlab-ci.yml'), 'utf8')) as {
      workflow?: { rules?: { if?: string; when?: string }[] };
    };
    // A plain `$CI_COMMIT_BRANCH` rule would add a branch pipeline beside each MR pipeline.
    expect(ci.workflow?.rules).toEqual([{ if: MR }, { if: DEFAULT_BRANCH }]);
  });

  it('the README quality-gate and image snippets carry the same rules', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const snippets = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const withWorkflow = snippets.filter((text) => /^workflow:/m.test(text));
    expect(withWorkflow.length).toBeGreaterThanOrEqual(2);
    for (const text of withWorkflow) {
      const rules = (parse(text) as { workflow: { rules: { if?: string }[] } }).workflow.rules;
      expect(rules.slice(0, 2)).toEqual([{ if: MR }, { if: DEFAULT_BRANCH }]);
    }
  });

  it('the README GitHub comment snippet runs after a failing gate', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const comment = /- uses: sluice-ml\/sluice\/actions\/comment@v1\n\s+if: always\(\)/;
    expect(readme).toMatch(comment);
    expect(readme).toMatch(/- uses: actions\/upload-artifact@v4\n\s+if: always\(\)/);
  });
});
