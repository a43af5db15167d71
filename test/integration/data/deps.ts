import { createDuckDbEngine } from '../../../src/clients/duckdb/engine.js';
import type { CommandDeps } from '../../../src/core/commands/types.js';

/**
 * What validate-data needs in these tests: real DuckDB on two threads, a fixed clock, no git
 * and no processes. Info lines (the scan summary, progress) go to `info` when given.
 */
export function dataDeps(cwd: string, options: { now: Date; info?: string[] }): CommandDeps {
  const noop = (): void => undefined;
  return {
    logger: {
      debug: noop,
      info: options.info ? (line) => options.info?.push(line) : noop,
      warn: noop,
      error: noop,
      group: (_t, run) => run(),
    },
    clock: { now: () => options.now },
    exec: { run: () => Promise.reject(new Error('no exec')) },
    git: {
      readFileAt: () => Promise.resolve(undefined),
      mergeBase: () => Promise.reject(new Error('no git')),
      repoRelative: (f) => Promise.resolve(f),
      commitsTouching: () => Promise.resolve([]),
    },
    run: { platform: 'local', cwd },
    sql: () => createDuckDbEngine({ threads: 2 }),
  };
}
