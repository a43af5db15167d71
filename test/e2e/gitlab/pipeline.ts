import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const ROOT = join(import.meta.dirname, '../../..');
const GITLAB_CI_LOCAL = join(ROOT, 'node_modules/.bin/gitlab-ci-local');

const created: string[] = [];

/** Deletes every throwaway project made by runPipeline (call in afterAll). */
export function removePipelines(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface PipelineRun {
  dir: string;
  status: number | null;
  output: string;
  /** Job name → PASS | FAIL | WARN, from gitlab-ci-local's closing lines. */
  jobs: Record<string, string>;
  /** A file a job kept as an artifact, or undefined. */
  artifact(job: string, path: string): string | undefined;
}

/**
 * A throwaway project in a temp git repository that includes our components from `templates/`
 * (a copy of gitlab-templates/) with `include: local:` and spec inputs, run by gitlab-ci-local.
 * Jobs run with the shell executor (no Docker here): `--force-shell-executor`, because the
 * component's job names an `image:`; `--shell-isolation` gives each job its own build folder and
 * artifacts, as a runner would. gitlab-ci-local's shell executor leaves GITLAB_CI unset and points
 * CI_PROJECT_DIR at a /builds path that does not exist; a real runner sets GITLAB_CI=true and runs
 * the script in CI_PROJECT_DIR, so both are set that way here.
 */
export function runPipeline(options: {
  ci: string;
  files?: Record<string, string>;
  variables?: Record<string, string>;
}): PipelineRun {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-gitlab-'));
  created.push(dir);
  cpSync(join(ROOT, 'gitlab-templates'), join(dir, 'templates'), { recursive: true });
  for (const [path, text] of Object.entries(options.files ?? {})) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  writeFileSync(join(dir, '.gitlab-ci.yml'), options.ci);
  const variables = Object.entries(options.variables ?? {}).map(
    ([k, v]) => `${k}: ${JSON.stringify(v)}\n`,
  );
  writeFileSync(join(dir, '.gitlab-ci-local-variables.yml'), variables.join('') || '{}\n');
  const git = (...args: string[]): void => {
    const result = spawnSync(
      'git',
      ['-c', 'user.name=sluice', '-c', 'user.email=sluice@localhost', ...args],
      {
        cwd: dir,
        encoding: 'utf8',
      },
    );
    if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  };
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'test pipeline');

  const home = join(dir, '.gcl-home');
  mkdirSync(home);
  const result = spawnSync(
    GITLAB_CI_LOCAL,
    [
      '--force-shell-executor',
      '--shell-isolation',
      '--home',
      home,
      '--variable',
      'GITLAB_CI=true',
      '--variable',
      `CI_PROJECT_DIR=${dir}/.gitlab-ci-local/builds/$CI_JOB_NAME`,
    ],
    {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, CI: undefined, GITLAB_CI: undefined, FORCE_COLOR: '0', NO_COLOR: '1' },
      timeout: 300_000,
    },
  );
  if (result.error) throw result.error;
  const output = `${result.stdout}${result.stderr}`;
  const jobs: Record<string, string> = {};
  for (const match of output.matchAll(/^\s*(PASS|FAIL|WARN)\s+(\S+)\s*$/gm))
    jobs[match[2]!] = match[1]!;
  return {
    dir,
    status: result.status,
    output,
    jobs,
    artifact(job, path) {
      const file = join(dir, '.gitlab-ci-local/artifacts', job, path);
      return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    },
  };
}

/** Every file a job kept as an artifact, relative to its artifact folder. */
export function artifactList(run: PipelineRun, job: string): string[] {
  const base = join(run.dir, '.gitlab-ci-local/artifacts', job);
  if (!existsSync(base)) return [];
  return readdirSync(base, { recursive: true, encoding: 'utf8' }).sort();
}
