import type { CommandDef, InputValue } from '../../inputs/types.js';
import type { RunRank } from '../comment/run-rank.js';
import type {
  Clock,
  DeploymentsFactory,
  DockerEngine,
  Exec,
  ForgeFactory,
  GitReader,
  JobSummary,
  Logger,
  ModelRegistry,
  RegistryPort,
  SecretMasker,
  Sleep,
  StateStore,
} from '../ports.js';
import type { Report } from '../report/model.js';
import type { DeployHost, MetricsProvider, TrafficRouter } from '../ports.js';
import type { DeployConfig, ProviderConfig, RouterConfig } from '../rollout/model.js';
import type { SluiceError } from '../errors.js';
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
  /**
   * The commit the run builds, as the CI names it (GitLab `CI_COMMIT_SHA`, GitHub `GITHUB_SHA`):
   * what stands in for git where the job image has none (GitLab's slim images).
   */
  commit?: {
    sha: string;
    /** ISO 8601 commit time, when the CI gives it (GitLab `CI_COMMIT_TIMESTAMP`). */
    timestamp?: string;
  };
  /** Web address of the repository, as the CI names it (for the image's source label). */
  repositoryUrl?: string;
  /**
   * Orders this run among the pipeline's runs (GitHub: run id, attempt; GitLab: pipeline id,
   * job id), so a sticky comment keeps the latest run's report when an earlier run ends last.
   */
  runRank?: RunRank;
}

/** The machine's folders the core may use; the app reads them from the OS. */
export interface MachineFolders {
  /** The user's home folder (the default Docker config `~/.docker`, the cache `~/.cache/sluice`). */
  home: string;
  /** The folder for temporary files (archives assembled before `docker load`). */
  temp: string;
}

/**
 * Registry credentials the CI hands every job for its own registry (GitLab: `CI_REGISTRY_USER`
 * and `CI_REGISTRY_PASSWORD`, the job token, for `CI_REGISTRY`). The adapter masks the password.
 */
export interface CiRegistryLogin {
  /** Host (with port) as image references name it, e.g. `registry.gitlab.com`. */
  registry: string;
  username: string;
  password: string;
  /** How a hint names where they come from, e.g. `CI_REGISTRY_USER/CI_REGISTRY_PASSWORD`. */
  source: string;
}

export interface CommandDeps {
  logger: Logger;
  clock: Clock;
  exec: Exec;
  git: GitReader;
  run: RunContext;
  /** Home and temporary folders, for the commands that use them (the image commands). */
  folders?: MachineFolders;
  /** Opens the SQL engine for data commands (validate-data, infer-schema); loaded lazily by adapters. */
  sql?: SqlEngineFactory;
  /** Registries for the image commands (build-image, push-image); loaded lazily by the app. */
  registry?: RegistryPort;
  /** The Docker engine for the Dockerfile and compose builds; loaded lazily by the app. */
  docker?: DockerEngine;
  /**
   * The command's input declarations (src/inputs), for checks that tell an input given by the
   * user from its default (the action and the GitLab component pass every default).
   */
  def?: CommandDef;
  /** The CI's credentials for its own registry, used when neither the inputs nor the Docker config name any. */
  ciRegistry?: CiRegistryLogin;
  /**
   * The run's masker: clients register every secret they come to hold (credentials read from a
   * Docker config or a helper, tokens from a token service) the moment they hold it.
   */
  masker?: SecretMasker;
  /** Opens the forge of the run's change request (the `comment` command, `comment: true`). */
  forge?: ForgeFactory;
  /**
   * Opens the forge's deployments (GitHub Deployments), for a rollout given an `environment`;
   * absent where the platform records none itself (GitLab: the component's `environment:`) or
   * has none (a terminal).
   */
  deployments?: DeploymentsFactory;
  /** The job summary, where the platform has one. */
  summary?: JobSummary;
  /** The model registry behind `mlflow:` baselines; none until the MLflow client lands. */
  modelRegistry?: ModelRegistry;
  /** Values kept for the step's cleanup step (`post:`), for commands that start something. */
  state?: StateStore;
  /** Lets time pass; tests give a virtual clock. */
  sleep?: Sleep;
  /** Opens the traffic router a rollout drives (src/clients/routers), loaded lazily by the app. */
  routers?: (config: RouterConfig) => Promise<TrafficRouter>;
  /** Opens the host a rollout starts its canary on (a compose project), loaded lazily by the app. */
  deployHosts?: (config: DeployConfig) => Promise<DeployHost>;
  /** Opens a metrics provider for rollout analysis (src/clients/metrics), loaded lazily by the app. */
  metrics?: (config: ProviderConfig) => Promise<MetricsProvider>;
  /** Aborted on SIGTERM/SIGINT for commands whose definition asks (`abortOnSignal`). */
  signal?: AbortSignal;
}

/**
 * Parsed inputs of one command, keyed by the kebab-case names in src/inputs, loosely typed.
 * A converted command takes `InputsOf<typeof itsDefinition>` instead (see src/inputs/types.ts).
 */
export type Inputs = Record<string, InputValue>;

export interface CommandResult {
  /** The report, for commands that produce one (all but a few like infer-schema). */
  report?: Report;
  /** Raw text for standard output, for commands whose product is a document (infer-schema). */
  stdout?: string;
  /** Extra outputs beyond report.outputs (e.g. image digest). */
  outputs?: Record<string, string>;
  /**
   * Fails the run with this error (its exit code) after the report is published: a rollout that
   * put traffic back on stable because the infrastructure failed still shows its timeline.
   */
  error?: SluiceError;
}

/**
 * A command's implementation, given its parsed inputs: `CommandImpl<InputsOf<typeof def>>` reads
 * each input typed by its definition; the loose default is for commands not converted yet.
 */
export type CommandImpl<I = Inputs> = (inputs: I, deps: CommandDeps) => Promise<CommandResult>;
