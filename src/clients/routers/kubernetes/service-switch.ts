import type { KubeObject as KubernetesObject } from './api.js';
import { InfraError, UsageError } from '../../../core/errors.js';
import type {
  RecordedProgress,
  TrafficCapabilities,
  TrafficRouter,
  TrafficState,
} from '../../../core/ports.js';
import type { RouterDeps, ServiceSwitchRouterConfig } from '../config.js';
import { badState, bounded, completeWeights, routeAll } from '../weights.js';
import {
  ConflictError,
  lazyKubeApi,
  ROLLOUT_ANNOTATION,
  type KubeApi,
  type KubeObjectRef,
  type RbacResource,
} from './api.js';
import { CONFLICT_RETRIES, type KubernetesRouterOptions } from './gateway-api.js';
import { annotationFor, recordedOf, recordOn } from './progress.js';

const SERVICES: RbacResource = { resource: 'services', group: '' };
const DEPLOYMENTS: RbacResource = { resource: 'deployments', group: 'apps' };
const ENDPOINT_SLICES: RbacResource = { resource: 'endpointslices', group: 'discovery.k8s.io' };
const DEFAULT_ENDPOINTS_TIMEOUT_MS = 60_000;

interface EndpointSlice {
  endpoints?: {
    conditions?: { ready?: boolean | null };
    targetRef?: { kind?: string; name?: string };
  }[];
}

interface Service extends KubernetesObject {
  spec?: { selector?: Record<string, unknown>; [key: string]: unknown };
}
interface Deployment extends KubernetesObject {
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
  };
}

function stringEntries(map: Record<string, unknown> | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(map ?? {}).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
}

/**
 * Blue-green on plain Deployments and Services: all traffic goes to the version whose pods the
 * Service's selector picks (`selectorKey: value`). Before a switch the target Deployment must be
 * rolled out and ready (observedGeneration current, updated = ready = desired replicas, at
 * least one); the switch is a server-side apply of that one selector key by field manager
 * `sluice`, conditional on the resourceVersion read (409 re-reads and retries). No weights: a
 * split other than 100/0 is refused.
 */
export class ServiceSwitchTrafficRouter implements TrafficRouter {
  readonly name: string;
  readonly capabilities: TrafficCapabilities = {
    weights: false,
    mirror: false,
    headerRouting: false,
  };
  private readonly versions: string[];
  private readonly ref: KubeObjectRef;
  private readonly api: () => Promise<KubeApi>;
  /** Desired replicas per version, as the readiness check read them. */
  private readonly desired = new Map<string, number>();

  constructor(
    private readonly config: ServiceSwitchRouterConfig,
    private readonly deps: RouterDeps,
    private readonly options: KubernetesRouterOptions = {},
  ) {
    this.name = `service-switch service ${config.namespace}/${config.service}`;
    this.versions = Object.keys(config.deployments);
    this.ref = {
      apiVersion: 'v1',
      kind: 'Service',
      namespace: config.namespace,
      name: config.service,
    };
    this.api = lazyKubeApi(config, deps, this.name, options.api);
  }

  private valueOf(version: string): string {
    return this.config.selectorValues?.[version] ?? version;
  }

  async setWeights(weights: Readonly<Record<string, number>>, signal?: AbortSignal) {
    const complete = completeWeights(this.name, this.versions, weights);
    const whole = Object.entries(complete).find(([, p]) => p === 100);
    if (!whole)
      throw new UsageError(`${this.name} switches all traffic at once and cannot split it`, {
        hint: 'use strategy: blue-green with this router, or the gateway-api router for a canary',
      });
    await this.setRoute(whole[0], signal);
  }

  async setRoute(version: string, signal?: AbortSignal) {
    routeAll(this.name, this.versions, version);
    const s = signal ?? this.deps.signal;
    const api = await this.api();
    await this.checkReady(api, version, s);
    for (let attempt = 0; ; attempt++) {
      const service = (await api.get(this.ref, SERVICES, s)) as Service;
      const body: Service = {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: this.ref.name,
          namespace: this.ref.namespace,
          ...(service.metadata?.resourceVersion !== undefined
            ? { resourceVersion: service.metadata.resourceVersion }
            : {}),
          annotations: {
            [ROLLOUT_ANNOTATION]: annotationFor(service, { route: version }),
          },
        },
        // spec.selector is an atomic map for server-side apply: the whole selector is sent, the
        // other keys as they are on the server.
        spec: {
          selector: {
            ...stringEntries(service.spec?.selector),
            [this.config.selectorKey]: this.valueOf(version),
          },
        },
      };
      try {
        await api.apply(body, SERVICES, s);
        if (this.config.waitForEndpoints !== false) await this.waitForEndpoints(api, version, s);
        return;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        if (attempt >= CONFLICT_RETRIES)
          throw new InfraError(
            `${this.name} kept changing under sluice: ${CONFLICT_RETRIES + 1} writes in a row answered 409`,
          );
        this.deps.logger.info(
          `${this.name}: the Service changed since it was read (409); reading it again (retry ${attempt + 1} of ${CONFLICT_RETRIES})`,
        );
      }
    }
  }

  /**
   * Waits until the Service's EndpointSlices (label kubernetes.io/service-name) list the new
   * Deployment's pods only (Deployment pods are named `<deployment>-…`), at least its desired
   * replicas of them ready: the switch has reached the data plane's view of the Service.
   */
  private async waitForEndpoints(api: KubeApi, version: string, signal?: AbortSignal) {
    if (!api.list) return;
    const deployment = this.config.deployments[version]!;
    const desired = this.desired.get(version) ?? 1;
    const timeoutMs = this.config.endpointsTimeoutMs ?? DEFAULT_ENDPOINTS_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    let seen = '';
    for (;;) {
      const slices = (await api.list(
        'discovery.k8s.io/v1',
        this.config.namespace,
        ENDPOINT_SLICES,
        `kubernetes.io/service-name=${this.config.service}`,
        signal,
      )) as EndpointSlice[];
      let ready = 0;
      let others = 0;
      for (const endpoint of slices.flatMap((slice) => slice.endpoints ?? [])) {
        const name = endpoint.targetRef?.name ?? '';
        if (name.startsWith(`${deployment}-`)) {
          if (endpoint.conditions?.ready !== false) ready++;
        } else others++;
      }
      seen = `${ready} ready endpoints of ${deployment} (of ${desired}), ${others} of other pods`;
      if (ready >= desired && others === 0) return;
      if (Date.now() > deadline)
        throw new InfraError(
          `${this.name}: the Service's EndpointSlices did not follow the switch to "${version}" within ${timeoutMs} ms: ${seen}`,
          { hint: 'check the pods of the Deployment and the endpointslice controller' },
        );
      await new Promise((resolve) => setTimeout(resolve, 250));
      signal?.throwIfAborted();
    }
  }

  /** The version's Deployment is rolled out and all its replicas ready, or the switch is refused. */
  private async checkReady(api: KubeApi, version: string, signal?: AbortSignal) {
    const name = this.config.deployments[version]!;
    const deployment = (await api.get(
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: this.config.namespace, name },
      DEPLOYMENTS,
      signal,
    )) as Deployment;
    const desired = deployment.spec?.replicas ?? 1;
    this.desired.set(version, desired);
    const status = deployment.status ?? {};
    const generation = deployment.metadata?.generation ?? 0;
    const problems: string[] = [];
    if ((status.observedGeneration ?? 0) < generation)
      problems.push('its controller has not seen its latest spec yet');
    if (desired < 1) problems.push('it is scaled to 0 replicas');
    if ((status.updatedReplicas ?? 0) < desired)
      problems.push(`${status.updatedReplicas ?? 0} of ${desired} replicas are updated`);
    if ((status.readyReplicas ?? 0) < desired)
      problems.push(`${status.readyReplicas ?? 0} of ${desired} replicas are ready`);
    if (problems.length > 0)
      throw new InfraError(
        `${this.name}: not switching to "${version}": Deployment ${this.config.namespace}/${name} is not ready (${problems.join('; ')})`,
        {
          hint: 'wait for the Deployment to become available (kubectl rollout status), then run again',
        },
      );
  }

  async readBack(signal?: AbortSignal): Promise<TrafficState> {
    const api = await this.api();
    const service = (await api.get(this.ref, SERVICES, signal ?? this.deps.signal)) as Service;
    const value = service.spec?.selector?.[this.config.selectorKey];
    const version = this.versions.find((v) => this.valueOf(v) === value);
    if (version === undefined)
      throw badState(
        this.name,
        `its selector ${this.config.selectorKey}=${bounded(String(value), 80)} picks none of the versions (${this.versions.map((v) => `${v}: ${this.valueOf(v)}`).join(', ')})`,
      );
    const recorded = recordedOf(service);
    return {
      weights: Object.fromEntries(this.versions.map((v) => [v, v === version ? 100 : 0])),
      ...(recorded ? { recorded } : {}),
    };
  }

  async record(progress: RecordedProgress, signal?: AbortSignal) {
    await recordOn(
      await this.api(),
      this.ref,
      SERVICES,
      progress,
      this.name,
      signal ?? this.deps.signal,
    );
  }
}
