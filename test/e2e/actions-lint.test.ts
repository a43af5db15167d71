import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../unit/support/temp-dirs.js';

/**
 * Every action.yml and every workflow (ours and the examples') passes @action-validator/cli, and
 * the workflows pass actionlint (installed by scripts/install/actionlint.sh).
 */
const ROOT = join(import.meta.dirname, '../..');
const ACTION_VALIDATOR = join(ROOT, 'node_modules/.bin/action-validator');
const ACTIONLINT = join(ROOT, '.tmp/bin/actionlint');

/** Repository-relative files under `dir` (recursively) whose path matches `pattern`. */
function filesUnder(dir: string, pattern: RegExp): string[] {
  if (!existsSync(join(ROOT, dir))) return [];
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .map((path) => join(dir, path))
    .filter((path) => pattern.test(path) && !path.includes('node_modules'));
}

const actions = ['action.yml', ...filesUnder('actions', /^actions\/[^/]+\/action\.yml$/)].sort();
const workflows = [
  ...filesUnder('.github/workflows', /\.ya?ml$/),
  ...filesUnder('examples', /(^|\/)\.github\/workflows\/[^/]+\.ya?ml$/),
].sort();

/**
 * The file to validate: action-validator 0.6.0 (its latest release) knows runtimes up to node20
 * only, so an action on node24 is checked as a copy that says node20; every other key as is.
 */
function validatable(file: string): string {
  const text = readFileSync(join(ROOT, file), 'utf8');
  if (!/^\s+using: node24$/m.test(text)) return file;
  const copy = join(tempDir('sluice-lint-'), 'action.yml');
  writeFileSync(copy, text.replace(/^(\s+using: )node24$/m, '$1node20'));
  return copy;
}

function run(command: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8' });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

beforeAll(() => {
  const install = run('bash', [join(ROOT, 'scripts/install/actionlint.sh')]);
  expect(install.status, install.output).toBe(0);
});

describe('action-validator', () => {
  it('finds the generated actions and the workflows', () => {
    expect(actions).toContain('actions/quality-gate/action.yml');
    expect(
      workflows.length,
      'no workflow under .github/workflows or examples/**/.github/workflows',
    ).toBeGreaterThan(0);
    // sluice's own workflows (ci, self-test, release) are linted like the examples'.
    for (const own of ['ci.yml', 'release.yml', 'self-test.yml'])
      expect(workflows).toContain(`.github/workflows/${own}`);
  });

  it.each([...actions, ...workflows])('%s is valid', (file) => {
    const { status, output } = run(ACTION_VALIDATOR, [validatable(file)]);
    expect(status, output).toBe(0);
  });

  it('the actions run on node24 (GitHub removed node20 from its runners in September 2026)', () => {
    for (const file of actions)
      expect(readFileSync(join(ROOT, file), 'utf8'), file).toMatch(/^\s+using: node24$/m);
  });

  it('catches a broken action.yml (the linter really runs)', () => {
    const dir = tempDir('sluice-lint-');
    writeFileSync(
      join(dir, 'action.yml'),
      'name: x\ninputs:\n  a:\n    requird: true\nruns:\n  using: node20\n  main: x.js\n',
    );
    const { status, output } = run(ACTION_VALIDATOR, [join(dir, 'action.yml')]);
    expect(status).not.toBe(0);
    expect(output).toContain('requird');
  });
});

describe('actionlint', () => {
  it('is installed', () => {
    expect(existsSync(ACTIONLINT)).toBe(true);
  });

  it.each(workflows)('%s passes', (file) => {
    const { status, output } = run(ACTIONLINT, ['-no-color', file]);
    expect(status, output).toBe(0);
  });

  it('catches a broken workflow (the linter really runs)', () => {
    const dir = tempDir('sluice-actionlint-');
    const file = join(dir, 'broken.yml');
    writeFileSync(
      file,
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n',
    );
    const { status, output } = run(ACTIONLINT, ['-no-color', file]);
    expect(status).not.toBe(0);
    expect(output).toContain('nope');
  });
});
