import type { CiRegistryLogin, RunContext } from '../core/commands/types.js';
import type {
  DeploymentsFactory,
  ForgeFactory,
  Logger,
  SecretMasker,
  StateStore,
} from '../core/ports.js';

/** Everything a CI platform provides around the pure core. */
export interface Platform {
  readonly name: RunContext['platform'];
  readonly logger: Logger;
  readonly masker: SecretMasker;
  runContext(): RunContext;
  /** Step outputs (GitHub `GITHUB_OUTPUT`); a no-op where the platform has none. */
  setOutputs(outputs: Record<string, string>): Promise<void>;
  /** The job summary (GitHub `GITHUB_STEP_SUMMARY`); a no-op where the platform has none. */
  writeSummary(markdown: string): Promise<void>;
  /** Byte limit of the job summary; undefined where there is no job summary (nothing is rendered for it). */
  readonly summaryLimit: number | undefined;
  /** Columns of the terminal the report is printed on; none for a CI log. */
  readonly terminalWidth?: number;
  /** The CI's credentials for its own registry (GitLab's CI_REGISTRY); already masked. */
  readonly ciRegistry?: CiRegistryLogin;
  /** A forge client for the run's change request, or the plain reason there is none. */
  createForge: ForgeFactory;
  /**
   * The forge's deployments (GitHub Deployments); absent where the platform records them itself
   * (GitLab: the job's `environment:`) or has none (a terminal).
   */
  createDeployments?: DeploymentsFactory;
  /** Values kept from a step to its cleanup step (`post:`); see StateStore. */
  readonly state: StateStore;
}

export type Env = Readonly<Record<string, string | undefined>>;
