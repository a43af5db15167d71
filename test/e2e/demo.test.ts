/**
 * `npm run demo`, the first of README's two commands: the example project on embedded defaults
 * (no registry, no cluster, no account), every step with the exit code it should have.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

describe('npm run demo', () => {
  it('runs every step to the outcome it shows, and writes the reports and the comment', () => {
    const run = spawnSync('bash', ['scripts/demo.sh'], {
      cwd: ROOT,
      encoding: 'utf8',
      // FORCE_COLOR removed, not emptied: Node warns when it is set at all beside NO_COLOR.
      env: {
        ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'FORCE_COLOR')),
        NO_COLOR: '1',
      },
      timeout: 180_000,
    });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.status, output).toBe(0);
    expect(output.includes('\u001b[')).toBe(false);
    // Node's own warnings (a listener leak, a deprecation) are noise a user should never see.
    expect(output).not.toMatch(/\(node:\d+\) \w*Warning/);
    for (const step of [
      '(quality-gate: exit 1, as expected)',
      '(validate-data: exit 1, as expected)',
      '(build-image (2): exit 0, as expected)',
      '(comment preview: exit 0, as expected)',
      '(rollout (bad canary rolled back): exit 1, as expected)',
    ])
      expect(output).toContain(step);
    expect(output).toMatch(/built twice, same digest sha256:[0-9a-f]{64}: reproducible/);
    expect(output).toMatch(/traffic back on v1 \(read back: v1 100 %\)/);
    const out = join(ROOT, '.tmp/demo');
    const comment = readFileSync(join(out, 'comment.md'), 'utf8');
    for (const report of ['quality-gate', 'validate-data', 'build-image'])
      expect(comment).toContain(`sluice:report:${report}:start`);
    expect(existsSync(join(out, 'image/index.json'))).toBe(true);
  }, 200_000);
});
