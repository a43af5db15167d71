import type { FolderStore } from '../../clients/duckdb/load-module.js';
import type { Env } from '../types.js';

/**
 * GitHub's actions cache as a FolderStore, or undefined when the runner gives no cache
 * credentials (a step outside Actions, a container without them, GHES without the service).
 *
 * @actions/cache (its Azure SDK, tar and zstd) is imported only inside restore/save, so a run
 * that finds DuckDB already installed never loads it. The package reads the runner's variables
 * itself (ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL or ACTIONS_CACHE_URL, and
 * ACTIONS_CACHE_SERVICE_V2 to pick the service), and archives paths relative to
 * GITHUB_WORKSPACE, so a folder is restored where it was saved.
 */
export function actionsCacheStore(env: Env): FolderStore | undefined {
  if (!env.ACTIONS_RUNTIME_TOKEN || !(env.ACTIONS_RESULTS_URL || env.ACTIONS_CACHE_URL))
    return undefined;
  return {
    label: 'the actions cache',
    async restore(folder, key) {
      const cache = await import('@actions/cache');
      // The package turns network and server failures into a warning line and a miss.
      return (await cache.restoreCache([folder], key)) !== undefined;
    },
    async save(folder, key) {
      const cache = await import('@actions/cache');
      // -1 when the entry was not kept (another job reserved the key first, upload failed).
      return (await cache.saveCache([folder], key)) !== -1;
    },
  };
}
