import type { SqlEngine } from '../data/engine.js';
import type { CommandDeps } from './types.js';

/** The data commands' engine: the adapter's factory (DuckDB in production). */
export async function openEngine(deps: CommandDeps): Promise<SqlEngine> {
  if (!deps.sql)
    throw new Error(
      'validate-data needs deps.sql (a SqlEngine factory); the adapter did not provide one',
    );
  return deps.sql();
}
