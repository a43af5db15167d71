import { InfraError, UsageError } from '../../../core/errors.js';
import type {
  ControllerPhase,
  ControllerStatus,
  RecordedProgress,
  RolloutController,
  TrafficCapabilities,
  TrafficRouter,
  TrafficState,
} from '../../../core/ports.js';
import type { ArgoRolloutsRouterConfig } from '../../../core/rollout/model.js';
import type { RouterDeps } from '../config.js';
import { bounded, routeAll } from '../weights.js';
import {
  ConflictError,
  lazyKubeApi,
  type KubeApi,
  type KubeObject,
  type KubeObjectRef,
  type RbacResource,
} from './api.js';
import { CONFLICT_RETRIES, type KubernetesRouterOptions } from './gateway-api.js';
import { annotationFor, recordedOf, recordOn } from './progress.js';

const ROLLOUTS: RbacResource = { resource: 'rollouts', group: 'argoproj.io' };
const PHASES: readonly ControllerPhase[] = ['Healthy', 'Progressing', 'Paused', 'Degraded'];

interface Rollout extends KubeObject {
  spec?: {
    paused?: boolean;
    template?: { spec?: { containers?: { name?: string; image?: string }[] } };
    strategy?: { canary?: { steps?: unknown[] } };
  };
  status?: {
    phase?: unknown;
    message?: unknown;
    observedGeneration?: unknown;
    abort?: unknown;
    currentStepIndex?: unknown;
    canary?: { weights?: { canary?: { weight?: unknown } } };
    pauseConditions?: unknown;
  };
}

/**
 * The bridge to an Argo Rollouts controller that already runs, as the rollout's router
 * (`router: { type: argo-rollouts }`): the controller drives the steps and the traffic; sluice
 * sets the canary's image, waits for a pause or the end (`waitFor`, with the deadline), and
 * promotes or aborts as `kubectl argo rollouts` does (clearing the pause, setting `status.abort`).
 * As a TrafficRouter (what `sluice rollout abort|promote|status` and the post: step use):
 * `setRoute(stable)` aborts, `setRoute(canary)` promotes fully, and `readBack` reads the traffic
 * from the Rollout's status.
 */
export class ArgoRolloutsRouter implements TrafficRouter, RolloutController {
  readonly name: string;
  readonly capabilities: TrafficCapabilities = {
    weights: false,
    mirror: false,
    headerRouting: false,
  };
  readonly controller: RolloutController = this;
  private readonly ref: KubeObjectRef;
  private readonly api: () => Promise<KubeApi>;

  constructor(
    private readonly config: ArgoRolloutsRouterConfig,
    private readonly deps: RouterDeps,
    options: KubernetesRouterOptions = {},
  ) {
    this.name = `argo rollout ${config.namespace}/${config.rollout}`;
    this.ref = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      namespace: config.namespace,
      name: config.rollout,
    };
    this.api = lazyKubeApi(config, deps, this.name, options.api);
  }

  private async read(signal?: AbortSignal): Promise<Rollout> {
    const api = await this.api();
    return (await api.get(this.ref, ROLLOUTS, signal ?? this.deps.signal)) as Rollout;
  }

  /** A merge patch conditional on the resourceVersion read; 409 re-reads and retries. */
  private async patch(
    make: (rollout: Rollout) => Record<string, unknown> | undefined,
    what: string,
    signal?: AbortSignal,
    subresource?: 'status',
  ): Promise<void> {
    const api = await this.api();
    if (!api.mergePatch) throw new InfraError(`${this.name}: this client cannot patch`);
    const s = signal ?? this.deps.signal;
    for (let attempt = 0; ; attempt++) {
      const rollout = await this.read(s);
      const body = make(rollout);
      if (body === undefined) return;
      const metadata = {
        resourceVersion: rollout.metadata?.resourceVersion,
        annotations: { 'sluice.dev/rollout': annotationFor(rollout, { action: what }) },
      };
      try {
        await api.mergePatch(this.ref, ROLLOUTS, { ...body, metadata }, s, subresource);
        return;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        if (attempt >= CONFLICT_RETRIES)
          throw new InfraError(
            `${this.name} kept changing under sluice: ${CONFLICT_RETRIES + 1} writes in a row answered 409`,
          );
      }
    }
  }

  private imageFor(version: string): string {
    return this.config.image.replaceAll('{{version}}', version);
  }

  private containerOf(rollout: Rollout) {
    const containers = rollout.spec?.template?.spec?.containers ?? [];
    const container = Array.isArray(containers)
      ? containers.find((c) => c?.name === this.config.container)
      : undefined;
    return { containers: Array.isArray(containers) ? containers : [], container };
  }

  /** Sets the container's image to the version's: the controller starts a new revision. */
  async setImage(version: string, signal?: AbortSignal): Promise<string> {
    const image = this.imageFor(version);
    await this.writeImage(image, `set image ${this.config.container}=${image}`, signal);
    return image;
  }

  /** The previous image back (`kubectl argo rollouts undo`): a post-promotion rollback. */
  async restoreImage(image: string, signal?: AbortSignal): Promise<void> {
    await this.writeImage(image, `undo: image ${this.config.container}=${image}`, signal);
  }

  private async writeImage(image: string, what: string, signal?: AbortSignal): Promise<void> {
    await this.patch(
      (rollout) => {
        const { containers, container } = this.containerOf(rollout);
        if (!container)
          throw new UsageError(
            `${this.name} has no container "${bounded(this.config.container, 80)}" (it has: ${containers.map((c) => bounded(String(c?.name), 40)).join(', ') || 'none'})`,
            { hint: 'set router.container to the container that runs the model' },
          );
        if (container.image === image) return undefined;
        return {
          spec: {
            template: {
              spec: {
                containers: containers.map((c) =>
                  c.name === this.config.container ? { ...c, image } : c,
                ),
              },
            },
          },
        };
      },
      what,
      signal,
    );
  }

  /** Resumes a pause as `kubectl argo rollouts promote` does. */
  async promote(signal?: AbortSignal): Promise<void> {
    await this.patch(() => ({ spec: { paused: false } }), 'promote', signal);
    await this.patch(() => ({ status: { pauseConditions: null } }), 'promote', signal, 'status');
  }

  /** Aborts (`status.abort`): the controller sends all traffic back to stable. */
  async abort(signal?: AbortSignal): Promise<void> {
    await this.patch(() => ({ status: { abort: true } }), 'abort', signal, 'status');
  }

  /** As `kubectl argo rollouts retry rollout`: the abort cleared, the update starts again. */
  async retry(signal?: AbortSignal): Promise<void> {
    await this.patch(() => ({ status: { abort: false } }), 'retry', signal, 'status');
  }

  private statusOf(rollout: Rollout): ControllerStatus {
    const raw = rollout.status?.phase;
    const image = this.containerOf(rollout).container?.image;
    let phase: ControllerPhase = PHASES.includes(raw as ControllerPhase)
      ? (raw as ControllerPhase)
      : 'Unknown';
    // Paused until the pause is promoted: with its pause conditions cleared (or the spec's pause
    // lifted) the controller is about to go on, whatever the phase it wrote before says.
    const pauses = rollout.status?.pauseConditions;
    if (
      phase === 'Paused' &&
      !(Array.isArray(pauses) && pauses.length > 0) &&
      rollout.spec?.paused !== true
    )
      phase = 'Progressing';
    return {
      phase,
      message: bounded(
        typeof rollout.status?.message === 'string' ? rollout.status.message : '',
        300,
      ),
      current:
        rollout.status?.observedGeneration !== undefined &&
        String(rollout.status.observedGeneration) === String(rollout.metadata?.generation ?? ''),
      aborted: rollout.status?.abort === true,
      ...(typeof image === 'string' ? { image: bounded(image, 300) } : {}),
    };
  }

  async status(signal?: AbortSignal): Promise<ControllerStatus> {
    return this.statusOf(await this.read(signal));
  }

  /**
   * Waits until the controller (having seen the latest spec) reports one of `phases`, or the
   * router's deadline passes: exit 3 naming the last phase seen.
   */
  async waitFor(
    phases: readonly ControllerPhase[],
    signal?: AbortSignal,
  ): Promise<ControllerStatus> {
    const s = signal ?? this.deps.signal;
    const deadline = Date.now() + this.config.deadlineMs;
    for (;;) {
      const last = await this.status(s);
      if (last.current && phases.includes(last.phase)) return last;
      if (Date.now() > deadline)
        throw new InfraError(
          `${this.name} did not reach ${phases.join(' or ')} within ${this.config.deadlineMs / 1000} s: it is ${last.phase}${last.current ? '' : ' (its controller has not seen the latest spec)'}${last.message ? `: ${last.message}` : ''}`,
          {
            hint: 'check the Argo Rollouts controller (kubectl argo rollouts get rollout), or raise router.deadline',
          },
        );
      await pause(this.config.pollMs, s);
    }
  }

  // The TrafficRouter side.

  private get versions(): string[] {
    return [this.config.stable, this.config.canary];
  }

  setWeights(): Promise<void> {
    return Promise.reject(
      new UsageError(`${this.name}: Argo's controller holds the weights (its Rollout's steps)`, {
        hint: 'write the weights as steps of the Rollout; sluice judges at its pauses',
      }),
    );
  }

  /** All traffic on stable: abort; on the canary: promote fully (`promote --full`). */
  async setRoute(version: string, signal?: AbortSignal): Promise<void> {
    routeAll(this.name, this.versions, version);
    if (version === this.config.stable) return this.abort(signal);
    await this.patch(() => ({ spec: { paused: false } }), 'promote --full', signal);
    await this.patch(
      () => ({ status: { promoteFull: true, pauseConditions: null } }),
      'promote --full',
      signal,
      'status',
    );
  }

  /**
   * The traffic as the Rollout's status says: all on stable when aborted or when the latest
   * spec is rolled out on another image; all on the canary when it is, Healthy; in between, the
   * canary weight Argo reports (traffic routing), else the setWeight of the step it is at.
   */
  async readBack(signal?: AbortSignal): Promise<TrafficState> {
    const rollout = await this.read(signal);
    const status = this.statusOf(rollout);
    const recorded = recordedOf(rollout);
    const { stable, canary } = this.config;
    const split = (w: number): TrafficState => ({
      weights: { [stable]: 100 - w, [canary]: w },
      ...(recorded ? { recorded } : {}),
    });
    if (status.aborted) return split(0);
    if (status.current && status.phase === 'Healthy')
      return split(status.image === this.imageFor(canary) ? 100 : 0);
    const reported = rollout.status?.canary?.weights?.canary?.weight;
    if (
      typeof reported === 'number' &&
      Number.isFinite(reported) &&
      reported >= 0 &&
      reported <= 100
    )
      return split(reported);
    return split(this.stepWeight(rollout));
  }

  /** The last setWeight before the step the Rollout is at (Argo's replica-based canary). */
  private stepWeight(rollout: Rollout): number {
    const steps = rollout.spec?.strategy?.canary?.steps;
    const index = rollout.status?.currentStepIndex;
    if (!Array.isArray(steps) || typeof index !== 'number') return 0;
    let weight = 0;
    for (const step of steps.slice(0, Math.max(0, Math.min(index + 1, steps.length)))) {
      const w = (step as { setWeight?: unknown } | null)?.setWeight;
      if (typeof w === 'number' && Number.isFinite(w) && w >= 0 && w <= 100) weight = w;
    }
    return weight;
  }

  async record(progress: RecordedProgress, signal?: AbortSignal) {
    await recordOn(
      await this.api(),
      this.ref,
      ROLLOUTS,
      progress,
      this.name,
      signal ?? this.deps.signal,
    );
  }
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', stop, { once: true });
  });
}
