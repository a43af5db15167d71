import { InfraError } from '../../../core/errors.js';
import type {
  RecordedProgress,
  TrafficCapabilities,
  TrafficRouter,
  TrafficState,
} from '../../../core/ports.js';
import type { KserveRouterConfig, RouterDeps } from '../config.js';
import { badState, bounded, completeWeights, routeAll } from '../weights.js';
import {
  ConflictError,
  lazyKubeApi,
  ROLLOUT_ANNOTATION,
  type KubeApi,
  type KubeObject,
  type KubeObjectRef,
  type RbacResource,
} from './api.js';
import { annotationFor, recordedOf, recordOn } from './progress.js';
import { CONFLICT_RETRIES, type KubernetesRouterOptions } from './gateway-api.js';

const INFERENCE_SERVICES: RbacResource = {
  resource: 'inferenceservices',
  group: 'serving.kserve.io',
};

interface InferenceService extends KubeObject {
  spec?: { predictor?: { canaryTrafficPercent?: unknown; [key: string]: unknown } };
}

/**
 * A KServe InferenceService's canary: `spec.predictor.canaryTrafficPercent` is the share of the
 * latest revision (the canary); the rest goes to the previous ready one (stable). As KServe
 * defines them: promotion removes the field (the latest revision takes 100%), rollback sets it
 * to 0. Written by server-side apply of that one field (field manager `sluice`), conditional on
 * the resourceVersion read; readBack reads the field from the object on the API server.
 */
export class KserveTrafficRouter implements TrafficRouter {
  readonly name: string;
  readonly capabilities: TrafficCapabilities = {
    weights: true,
    mirror: false,
    headerRouting: false,
  };
  private readonly ref: KubeObjectRef;
  private readonly api: () => Promise<KubeApi>;

  constructor(
    private readonly config: KserveRouterConfig,
    private readonly deps: RouterDeps,
    private readonly options: KubernetesRouterOptions = {},
  ) {
    this.name = `kserve inferenceservice ${config.namespace}/${config.inferenceService}`;
    this.ref = {
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      namespace: config.namespace,
      name: config.inferenceService,
    };
    this.api = lazyKubeApi(config, deps, this.name, options.api);
  }

  private get versions(): string[] {
    return [this.config.stable, this.config.canary];
  }

  async setWeights(weights: Readonly<Record<string, number>>, signal?: AbortSignal) {
    const complete = completeWeights(this.name, this.versions, weights);
    await this.write(Math.round(complete[this.config.canary] ?? 0), signal);
  }

  async setRoute(version: string, signal?: AbortSignal) {
    routeAll(this.name, this.versions, version);
    // Promotion: no canaryTrafficPercent (KServe routes 100% to the latest revision).
    await this.write(version === this.config.canary ? undefined : 0, signal);
  }

  async readBack(signal?: AbortSignal): Promise<TrafficState> {
    const api = await this.api();
    const isvc = (await api.get(
      this.ref,
      INFERENCE_SERVICES,
      signal ?? this.deps.signal,
    )) as InferenceService;
    const raw = isvc.spec?.predictor?.canaryTrafficPercent;
    const canary = raw === undefined || raw === null ? 100 : raw;
    if (typeof canary !== 'number' || !Number.isInteger(canary) || canary < 0 || canary > 100)
      throw badState(this.name, `canaryTrafficPercent is ${bounded(JSON.stringify(raw), 40)}`);
    const recorded = recordedOf(isvc);
    return {
      weights: { [this.config.stable]: 100 - canary, [this.config.canary]: canary },
      ...(recorded ? { recorded } : {}),
    };
  }

  async record(progress: RecordedProgress, signal?: AbortSignal) {
    await recordOn(
      await this.api(),
      this.ref,
      INFERENCE_SERVICES,
      progress,
      this.name,
      signal ?? this.deps.signal,
    );
  }

  /** Sets canaryTrafficPercent (undefined: removes sluice's value, i.e. promotes). */
  private async write(percent: number | undefined, signal?: AbortSignal) {
    const api = await this.api();
    const s = signal ?? this.deps.signal;
    for (let attempt = 0; ; attempt++) {
      const isvc = (await api.get(this.ref, INFERENCE_SERVICES, s)) as InferenceService;
      const body: InferenceService = {
        apiVersion: this.ref.apiVersion,
        kind: this.ref.kind,
        metadata: {
          name: this.ref.name,
          namespace: this.ref.namespace,
          ...(isvc.metadata?.resourceVersion !== undefined
            ? { resourceVersion: isvc.metadata.resourceVersion }
            : {}),
          annotations: {
            [ROLLOUT_ANNOTATION]: annotationFor(isvc, {
              canaryTrafficPercent: percent ?? null,
              stable: this.config.stable,
              canary: this.config.canary,
            }),
          },
        },
        // With server-side apply, leaving out a field sluice owned removes it (promotion).
        spec: { predictor: percent === undefined ? {} : { canaryTrafficPercent: percent } },
      };
      try {
        await api.apply(body, INFERENCE_SERVICES, s);
        break;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        if (attempt >= CONFLICT_RETRIES)
          throw new InfraError(
            `${this.name} kept changing under sluice: ${CONFLICT_RETRIES + 1} writes in a row answered 409`,
          );
        this.deps.logger.info(
          `${this.name}: the InferenceService changed since it was read (409); reading it again (retry ${attempt + 1} of ${CONFLICT_RETRIES})`,
        );
      }
    }
    if (percent === undefined) {
      // Another manager may still own the field: promotion is only done when it is gone.
      const after = await this.readBack(s);
      if (after.weights[this.config.canary] !== 100)
        throw new InfraError(
          `${this.name}: promotion left canaryTrafficPercent at ${after.weights[this.config.canary]} (another field manager owns it)`,
          { hint: 'remove canaryTrafficPercent from the manifest other tools apply' },
        );
    }
  }
}
