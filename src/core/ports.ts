import type { Place } from './errors.js';
import type {
  BlobSource,
  ImageIndex,
  ImageSink,
  ImageSource,
  ManifestBytes,
} from './registry/model.js';

/**
 * The seams between the pure core and the platform it runs on. Each platform
 * (GitHub Actions, GitLab CI, a terminal) implements these; tests use fakes.
 */

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  /** A warning; with a place, platforms that can annotate a file do so. */
  warn(message: string, place?: Place): void;
  error(message: string, place?: Place): void;
  /**
   * Marks a line of a file where the forge can show it there (GitHub annotations). Terminals
   * and job logs leave it out: the report they print already says the same.
   */
  annotate?(level: 'error' | 'warning', message: string, place?: Place): void;
  /** Collapsible group on platforms that have them. */
  group<T>(title: string, run: () => Promise<T>): Promise<T>;
}

export interface Clock {
  now(): Date;
}

/** Runs a program; the only way the core starts processes. */
export interface Exec {
  run(
    command: string,
    args: readonly string[],
    options?: {
      cwd?: string;
      env?: Record<string, string>;
      input?: string;
      allowFailure?: boolean;
      /** Stop the program after this long (SIGTERM, then SIGKILL): an InfraError, even with allowFailure. */
      timeoutMs?: number;
      /** Aborting stops the program the same way: an InfraError, even with allowFailure. */
      signal?: AbortSignal;
    },
  ): Promise<{ exitCode: number; stdout: string; stderr: string }>;
}

/** Secrets the adapters must mask wherever text leaves the process. */
export interface SecretMasker {
  add(secret: string): void;
  mask(text: string): string;
}

/** An account on the forge: who wrote a comment, or whom the token acts as. */
export interface ForgeUser {
  /** The forge's numeric user id, as text; compared first when both sides have it. */
  id?: string;
  login: string;
}

/** A comment on a pull request (GitHub) or a merge request note (GitLab). */
export interface ForgeComment {
  id: string;
  body: string;
  url?: string;
  /** Who wrote it; a comment without a known author is never treated as ours. */
  author?: ForgeUser;
}

/**
 * The one thing the `comment` command needs from a forge: read the comments of a
 * change request and write one. Implemented by clients/github and clients/gitlab.
 */
export interface Forge {
  readonly name: 'github' | 'gitlab';
  /** The change request's comments, oldest first. */
  listComments(): Promise<ForgeComment[]>;
  createComment(body: string): Promise<ForgeComment>;
  updateComment(id: string, body: string): Promise<ForgeComment>;
  /** Removes a comment; resolves also when it is already gone (a racing job deleted it). */
  deleteComment(id: string): Promise<void>;
  /** The account the token writes as (one API call; the sticky comment is only ever its own). */
  currentUser(): Promise<ForgeUser>;
  /** Largest comment body the forge accepts, in characters. */
  readonly maxCommentLength: number;
}

/** Reads files at a git revision; backs the `git:<ref>` baseline. */
export interface GitReader {
  /** The file's bytes at `ref`, or undefined when it does not exist there. */
  readFileAt(ref: string, path: string): Promise<Buffer | undefined>;
  mergeBase(a: string, b: string): Promise<string>;
  /** Path of `file` relative to the repository root. */
  repoRelative(file: string): Promise<string>;
  /** Up to `limit` commits reachable from `ref` that changed `path`, newest first. */
  commitsTouching(
    ref: string,
    path: string,
    limit: number,
  ): Promise<{ sha: string; date: string }[]>;
}

/** Where the forge coordinates come from when posting a comment. */
interface ForgeRequest {
  /** The token the user gave (`token` input); platforms may fall back to the CI's own. */
  token: string | undefined;
  /** Overrides the change request of the run (workflow_run jobs, scheduled jobs). */
  pullRequest: number | undefined;
}

/**
 * Opens a forge client for the run's change request, or says plainly why there is none (a
 * fork, no token, not a pull request): a reason to log, not a failure. Implemented by each
 * platform (src/platforms/{github,gitlab,local}); the clients load only when a forge is made.
 */
export type ForgeFactory = (
  request: ForgeRequest,
) => Promise<{ forge: Forge } | { reason: string }>;

/** The states a deployment goes through, as GitHub names them. */
export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'inactive';

/** What one deployment records: which commit went to which environment, and where it answers. */
export interface DeploymentRequest {
  /** The environment's name, e.g. `production`. */
  environment: string;
  /** The commit deployed (a SHA). */
  ref: string;
  description: string;
  /** Where the environment answers (GitHub `environment_url`). */
  url?: string;
}

/** One deployment once started: each status is a new entry in its history, never an edit. */
export interface DeploymentHandle {
  /** The forge's id of the deployment, as text. */
  readonly id: string;
  status(state: DeploymentState, detail: { description: string; url?: string }): Promise<void>;
}

/**
 * Records where each version is deployed (GitHub Deployments). Implemented by
 * src/clients/github/deployments.ts; GitLab records them itself from the job's `environment:`
 * keyword, so it has none, and neither has a terminal. Errors: a refused token is a UsageError
 * naming the permission, the forge failing an InfraError naming its host; the rollout turns
 * either into a warning, never a failed rollout.
 */
export interface Deployments {
  start(request: DeploymentRequest): Promise<DeploymentHandle>;
}

/**
 * Opens the run's deployments with the `token` input (platforms may fall back to the CI's own),
 * or says plainly why there are none (no token, no repository): a reason to log, not a failure.
 */
export type DeploymentsFactory = (request: {
  token: string | undefined;
}) => Promise<{ deployments: Deployments } | { reason: string }>;

/** The job summary (GitHub `GITHUB_STEP_SUMMARY`): Markdown shown on the run's page. */
export interface JobSummary {
  /** Appends the Markdown (the platform adds one newline). */
  write(markdown: string): Promise<void>;
  /** Byte limit of what one step may write; undefined when the platform has no limit. */
  readonly limitBytes: number | undefined;
}

/**
 * Waits; the only way the core lets time pass (rollout bakes, polling a registry or a router).
 * Production: `realSleep` (src/core/async/sleep.ts); tests: the virtual-time fake in
 * test/unit/support/virtual-time.ts, which they advance by hand.
 */
export interface Sleep {
  /** Resolves after `ms`; rejects with the signal's reason as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** One version of a registered model, as the model registry names it. */
export interface ModelVersionRef {
  /** Registered model name, e.g. `churn`. */
  model: string;
  /** The registry's version, as text (MLflow numbers them: `"7"`). */
  version: string;
  /** The run that produced it (MLflow `run_id`), whose metrics are the version's metrics. */
  runId?: string;
  /** MLflow 3: the logged model it registers (`model_id`), whose metrics come first. */
  modelId?: string;
  /** Where its artifacts are (MLflow `source`, e.g. `models:/…` or `s3://…`). */
  source?: string;
  /** Aliases pointing at it (`champion`, `challenger`). */
  aliases?: string[];
  /** Its tags as the registry gave them (key → value); undefined when not read. */
  tags?: Record<string, string>;
  /** Its page in the registry's UI, when the registry has one sluice can link to. */
  url?: string;
  /** What the registry said while finding it (GitLab: "no aliases, the alias was read as a version"). */
  note?: string;
}

/** The metrics a version or run carries, and where they were read. */
export interface RegistryMetrics {
  /** The latest value per key (`accuracy` → 0.91), in the order the registry gives them. */
  values: Map<string, number>;
  /** Where they came from, for the report: `logged model m-1a2b`, `run 3f9e…`, `nothing`. */
  source: string;
  /** The run they came from (or that logged the model), when there is one. */
  runId?: string;
  /** The run's (or logged model's) page in the registry's UI. */
  url?: string;
}

/** A run of the tracking server (`mlflow:runs:/<run_id>`). */
export interface RunMetrics extends RegistryMetrics {
  runId: string;
  /** `name` of the run when it has one. */
  runName?: string;
}

/**
 * A registry of models with versions and aliases: backs the `mlflow:` baselines and candidates,
 * and writes lineage back. Shaped on MLflow's REST API (src/clients/mlflow/openapi.yaml):
 * - `resolveAlias`: GET `registered-models/alias?name=&alias=` → `model_version`
 * - `getVersion`: GET `model-versions/get?name=&version=` → `model_version`
 * - `readMetrics`: MLflow 3's logged model (`logged-models/<model_id>` → `model.data.metrics`)
 *   when the version has one with metrics, else its run (`runs/get` → `run.data.metrics`, the
 *   latest value per key, as MLflow shows them)
 * - `readRun`: `runs/get?run_id=`; `metricHistory`: `metrics/get-history?run_id=&metric_key=`
 * - `tagVersion`: POST `model-versions/set-tag` (`name`, `version`, `key`, `value`)
 * - `setAlias`: POST `registered-models/alias` (`name`, `alias`, `version`); `deleteAlias`:
 *   DELETE `registered-models/alias` (`name`, `alias`)
 * - `untagVersion`: DELETE `model-versions/delete-tag` (`name`, `version`, `key`)
 * - `readMetrics` of a version without `model_id` (registered from a run's artifacts, or by
 *   MLflow 2): the logged model its run logged under the source's path, found by POST
 *   `logged-models/search` (`name = '<path>'` in the run's experiment, then its source run)
 * - `earlierVersions`: GET `model-versions/search` (the model's versions before this one)
 * - `downloadArtifact`: GET `<tracking URI>/get-artifact?run_id=&path=` (the server's artifact
 *   download, which serves every artifact store the server reaches, proxied or not)
 * - `findRunsByCommit`: GET `experiments/get-by-name`, then POST `runs/search` with
 *   `tags.\`mlflow.source.git.commit\` = '<sha>'`
 * Errors: a missing alias/version/run is `undefined`; an unknown registered model, a refused
 * token or a write the server forbids a UsageError; the server failing (down, 5xx, 429, an
 * answer that is not MLflow's JSON) an InfraError naming its host.
 */
export interface ModelRegistry {
  /** How reports name the registry, e.g. `MLflow at mlflow.example.com`. */
  readonly name: string;
  /** The version an alias points at, or undefined when the model has no such alias. */
  resolveAlias(model: string, alias: string): Promise<ModelVersionRef | undefined>;
  /** One version, or undefined when it does not exist. */
  getVersion(model: string, version: string): Promise<ModelVersionRef | undefined>;
  /**
   * The version's metrics: its logged model's (MLflow 3: its `model_id`, else the model its run
   * logged under the version's source path) when it has any, else its run's.
   */
  readMetrics(version: ModelVersionRef): Promise<RegistryMetrics>;
  /** One run's latest metrics, or undefined when there is no such run. */
  readRun?(runId: string): Promise<RunMetrics | undefined>;
  /** Every logged value of one metric of a run, by step (its training curve), oldest first. */
  metricHistory?(runId: string, key: string): Promise<{ step: number; value: number }[]>;
  /** Up to `count` versions of the model older than `version`, oldest first (the history chart). */
  earlierVersions?(version: ModelVersionRef, count: number): Promise<ModelVersionRef[]>;
  /** Lineage back to the registry: tags on the version (image digest, gate verdict, report URL). */
  tagVersion(version: ModelVersionRef, tags: Readonly<Record<string, string>>): Promise<void>;
  /** Points `alias` at `version` (promotion after a rollout); moves it when it pointed elsewhere. */
  setAlias(model: string, alias: string, version: string): Promise<void>;
  /** Removes `alias` from the model (its version stays); nothing when it has no such alias. */
  deleteAlias?(model: string, alias: string): Promise<void>;
  /** Removes one tag from the version (a stale gate failure); nothing when it has no such tag. */
  untagVersion?(version: ModelVersionRef, key: string): Promise<void>;
  /**
   * Writes the run's artifact at `artifactPath` (relative, already checked) to the file `to`,
   * streaming, at most `maxBytes` (past it: a UsageError naming the run, path and bound, and no
   * file). Undefined when the run or the artifact does not exist.
   */
  downloadArtifact?(
    runId: string,
    artifactPath: string,
    to: string,
    maxBytes: number,
  ): Promise<{ bytes: number } | undefined>;
  /**
   * The active runs of an experiment whose `mlflow.source.git.commit` tag is `commit` (MLflow's
   * clients set it from the working copy), newest first, at most `limit`; undefined when there
   * is no such experiment.
   */
  findRunsByCommit?(
    experiment: string,
    commit: string,
    limit: number,
  ): Promise<{ runId: string; runName?: string; url?: string }[] | undefined>;
}

/** What a traffic router can do; the rollout plans only with what it has. */
export interface TrafficCapabilities {
  /** Split requests by weight between versions (canary). */
  weights: boolean;
  /** Copy requests to a version whose answers are dropped (shadow). */
  mirror: boolean;
  /** Send requests carrying a header to one version (internal testers). */
  headerRouting: boolean;
}

/** Where a router sends traffic, as it reports it: version name → percent (they sum to 100). */
export interface TrafficState {
  weights: Record<string, number>;
  /** The version receiving a mirror of the traffic, if any. */
  mirror?: string;
  /** Header routes: header name and value → version. */
  headerRoutes?: { header: string; value: string; version: string }[];
  /**
   * The rollout sluice last recorded on the router itself (the Kubernetes routers' annotation),
   * so a re-run on another machine (no state store of the killed run) knows where it stopped.
   */
  recorded?: RecordedProgress;
}

/** A rollout's progress as recorded on the object a router drives. */
export interface RecordedProgress {
  id: string;
  stable: string;
  canary: string;
  /** Index of the step under way. */
  step: number;
  status:
    'running' | 'promoted' | 'passed' | 'rolled-back' | 'aborted' | 'paused' | 'promote-requested';
  /** ISO 8601. */
  updatedAt: string;
}

/** Argo Rollouts' phases (status.phase) as its controller writes them; Unknown for anything else. */
export type ControllerPhase = 'Healthy' | 'Progressing' | 'Paused' | 'Degraded' | 'Unknown';

export interface ControllerStatus {
  phase: ControllerPhase;
  message: string;
  /** The controller has seen the latest spec (observedGeneration = generation). */
  current: boolean;
  /** An abort is requested (status.abort). */
  aborted: boolean;
  /** The image the driven container's template holds now. */
  image?: string;
}

/**
 * A rollout whose steps and traffic a controller of the cluster drives (Argo Rollouts): sluice
 * sets the canary's image, waits for the controller to pause or finish, judges during each pause,
 * and promotes or aborts. Every wait has the router's deadline (exit 3 past it).
 */
export interface RolloutController {
  readonly name: string;
  /** Sets the canary's image (the router's image pattern with the version); returns the image. */
  setImage(version: string, signal?: AbortSignal): Promise<string>;
  /** Puts an image the Rollout ran before back (as `kubectl argo rollouts undo`). */
  restoreImage(image: string, signal?: AbortSignal): Promise<void>;
  status(signal?: AbortSignal): Promise<ControllerStatus>;
  /** Until the controller, having seen the latest spec, reports one of `phases`. */
  waitFor(phases: readonly ControllerPhase[], signal?: AbortSignal): Promise<ControllerStatus>;
  /** Resumes a pause (the next step). */
  promote(signal?: AbortSignal): Promise<void>;
  /** Asks the controller to send all traffic back to stable. */
  abort(signal?: AbortSignal): Promise<void>;
  /** Clears an abort, so that the controller starts the rollout of the latest spec again. */
  retry(signal?: AbortSignal): Promise<void>;
}

/**
 * Moves traffic between a model's versions (Kubernetes Gateway API, Istio, a cloud load
 * balancer, SageMaker variants). Implemented by src/clients/routers (built-in proxy, nginx, HAProxy).
 * Every change is read back (`readBack`) before the rollout trusts it.
 */
export interface TrafficRouter {
  readonly name: string;
  readonly capabilities: TrafficCapabilities;
  /** Sets the split (canary); percents sum to 100. Refused when `capabilities.weights` is false. */
  setWeights(weights: Readonly<Record<string, number>>, signal?: AbortSignal): Promise<void>;
  /** Sends all traffic to one version (blue-green switch, and rollback). */
  setRoute(version: string, signal?: AbortSignal): Promise<void>;
  /** What the router actually does now, read from it, not remembered. */
  readBack(signal?: AbortSignal): Promise<TrafficState>;
  /**
   * Mirrors every request to `version` (answers dropped; users get the routed version's), or
   * stops mirroring with `undefined`. Present only where `capabilities.mirror` is true.
   */
  setMirror?(version: string | undefined, signal?: AbortSignal): Promise<void>;
  /**
   * Replaces the header routes (a request carrying `header: value` goes to `version`, before
   * weights apply); `[]` removes them. Present only where `capabilities.headerRouting` is true.
   */
  setHeaderRoutes?(
    routes: NonNullable<TrafficState['headerRoutes']>,
    signal?: AbortSignal,
  ): Promise<void>;
  /** Records the rollout's progress on the router itself (read back as `recorded`). */
  record?(progress: RecordedProgress, signal?: AbortSignal): Promise<void>;
  /** Present when a controller drives the steps (Argo Rollouts): the rollout runs through it. */
  readonly controller?: RolloutController;
}

/** A container of a deploy host's service, as the host reads it back. */
export interface HostContainer {
  service: string;
  name: string;
  image: string;
  /** running, exited, restarting, created… */
  state: string;
  /** healthy, unhealthy, starting; undefined without a healthcheck. */
  health?: string;
}

/**
 * Where the versions run when sluice starts the canary itself (a docker-compose project on one
 * host, src/clients/docker/compose-host.ts): the canary as a service beside the stable one.
 * Every method that changes something waits until it is done (healthy, or gone).
 */
export interface DeployHost {
  /** e.g. `compose project models`. */
  readonly name: string;
  readonly stableService: string;
  readonly canaryService: string;
  /** The image the canary service runs. */
  readonly canaryImage: string;
  /** The containers of the stable and canary services now. */
  containers(signal?: AbortSignal): Promise<HostContainer[]>;
  /**
   * Starts the canary service from the canary image (an up-to-date one is kept), then waits
   * until it is healthy. A HostUnhealthy error when it never gets there.
   */
  startCanary(signal?: AbortSignal): Promise<void>;
  /** Stops and removes the canary service's containers. */
  removeCanary(signal?: AbortSignal): Promise<void>;
  /** Recreates the stable service from the canary image, then waits until it is healthy. */
  updateStable(signal?: AbortSignal): Promise<void>;
}

/** One measurement of a metric at a time. */
export interface MetricSample {
  /** ISO 8601. */
  at: string;
  value: number;
}

/** What a metrics query asks: one metric of one version over a window of time. */
export interface MetricsQuery {
  /** The provider's query or metric name (PromQL, a CloudWatch metric), from the user's rules. */
  metric: string;
  /** The model version the samples are about (the provider filters by its label). */
  version: string;
  /** The window, ISO 8601 instants: [from, to). */
  from: string;
  to: string;
}

/**
 * Reads live metrics of a serving version (Prometheus, Datadog, CloudWatch) for the rollout's
 * analysis steps. Planned, not implemented yet. "No data" is its own answer, never zeros: a
 * version that serves nothing must not pass as a version with no errors.
 */
export interface MetricsProvider {
  readonly name: string;
  query(
    query: MetricsQuery,
    signal?: AbortSignal,
  ): Promise<{ samples: MetricSample[] } | { noData: string }>;
}

/**
 * String values that survive between a step and its cleanup step (GitHub `post:`, a GitLab
 * `after_script`, the next CLI call): what a rollout started, so the cleanup can undo it.
 * Implemented by src/platforms/github (`GITHUB_STATE` file; read back as `STATE_<name>`),
 * src/platforms/gitlab and src/platforms/local (a JSON file in the project dir,
 * `.sluice/state.json`). Values are not secret: never store a credential in it.
 */
export interface StateStore {
  /** The value saved by an earlier step of this job, or undefined. */
  get(name: string): Promise<string | undefined>;
  /** Saves for the later steps; this step reads it back too. */
  set(name: string, value: string): Promise<void>;
}

/** What a registry may be sent to prove who we are. */
export interface RegistryCredentials {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (`identitytoken` in the Docker config). */
  identityToken?: string;
}

/** How the image commands reach registries in one run (see RegistryPort.connect). */
export interface RegistryConnectOptions {
  /** Credentials for a registry host; undefined is anonymous. Asked once per host. */
  credentials: (registry: string) => Promise<RegistryCredentials | undefined>;
  /** Hosts (with port) allowed over plain HTTP although they are not loopback. */
  insecureRegistries: readonly string[];
  /** The longest one request may take, retries included, in ms. */
  timeoutMs: number;
  /** The hint of an access-denied error from `registry`. */
  deniedHint: (registry: string) => string;
}

/**
 * One repository's referrers and manifests, for attaching artifacts (model card, reports) to an
 * image that was pushed there.
 */
export interface ArtifactStore {
  putBlob(blob: BlobSource): Promise<{ digest: string; size: number; uploaded: number }>;
  /** Puts a manifest that has a `subject`; `subjectIndexed` when the registry indexed it itself. */
  putManifestWithSubject(manifest: ManifestBytes): Promise<{ subjectIndexed: boolean }>;
  /** The referrers API's index for `digest`, or undefined when the registry has no such API. */
  referrers(digest: string): Promise<ImageIndex | undefined>;
  /** A manifest by tag or digest; a UsageError when it does not exist. */
  getManifest(reference: string): Promise<ManifestBytes>;
  putManifest(reference: string, manifest: ManifestBytes): Promise<string>;
}

/** A registry repository as a destination: blobs and manifests, and artifacts attached later. */
export interface RegistryDestination extends ImageSink {
  readonly artifacts: ArtifactStore;
}

/** Registries for one run, each host reached with the credentials and limits it was opened with. */
export interface RegistryConnection {
  /** `repository` on `registry` at `reference` (a tag or digest), to read. */
  source(registry: string, repository: string, reference: string): Promise<ImageSource>;
  /** `repository` on `registry`, to write; `chunkBytes` is the size of each upload request. */
  destination(
    registry: string,
    repository: string,
    options?: { chunkBytes?: number },
  ): Promise<RegistryDestination>;
}

/**
 * The one way the core reaches registries (the OCI distribution API): implemented by
 * clients/oci, assembled and loaded lazily by the app, faked by tests.
 */
export interface RegistryPort {
  connect(options: RegistryConnectOptions): RegistryConnection;
  /**
   * What the Docker config folder `configDir` holds for `registry` (credential helper, `auths`
   * entry, default store); undefined when nothing. An unreadable config is a UsageError.
   */
  dockerConfigCredentials(
    configDir: string,
    registry: string,
  ): Promise<RegistryCredentials | undefined>;
}

/** A `docker build` of a Dockerfile. */
interface DockerBuildRequest {
  context: string;
  dockerfile: string;
  tags: readonly string[];
  labels: Record<string, string>;
  platform?: string;
}

/** One service of a compose project, built under `image` with `labels`. */
interface ComposeBuildRequest {
  /** The project's compose file. */
  file: string;
  /** The service to build; may be left out when the file builds exactly one. */
  service?: string;
  image: string;
  labels: Record<string, string>;
  platform?: string;
}

/** The Docker CLI with one Docker config folder: what the Dockerfile build path runs. */
export interface DockerCli {
  /** `docker build`; returns the image ID. */
  build(request: DockerBuildRequest): Promise<string>;
  /** A compose project's build; returns the image ID and which compose built it. */
  composeBuild(request: ComposeBuildRequest): Promise<{ imageId: string; builder: string }>;
  /** `docker tag source target`. */
  tag(source: string, target: string): Promise<void>;
  /** The image's history, newest step first. */
  history(image: string): Promise<{ createdBy: string; size: number }[]>;
  /** `docker push`; returns the manifest digest. `hint` comes with a failure (never a secret). */
  push(tag: string, hint?: string): Promise<string>;
}

/** Credentials for one registry that the Docker CLI's own config does not have. */
export interface DockerLoginEntry {
  registry: string;
  username: string;
  password: string;
}

/** The Docker config folders a build needs: the user's, and logins added per phase. */
export interface DockerLoginScope {
  /** The `docker-config` input, when given: the folder the Docker CLI must read. */
  givenConfigDir: string | undefined;
  /** The user's Docker config folder: its config.json and other entries are kept. */
  configDir: string;
  /** Added for `docker build` (FROM pulls) and every other command but the push. */
  build: readonly DockerLoginEntry[];
  /** Added for `docker push`. */
  push: readonly DockerLoginEntry[];
}

/**
 * The Docker engine through its CLI: implemented by clients/docker over the Exec port.
 * `withLogins` runs `work` with one CLI per phase, each seeing the logins added for it, and
 * removes whatever it made for them afterwards, whatever happens.
 */
export interface DockerEngine {
  withLogins<T>(
    scope: DockerLoginScope,
    work: (cli: { build: DockerCli; push: DockerCli }) => Promise<T>,
  ): Promise<T>;
}
