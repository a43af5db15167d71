import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import type { StateStore } from '../core/ports.js';

/** Where GitLab jobs and terminals keep state, relative to the project (working) directory. */
export const STATE_FILE = '.sluice/state.json';

/** Larger files are not sluice's: they are refused rather than read whole. */
const MAX_STATE_BYTES = 1024 * 1024;

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;

/** A state name as every platform can carry it (GitHub turns it into `STATE_<name>`). */
export function checkStateName(name: string): void {
  if (!NAME.test(name))
    throw new Error(
      `state name ${JSON.stringify(name)} is not a letter or _ then letters, digits, _`,
    );
}

interface StateFile {
  /** The job the values belong to (GitLab `CI_JOB_ID`); values of another job are not read. */
  scope?: string;
  values: Record<string, string>;
}

/**
 * State in a JSON file in the project directory (`.sluice/state.json`): a GitLab job's
 * `script` and `after_script` share the directory, and so do two CLI calls on a terminal.
 *
 * With a `scope` (GitLab: the job id), values written under another scope are ignored: a file
 * committed to the repository, or left by an earlier job on a reused runner, is never taken
 * for what this job saved. Only string values are read; anything else in the file is dropped.
 */
export function fileStateStore(cwd: string, scope?: string): StateStore {
  const file = path.resolve(cwd, STATE_FILE);
  const read = async (): Promise<Record<string, string>> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new UsageError(
        `cannot read the state file ${STATE_FILE}: ${(error as Error).message}`,
        {
          place: { file: STATE_FILE },
          hint: 'delete it (sluice writes it again) or make it readable',
          cause: error,
        },
      );
    }
    let parsed: unknown;
    try {
      if (Buffer.byteLength(text, 'utf8') > MAX_STATE_BYTES) throw new Error('too large');
      parsed = JSON.parse(text);
    } catch (error) {
      throw new UsageError(
        `the state file ${STATE_FILE} is not sluice's state (not JSON, or over 1 MiB)`,
        {
          place: { file: STATE_FILE },
          hint: 'delete it (sluice writes it again); do not commit `.sluice/` to the repository',
          cause: error,
        },
      );
    }
    if (typeof parsed !== 'object' || parsed === null) return {};
    const state = parsed as Partial<StateFile>;
    if ((state.scope ?? undefined) !== scope) return {};
    const values: Record<string, string> = {};
    if (typeof state.values === 'object' && state.values !== null && !Array.isArray(state.values)) {
      for (const [name, value] of Object.entries(state.values))
        if (NAME.test(name) && typeof value === 'string') values[name] = value;
    }
    return values;
  };
  return {
    async get(name) {
      checkStateName(name);
      const values = await read();
      return Object.hasOwn(values, name) ? values[name] : undefined;
    },
    async set(name, value) {
      checkStateName(name);
      const values = await read();
      values[name] = value;
      const content: StateFile = { ...(scope !== undefined ? { scope } : {}), values };
      await mkdir(path.dirname(file), { recursive: true });
      // The folder ignores itself (as .pytest_cache does): state of a run on a developer's
      // checkout never shows up in `git status` or in a commit. `wx`: one the user wrote stays.
      await writeFile(path.join(path.dirname(file), '.gitignore'), '# written by sluice\n*\n', {
        flag: 'wx',
      }).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
      // Written whole then renamed: a cleanup step never reads half a file.
      const temp = `${file}.${process.pid}.tmp`;
      await writeFile(temp, `${JSON.stringify(content, null, 2)}\n`, 'utf8');
      await rename(temp, file);
    },
  };
}
