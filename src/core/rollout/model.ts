/**
 * The rollout's shared types (issue 12): what the spec names, what routers and metric providers
 * are configured with, and what a rollout records as it runs. Shared by the core engine
 * (src/core/rollout), the routers (src/clients/routers) and the metric providers
 * (src/clients/metrics); see /work/wt/ROLLOUT.md.
 */
import type { Clock, Exec, Logger, SecretMasker, Sleep } from '../ports.js';

/** One version of the served model. */
export interface VersionRef {
  /** The name routers and providers know it by (upstream server key, Prometheus label value). */
  name: string;
  /** Where the version answers directly, bypassing the router (probes, replay). */
  url?: string;
}

/** Which router a rollout drives, and how to reach it (src/clients/routers implements each). */
export interface BuiltinRouterConfig {
  type: 'builtin';
  /** http://127.0.0.1:PORT of the built-in proxy's admin API. */
  admin: string;
  /** the longest one admin call may take, in ms (default 5000). */
  timeoutMs?: number;
}

export interface NginxRouterConfig {
  type: 'nginx';
  /** The include file sluice writes (http context): it holds the `upstream` block. */
  upstreamFile: string;
  /** The upstream's name, as the user's `proxy_pass http://NAME` uses it. */
  upstream: string;
  /** version → host:port. */
  servers: Record<string, string>;
  /** argv; default `nginx [-p prefix] [-c conf] -s reload`. */
  reload?: string[];
  prefix?: string;
  /** the main configuration file (`nginx -c`). */
  conf?: string;
  /** argv of the configuration test; default `nginx [-p prefix] [-c conf] -t`. */
  test?: string[];
  /**
   * an include file in the `server` context of the user's server block, which sluice
   * fills with a `mirror` directive and its internal location while a version is mirrored (empty
   * otherwise). Without it the nginx router cannot mirror.
   */
  mirrorFile?: string;
  /**
   * true: sluice also writes a `map` of a request header to `$<upstream>__sluice_route` in the
   * upstream file, and the user's location proxies to `http://$<upstream>__sluice_route`:
   * the weighted upstream, or one version alone for a routed header value (a blue-green preview's
   * `x-sluice-preview: canary`). Without it the nginx router cannot route by header.
   */
  headerRoutes?: boolean;
  /**
   * nginx's pid file, to check that its master started new workers after a reload
   * (default `<prefix>/logs/nginx.pid` with a prefix). Without a readable one the check is skipped;
   * a pidFile given here that does not exist reads back as nginx not running (exit 3).
   */
  pidFile?: string;
  /** how long a reload may take to show new workers, in ms (default 10000). */
  reloadTimeoutMs?: number;
}

export interface HaproxyRouterConfig {
  type: 'haproxy';
  /** Unix socket path, or host:port, of HAProxy's runtime API. */
  socket: string;
  backend: string;
  /** version → server name in the backend. */
  servers: Record<string, string>;
  /** the longest one runtime API call may take, in ms (default 5000). */
  timeoutMs?: number;
  /**
   * A map file haproxy.cfg loads for header routes (`use-server <server> if
   * { req.hdr(<header>),map(<headerMap>) -m str <server> }` per version): sluice changes its
   * entries over the runtime API (header value → server). Without it HAProxy cannot route by header.
   */
  headerMap?: string;
  /** The header those rules read (default x-sluice-preview, the blue-green preview's). */
  header?: string;
}

/**
 * How a Kubernetes router reaches the API server. Without `server`, the kubeconfig (KUBECONFIG,
 * else ~/.kube/config) or the in-cluster service account is used, as the platform finds them.
 */
export interface KubernetesAccessConfig {
  /** https://HOST:PORT of the API server (with `tokenFile`); overrides the kubeconfig. */
  server?: string;
  /** A file holding a bearer token (never the token itself in the spec). */
  tokenFile?: string;
  /** The API server's CA certificate (PEM file). */
  caFile?: string;
  /** Accept any server certificate (loopback test servers with a self-signed one only). */
  insecureSkipTlsVerify?: boolean;
  /** The kubeconfig context to use (default: its current-context). */
  context?: string;
  /** the longest one API call may take, in ms (default 10000). */
  timeoutMs?: number;
}

/** Canary weights on a Gateway API HTTPRoute's backendRefs (gateway.networking.k8s.io/v1). */
export interface GatewayApiRouterConfig extends KubernetesAccessConfig {
  type: 'gateway-api';
  namespace: string;
  /** The HTTPRoute's name. */
  route: string;
  /** Which of the route's rules carries the split (index, default 0). */
  rule?: number;
  /** version → the backend Service's name in that rule's backendRefs. */
  backends: Record<string, string>;
}

/** Blue-green by switching a Service's selector between the versions' Deployments. */
export interface ServiceSwitchRouterConfig extends KubernetesAccessConfig {
  type: 'service-switch';
  namespace: string;
  service: string;
  /** The selector key that tells the versions apart (e.g. app.kubernetes.io/version). */
  selectorKey: string;
  /** version → its Deployment (whose pods must be ready before the switch). */
  deployments: Record<string, string>;
  /** version → the selector value its pods carry (default: the version's name). */
  selectorValues?: Record<string, string>;
  /**
   * After a switch, wait until the Service's EndpointSlices list only the new Deployment's pods,
   * all ready (default true; needs `list` on endpointslices).
   */
  waitForEndpoints?: boolean;
  /** how long EndpointSlices may take to follow a switch, in ms (default 60000). */
  endpointsTimeoutMs?: number;
}

/** A KServe InferenceService's canaryTrafficPercent (serving.kserve.io/v1beta1). */
export interface KserveRouterConfig extends KubernetesAccessConfig {
  type: 'kserve';
  namespace: string;
  inferenceService: string;
  /** The version name of the previous ready revision (stable) and of the latest one (canary). */
  stable: string;
  canary: string;
}

/**
 * An Argo Rollouts `Rollout` its controller drives (argoproj.io/v1alpha1): sluice sets the
 * canary's image, judges at each of the controller's pauses, and promotes or aborts.
 */
export interface ArgoRolloutsRouterConfig extends KubernetesAccessConfig {
  type: 'argo-rollouts';
  namespace: string;
  rollout: string;
  /** The container of the pod template whose image is the model's. */
  container: string;
  /** The canary's image; `{{version}}` is replaced by a version's name. */
  image: string;
  /** Longest wait for the controller to pause or finish, ms (default 10 minutes). */
  deadlineMs: number;
  /** How often the Rollout's status is read while waiting, ms (default 2000). */
  pollMs: number;
  /** The spec's version names, filled in by the spec reader (what the read-back names). */
  stable: string;
  canary: string;
}

export type RouterConfig =
  | BuiltinRouterConfig
  | NginxRouterConfig
  | HaproxyRouterConfig
  | GatewayApiRouterConfig
  | ServiceSwitchRouterConfig
  | KserveRouterConfig
  | ArgoRolloutsRouterConfig;

/**
 * Where the versions run (`deploy:`): a docker-compose project on one host. sluice starts the
 * canary as a service beside the stable one, waits for its health, runs the rollout through the
 * router, then updates the stable service to the canary's image (promotion) or removes the canary
 * service (rollback). See docs/rollout.md, "A docker-compose host".
 */
export interface ComposeDeployConfig {
  type: 'compose';
  /** The project's compose files (`-f`, in order), as written in the spec. */
  files: string[];
  /** The compose project name (`-p`). */
  project: string;
  /** The stable service (the version the router calls `stable`). */
  service: string;
  /** The canary service sluice creates beside it (default `<service>-canary`). */
  canaryService: string;
  /** The canary's image, `{{version}}` already replaced by the canary's name. */
  image: string;
  /** Replaces the stable service's published ports in the canary service (its router backend). */
  canaryPorts?: string[];
  /** Merged over the stable service's environment in the canary service. */
  canaryEnvironment?: Record<string, string>;
  /** GET until 2xx: the canary service's readiness URL (else its compose healthcheck). */
  canaryHealthUrl?: string;
  /** The same for the stable service, after it is updated to the canary's image. */
  stableHealthUrl?: string;
  /** How long a service may take to become healthy, ms (default 120000). */
  healthTimeoutMs: number;
  /** The override file sluice writes and keeps (the canary service, the stable service's image). */
  override: string;
}

export type DeployConfig = ComposeDeployConfig;

/**
 * Which metrics provider a metric is read from, and how. `versions` says which version is stable
 * and which the canary; the rollout fills it in when it creates the provider.
 */
export type ProviderConfig = (
  | { type: 'prometheus'; url: string; headers?: Record<string, string> }
  | {
      type: 'http-probe';
      path?: string;
      method?: string;
      body?: string;
      /** Requests per second sent to each version. */
      rate: number;
      timeoutMs: number;
      /** version → url. */
      endpoints: Record<string, string>;
      /**
       * version → headers sent with every request to that version: set by the rollout for a
       * preview's header route (the canary's requests carry `x-sluice-preview: canary`).
       */
      versionHeaders?: Record<string, Record<string, string>>;
    }
  | {
      type: 'replay';
      data: string;
      endpoints: Record<string, string>;
      request: { path: string; template?: string };
      /** JSON path of the prediction in the answer. */
      prediction: string;
      /** version → headers sent with every request to that version (a preview's header route). */
      versionHeaders?: Record<string, Record<string, string>>;
    }
) & { versions?: { stable: string; canary: string } };

/** What the app hands a router it creates. */
export interface RouterDeps {
  exec: Exec;
  logger: Logger;
  signal?: AbortSignal;
  /** Where the Kubernetes routers find credentials, as the platform read them from its env. */
  kubernetes?: KubernetesEnvironment;
  /** Credentials a router obtains at run time (a kubeconfig exec plugin's token) are added here. */
  masker?: SecretMasker;
}

/** The Kubernetes credentials the platform found (read from the env in src/platforms only). */
export interface KubernetesEnvironment {
  /** KUBECONFIG's files (the first one is used). */
  kubeconfigFiles: string[];
  /** In a pod: https://KUBERNETES_SERVICE_HOST:KUBERNETES_SERVICE_PORT (the service account applies). */
  inClusterServer?: string;
  /** The user's home folder (~/.kube/config). */
  home: string;
}

/** What the app hands a metrics provider it creates. */
export interface ProviderDeps {
  clock: Clock;
  sleep: Sleep;
  logger: Logger;
  masker?: SecretMasker;
}

// ---------------------------------------------------------------------------------------------
// The spec (rollout.yml), as validated: every default filled in.

/** A place in the spec, for errors and reports. */
interface SpecPlace {
  file: string;
  line?: number;
}

/** A threshold written like the gate's rules. */
export interface Threshold {
  min?: number;
  max?: number;
  /**
   * Largest allowed worsening relative to stable's value on the same window: a fraction
   * (0.1 = 10 %), in the direction given by `higherIsBetter`.
   */
  maxRegression?: number;
  /** For max_regression: whether a higher value is better (success rate) or worse (latency). */
  higherIsBetter?: boolean;
}

/** A Kayenta-style comparison of canary against stable through the judge. */
export interface CompareCondition {
  kind: 'latency' | 'error-rate';
  /** latency: relative (0.1 = +10 %); error-rate: absolute (0.01 = +1 point). */
  maxIncrease: number;
  /** Default 0.95. */
  confidence: number;
  /** Below this many samples per version the answer is inconclusive. Default 20 (latency) / 100 (error-rate). */
  minSamples: number;
}

/** One metric of an analysis (Argo: `AnalysisTemplate.spec.metrics[]`). */
export interface AnalysisMetric {
  name: string;
  provider: ProviderConfig;
  /** The provider's query (PromQL with {{version}}), or the metric name the provider yields. */
  query: string;
  /** Time between measurements, ms (Argo `interval`). Default: one measurement only when count is 1. */
  intervalMs: number;
  /** Number of measurements (Argo `count`); default 1 (run once) when no interval, else until the step ends. */
  count?: number;
  /** Delay before the first measurement, ms (Argo `initialDelay`). */
  initialDelayMs: number;
  /** Passing thresholds (Argo `successCondition`): all must hold. */
  success?: Threshold;
  /** Failing thresholds (Argo `failureCondition`): any one failing is Failed. */
  failure?: Threshold;
  /** A judge comparison with stable. */
  compare?: CompareCondition;
  /** Argo `failureLimit`: more Failed measurements than this fails the analysis. Default 0. */
  failureLimit: number;
  /** Argo `consecutiveErrorLimit`: more consecutive Errors than this fails it. Default 4. */
  consecutiveErrorLimit: number;
  /** Argo `inconclusiveLimit`: more Inconclusive measurements than this makes it Inconclusive. Default 0. */
  inconclusiveLimit: number;
  place: SpecPlace;
}

export interface AnalysisSpec {
  metrics: AnalysisMetric[];
}

export type CanaryStep =
  | { setWeight: number; place: SpecPlace }
  /** durationMs undefined: wait indefinitely (until `sluice rollout promote`). */
  | { pause: { durationMs?: number }; place: SpecPlace }
  | { analysis: AnalysisSpec; place: SpecPlace };

/** The shadow phase (strategy: shadow): the canary gets a copy of live requests, users get stable's answers. */
export interface ShadowSpec {
  /** The analysis run while the canary is mirrored (required: a shadow phase exists to be judged). */
  analysis: AnalysisSpec;
  /**
   * When metrics without a `count` of their own end, ms (default 1 minute); metrics with one take
   * all their measurements: mirroring lasts until the analysis ends.
   */
  durationMs: number;
  /**
   * After a passed shadow analysis: false (default) ends there, exit 0, traffic never moved;
   * true goes on to the canary's `steps` (or switches all traffic at once without steps).
   */
  promote: boolean;
}

export type RolloutStrategy = 'canary' | 'blue-green' | 'shadow';

export interface RolloutSpec {
  file: string;
  strategy: RolloutStrategy;
  stable: VersionRef;
  canary: VersionRef;
  router: RouterConfig;
  /** Where the versions run, when sluice starts the canary itself (a docker-compose host). */
  deploy?: DeployConfig;
  /**
   * Canary steps; default 10 → 25 → 50 → 100 with pauses. Shadow: the steps after a promoted
   * shadow phase (empty: all traffic switches at once).
   */
  steps: CanaryStep[];
  /** strategy: shadow. */
  shadow?: ShadowSpec;
  /** Analysis running in the background for the whole canary (Argo `canary.analysis`). */
  backgroundAnalysis?: AnalysisSpec;
  /** Blue-green: analysis against the preview before switching (Argo `prePromotionAnalysis`). */
  previewAnalysis?: AnalysisSpec;
  /** Blue-green: analysis after switching (Argo `postPromotionAnalysis`). */
  postPromotionAnalysis?: AnalysisSpec;
  /** Blue-green: how long the old version is kept ready to switch back to, ms (Argo `scaleDownDelaySeconds`, 30 s). */
  scaleDownDelayMs: number;
  /** What an Inconclusive analysis does: roll back (default) or wait for a person (Argo pauses). */
  onInconclusive: 'rollback' | 'wait';
  /** What a re-run does with a rollout left unfinished: roll back (default) or finish it. */
  onResume: 'rollback' | 'finish';
  /** Longest a `wait` may last before rolling back, ms. */
  waitTimeoutMs: number;
}

// ---------------------------------------------------------------------------------------------
// What happens as it runs.

/** Argo's measurement phases. */
export type MeasurementPhase = 'Successful' | 'Failed' | 'Inconclusive' | 'Error';

export interface Measurement {
  metric: string;
  /** ISO 8601. */
  at: string;
  phase: MeasurementPhase;
  /** The canary's value (mean of the window's samples), when any. */
  value?: number;
  /** Stable's value on the same window, when the condition compares. */
  stableValue?: number;
  /** Why, in words (the condition, the provider's "no data" reason, the error). */
  reason: string;
}

/** Argo's analysis run phases. */
export type AnalysisPhase = 'Successful' | 'Failed' | 'Inconclusive' | 'Error';

export interface TimelineEntry {
  /** ISO 8601. */
  at: string;
  /** Index of the step in the spec, or a named phase (preview, switch, post-promotion, rollback). */
  step: string;
  /** Canary weight after this entry, percent. */
  weight: number;
  /** The version receiving a mirror of the traffic after this entry (shadow), if any. */
  mirror?: string;
  event: string;
  measurement?: Measurement;
}

/** `passed`: a shadow rollout whose canary passed its analysis, not promoted (`promote: false`). */
export type RolloutOutcome = 'promoted' | 'passed' | 'rolled-back' | 'aborted' | 'paused';

/** What the state store keeps between a run, its post: step and a re-run (JSON under `rollout`). */
export interface RolloutProgress {
  id: string;
  strategy: RolloutStrategy;
  stable: string;
  canary: string;
  router: RouterConfig;
  /** The compose host the rollout started its canary on, for `abort` and the post: step. */
  deploy?: DeployConfig;
  /** Index of the step under way. */
  step: number;
  /** The weights last set. */
  weights: Record<string, number>;
  /** The version sluice last set the router to mirror to (shadow), if any. */
  mirror?: string;
  status:
    'running' | 'promoted' | 'passed' | 'rolled-back' | 'aborted' | 'paused' | 'promote-requested';
  /** ISO 8601. */
  updatedAt: string;
}
