import type { StateStore } from '../../core/ports.js';
import { checkStateName } from '../state-file.js';
import type { Env } from '../types.js';

/**
 * GitHub's step state: `set` writes to the `GITHUB_STATE` file through `@actions/core`
 * (`saveState`), which the runner hands to the action's `post:` step as `STATE_<name>`; `get`
 * reads that variable. A value set in this step is also read back by this step (GitHub would
 * only show it to the next), so every platform's store behaves alike.
 *
 * `@actions/core` is imported on first `set` only: it loads undici and costs ~100 ms of cold
 * start (DEVELOPING.md, "Ports"), which commands that keep no state never pay. It reads
 * `process.env`, which is the `env` the platform is given when it runs as an action.
 */
export function githubStateStore(env: Env): StateStore {
  const saved = new Map<string, string>();
  return {
    async get(name) {
      checkStateName(name);
      return saved.get(name) ?? env[`STATE_${name}`];
    },
    async set(name, value) {
      checkStateName(name);
      const core = await import('@actions/core');
      core.saveState(name, value);
      saved.set(name, value);
    },
  };
}
