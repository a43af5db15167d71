import type { InputValue } from '../../inputs/types.js';
import type { Clock, Exec, GitReader, Logger } from '../ports.js';
import type { Report } from '../report/model.js';
import type { SqlEngineFactory } from '../data/engine.js';

/** What the platform knows about the run, read by the adapter, handed to the core. */
export interface RunContext {
  platform: 'github' | 'gitlab' | 'local';
  /** Working directory every relative path resolves against. */
  cwd: string;
  /** The pull request (GitHub) or merge request (GitLab) this run belongs to, if any. */
  changeRequest?: {
    number: number;
    /** Target branch name, e.g. `main`. */
    baseRef: string;
    /** Commit SHA of the target branch tip when known. */
    baseSha?: string;
    headSha?: string;
    /** Head repository differs from the base repository: tokens are read-only. */
    isFork: boolean;
  };
  /** Link to this run's page (for "full report" pointers). */
  runUrl?: string;
  /**
   * Branch the run builds, as the CI names it (the source branch on a pull/merge request);
   * CI checkouts are detached, so git alone cannot tell. Unset for tag builds.
   */
  branch?: string;
}

export interface CommandDeps {
  logger: Logger;
  clock: Clock;
  exec: Exec;
  git: GitReader;
  run: RunContext;
  /** Opens the SQL engine for data commands (validate-data, infer-schema); loaded lazily by adapters. */
  sql?: SqlEngineFactory;
}

/** Parsed inputs of one command, keyed by the kebab-case names in src/inputs. */
export type Inputs = Record<string, InputValue>;

export interface CommandResult {
  /** The report, for commands that produce one (all but a few like infer-schema). */
  report?: Report;
  /** Raw text for standard output, for commands whose product is a document (infer-schema). */
  stdout?: string;
  /** Extra outputs beyond report.outputs (e.g. image digest). */
  outputs?: Record<string, string>;
}

export type CommandImpl = (inputs: Inputs, deps: CommandDeps) => Promise<CommandResult>;
