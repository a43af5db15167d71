import { InfraError, UsageError } from '../../../core/errors.js';
import type { KubernetesAccessConfig } from '../../../core/rollout/model.js';
import type { RouterDeps } from '../config.js';
import { bounded } from '../weights.js';
import {
  ConflictError,
  lazyKubeApi,
  ROLLOUT_ANNOTATION,
  type KubeApi,
  type KubeObject,
  type KubeObjectRef,
  type RbacResource,
} from './api.js';
import { CONFLICT_RETRIES, type KubernetesRouterOptions } from './gateway-api.js';

const ROLLOUTS: RbacResource = { resource: 'rollouts', group: 'argoproj.io' };

export interface ArgoRolloutsConfig extends KubernetesAccessConfig {
  namespace: string;
  rollout: string;
  /** How often the Rollout's status is read while waiting, in ms (default 1000). */
  pollMs?: number;
}

/** Argo Rollouts' phases (status.phase), as its controller writes them. */
export type ArgoPhase = 'Healthy' | 'Progressing' | 'Paused' | 'Degraded';

export interface ArgoStatus {
  phase: ArgoPhase | 'Unknown';
  message: string;
  /** The controller has seen the latest spec (observedGeneration = generation). */
  current: boolean;
}

interface Rollout extends KubeObject {
  spec?: {
    paused?: boolean;
    template?: { spec?: { containers?: { name?: string; image?: string }[] } };
  };
  status?: {
    phase?: unknown;
    message?: unknown;
    observedGeneration?: unknown;
    abort?: boolean;
  };
}

/**
 * The bridge to an Argo Rollouts controller that already runs: sets the image, waits for a pause
 * or the end, and promotes or aborts as `kubectl argo rollouts` does (clearing the pause,
 * setting `status.abort`). sluice's analysis decides between them; the phases map to exit codes
 * (`exitCodeOf`). Reached from the library for now: not yet a `router:` of the rollout command.
 */
export class ArgoRolloutsBridge {
  readonly name: string;
  private readonly ref: KubeObjectRef;
  private readonly api: () => Promise<KubeApi>;

  constructor(
    private readonly config: ArgoRolloutsConfig,
    private readonly deps: RouterDeps,
    private readonly options: KubernetesRouterOptions = {},
  ) {
    this.name = `argo rollout ${config.namespace}/${config.rollout}`;
    this.ref = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      namespace: config.namespace,
      name: config.rollout,
    };
    this.api = lazyKubeApi(config, deps.kubernetes, this.name, options.api);
  }

  /** A merge patch conditional on the resourceVersion read; 409 re-reads and retries. */
  private async patch(
    make: (rollout: Rollout) => Record<string, unknown>,
    what: string,
    subresource?: 'status',
  ) {
    const api = await this.api();
    if (!api.mergePatch) throw new InfraError(`${this.name}: this client cannot patch`);
    for (let attempt = 0; ; attempt++) {
      const rollout = (await api.get(this.ref, ROLLOUTS, this.deps.signal)) as Rollout;
      const body = make(rollout);
      const metadata = {
        resourceVersion: rollout.metadata?.resourceVersion,
        annotations: {
          [ROLLOUT_ANNOTATION]: JSON.stringify({ action: what, by: 'sluice' }),
        },
      };
      try {
        return (await api.mergePatch(
          this.ref,
          ROLLOUTS,
          { ...body, metadata },
          this.deps.signal,
          subresource,
        )) as Rollout;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        if (attempt >= CONFLICT_RETRIES)
          throw new InfraError(
            `${this.name} kept changing under sluice: ${CONFLICT_RETRIES + 1} writes in a row answered 409`,
          );
      }
    }
  }

  /** Sets one container's image: the controller starts a new revision. */
  async setImage(container: string, image: string): Promise<void> {
    await this.patch((rollout) => {
      const containers = rollout.spec?.template?.spec?.containers ?? [];
      if (!containers.some((c) => c.name === container))
        throw new UsageError(
          `${this.name} has no container "${bounded(container, 80)}" (it has: ${containers.map((c) => bounded(String(c.name), 40)).join(', ')})`,
        );
      return {
        spec: {
          template: {
            spec: {
              containers: containers.map((c) => (c.name === container ? { ...c, image } : c)),
            },
          },
        },
      };
    }, `set image ${container}=${image}`);
  }

  /**
   * Resumes a paused Rollout as `kubectl argo rollouts promote` does: `spec.paused: false`, and
   * the pause conditions cleared through the status subresource.
   */
  async promote(): Promise<void> {
    await this.patch(() => ({ spec: { paused: false } }), 'promote');
    await this.patch(() => ({ status: { pauseConditions: null } }), 'promote', 'status');
  }

  /** Aborts (`status.abort`, status subresource): the controller sends traffic back to stable. */
  async abort(): Promise<void> {
    await this.patch(() => ({ status: { abort: true } }), 'abort', 'status');
  }

  async status(signal?: AbortSignal): Promise<ArgoStatus> {
    const api = await this.api();
    const rollout = (await api.get(this.ref, ROLLOUTS, signal ?? this.deps.signal)) as Rollout;
    const phase = rollout.status?.phase;
    const known: ArgoPhase[] = ['Healthy', 'Progressing', 'Paused', 'Degraded'];
    return {
      phase: known.includes(phase as ArgoPhase) ? (phase as ArgoPhase) : 'Unknown',
      message: bounded(
        typeof rollout.status?.message === 'string' ? rollout.status.message : '',
        300,
      ),
      current:
        rollout.status?.observedGeneration !== undefined &&
        String(rollout.status.observedGeneration) === String(rollout.metadata?.generation ?? ''),
    };
  }

  /**
   * Waits until the controller (having seen the latest spec) reports one of `phases`, or the
   * deadline passes: exit 3 naming the last phase seen.
   */
  async waitFor(phases: readonly ArgoPhase[], deadlineMs: number): Promise<ArgoStatus> {
    const deadline = Date.now() + deadlineMs;
    let last: ArgoStatus | undefined;
    for (;;) {
      last = await this.status();
      if (last.current && (phases as readonly string[]).includes(last.phase)) return last;
      if (Date.now() > deadline)
        throw new InfraError(
          `${this.name} did not reach ${phases.join(' or ')} within ${deadlineMs} ms: it is ${last.phase}${last.current ? '' : ' (its controller has not seen the latest spec)'}${last.message ? `: ${last.message}` : ''}`,
          { hint: 'check the Argo Rollouts controller (kubectl argo rollouts get rollout)' },
        );
      await new Promise((resolve) => setTimeout(resolve, this.config.pollMs ?? 1000));
      this.deps.signal?.throwIfAborted();
    }
  }
}

/** Healthy: 0 (rolled out); Degraded: 1 (the rollout failed, stable serves); else 3 (unfinished). */
export function exitCodeOf(status: ArgoStatus): 0 | 1 | 3 {
  if (status.phase === 'Healthy') return 0;
  if (status.phase === 'Degraded') return 1;
  return 3;
}
