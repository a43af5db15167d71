import type { Clock, Logger, Sleep, StateStore, TrafficRouter } from '../ports.js';
import { runAnalysis, type AnalysisResult, type ProviderFactory } from './analysis.js';
import type {
  AnalysisSpec,
  Measurement,
  RolloutOutcome,
  RolloutProgress,
  RolloutSpec,
  TimelineEntry,
} from './model.js';
import { formatDuration } from './yaml-reader.js';
import { allOn, describeState, describeWeights, verify } from './safety.js';
import { InfraError } from '../errors.js';
import type { RolloutResult } from './run.js';

/** What a rollout runs on: the ports, and the signal SIGTERM/SIGINT abort. */
export interface RolloutEnv {
  router: TrafficRouter;
  providers: ProviderFactory;
  clock: Clock;
  sleep: Sleep;
  logger: Logger;
  state?: StateStore;
  signal: AbortSignal;
  /** How often a wait for `sluice rollout promote|abort` reads the state store; default 5 s. */
  pollMs?: number;
}

const STATE_KEY = 'rollout';

/** Why a rollout stops short of promotion: analysis (exit 1), its errors (exit 3), a person or a signal. */
export class Halt extends Error {
  constructor(
    readonly kind: 'failed' | 'inconclusive' | 'error' | 'aborted' | 'cancelled',
    message: string,
  ) {
    super(message);
  }
}

export async function readProgress(
  state: StateStore | undefined,
): Promise<RolloutProgress | undefined> {
  const text = await state?.get(STATE_KEY);
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as RolloutProgress;
    return typeof value === 'object' && value !== null && typeof value.canary === 'string'
      ? value
      : undefined;
  } catch {
    return undefined;
  }
}

/** Records what happens: the timeline, the progress in the state store, live lines in the log. */
export class Recorder {
  readonly timeline: TimelineEntry[] = [];
  readonly analyses: { label: string; result: AnalysisResult }[] = [];
  readonly notes: string[] = [];
  weight = 0;
  /** The version the router mirrors to, as last set and read back (shadow). */
  mirror: string | undefined;
  private progress: RolloutProgress;

  constructor(
    private readonly spec: RolloutSpec,
    private readonly env: RolloutEnv,
    id: string,
  ) {
    this.progress = {
      id,
      strategy: spec.strategy,
      stable: spec.stable.name,
      canary: spec.canary.name,
      router: spec.router,
      ...(spec.deploy ? { deploy: spec.deploy } : {}),
      step: 0,
      weights: allOn(spec.stable.name),
      status: 'running',
      updatedAt: env.clock.now().toISOString(),
    };
  }

  get id(): string {
    return this.progress.id;
  }

  event(step: string, event: string, measurement?: Measurement): void {
    this.timeline.push({
      at: this.env.clock.now().toISOString(),
      step,
      weight: this.weight,
      ...(this.mirror !== undefined ? { mirror: this.mirror } : {}),
      event,
      ...(measurement ? { measurement } : {}),
    });
    this.env.logger.info(`rollout ${this.spec.canary.name} [${step}] ${this.weight} %: ${event}`);
  }

  note(text: string): void {
    this.notes.push(text);
    this.env.logger.warn(text);
  }

  async save(patch: Partial<RolloutProgress>): Promise<void> {
    this.progress = { ...this.progress, ...patch, updatedAt: this.env.clock.now().toISOString() };
    await this.env.state?.set(STATE_KEY, JSON.stringify(this.progress));
    const { router } = this.env;
    if (router.record) {
      const { id, stable, canary, step, status, updatedAt } = this.progress;
      // After SIGTERM the rollout's signal is aborted: the record still gets a bounded call.
      const signal = this.env.signal.aborted ? AbortSignal.timeout(30_000) : this.env.signal;
      try {
        await router.record({ id, stable, canary, step, status, updatedAt }, signal);
      } catch (error) {
        // Never the reason traffic moves: a re-run without the record goes by the weights.
        this.env.logger.warn(
          `could not record the rollout's progress on the ${router.name} router (a re-run elsewhere goes by its weights alone): ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }

  /** Sets the canary's weight, reads the router back, records it. */
  async setWeight(step: string, index: number, weight: number): Promise<void> {
    const { stable, canary } = this.spec;
    const weights =
      weight >= 100
        ? allOn(canary.name)
        : weight <= 0
          ? allOn(stable.name)
          : { [stable.name]: 100 - weight, [canary.name]: weight };
    // Recorded before the change: a job killed mid-call leaves a state the post: step undoes.
    await this.save({ step: index, weights, status: 'running' });
    if (weight >= 100) await this.env.router.setRoute(canary.name, this.env.signal);
    else if (weight <= 0) await this.env.router.setRoute(stable.name, this.env.signal);
    else await this.env.router.setWeights(weights, this.env.signal);
    await verify(this.env.router, weights, this.env.signal);
    this.weight = weight;
    this.event(step, `traffic set to ${describeWeights(weights)} (read back)`);
  }

  /**
   * Mirrors every request to `version` (undefined: mirroring off), then reads the router back:
   * the mirror as set, and all user traffic still on stable. Records it.
   */
  async setMirror(step: string, version: string | undefined): Promise<void> {
    const { router, signal } = this.env;
    const { stable } = this.spec;
    if (!router.setMirror) {
      throw new InfraError(`the ${router.name} router cannot mirror requests`, {
        hint: 'use a router that can mirror (builtin, or nginx with mirrorFile) for strategy: shadow',
      });
    }
    // Recorded before the change: a job killed mid-call leaves a state the post: step undoes.
    if (version !== undefined) await this.save({ mirror: version });
    await router.setMirror(version, signal);
    const state = await verify(router, allOn(stable.name), signal, version ?? false);
    this.mirror = version;
    if (version === undefined) await this.save({ mirror: undefined });
    this.event(
      step,
      version === undefined
        ? `mirroring off (read back: ${describeState(state)})`
        : `mirroring a copy of every request to ${version}, its answers dropped; users get ${stable.name}'s (read back: ${describeState(state)})`,
    );
  }

  /** Runs an analysis, its measurements on the timeline; Halt unless it is Successful (or the person promotes). */
  async analyse(
    step: string,
    label: string,
    spec: AnalysisSpec,
    signal: AbortSignal,
    end?: AbortSignal,
    endUnlimitedOnly = false,
    probeHeaders?: Record<string, string>,
  ): Promise<AnalysisResult> {
    this.event(step, `${label} started (${spec.metrics.map((m) => m.name).join(', ')})`);
    const providers = this.env.providers;
    const result = await runAnalysis(spec, {
      // A preview's header route: the probe's and the replay's requests to the canary carry
      // the header (only the canary's: where stable's endpoint is the router too, stable's
      // requests must still reach stable).
      providers: probeHeaders
        ? (c) =>
            providers(
              c.type === 'http-probe' || c.type === 'replay'
                ? {
                    ...c,
                    versionHeaders: {
                      ...c.versionHeaders,
                      [this.spec.canary.name]: {
                        ...c.versionHeaders?.[this.spec.canary.name],
                        ...probeHeaders,
                      },
                    },
                  }
                : c,
            )
        : providers,
      clock: this.env.clock,
      sleep: this.env.sleep,
      stable: this.spec.stable,
      canary: this.spec.canary,
      signal,
      ...(end ? { end, endUnlimitedOnly } : {}),
      onMeasurement: (m) => this.event(step, `${m.metric}: ${m.phase} (${m.reason})`, m),
    });
    this.analyses.push({ label, result });
    this.event(step, `${label}: ${result.phase} (${result.reason})`);
    return result;
  }

  /** What an analysis's phase means for the rollout: go on, or Halt. */
  async decide(step: string, label: string, result: AnalysisResult): Promise<void> {
    switch (result.phase) {
      case 'Successful':
        return;
      case 'Failed':
        throw new Halt('failed', `${label} failed: ${result.reason}`);
      case 'Error':
        throw new Halt('error', `${label} could not measure: ${result.reason}`);
      case 'Inconclusive':
        if (this.spec.onInconclusive === 'rollback')
          throw new Halt('inconclusive', `${label} was inconclusive: ${result.reason}`);
        this.event(
          step,
          `${label} inconclusive: waiting up to ${formatDuration(this.spec.waitTimeoutMs)} for \`sluice rollout promote\` or \`sluice rollout abort\``,
        );
        if ((await this.waitForDecision(this.spec.waitTimeoutMs, this.env.signal)) !== 'promote') {
          throw new Halt(
            'inconclusive',
            `${label} was inconclusive and nobody promoted within ${formatDuration(this.spec.waitTimeoutMs)}: ${result.reason}`,
          );
        }
        this.event(step, 'promoted by a person: going on');
    }
  }

  /**
   * Waits for a person (`sluice rollout promote|abort` writing the state store), at most
   * `timeoutMs` (undefined: no limit). 'timeout' when the time ran out; Halt on abort.
   */
  async waitForDecision(
    timeoutMs: number | undefined,
    signal: AbortSignal,
  ): Promise<'promote' | 'timeout'> {
    await this.save({ status: 'paused' });
    const poll = this.env.pollMs ?? 5000;
    const start = this.env.clock.now().getTime();
    for (;;) {
      const current = await readProgress(this.env.state);
      if (current?.id === this.id && current.status === 'promote-requested') {
        await this.save({ status: 'running' });
        return 'promote';
      }
      if (
        current?.id === this.id &&
        (current.status === 'aborted' || current.status === 'rolled-back')
      ) {
        throw new Halt('aborted', 'aborted by `sluice rollout abort`');
      }
      const left =
        timeoutMs === undefined ? poll : timeoutMs - (this.env.clock.now().getTime() - start);
      if (left <= 0) {
        await this.save({ status: 'running' });
        return 'timeout';
      }
      await this.env.sleep.sleep(Math.min(poll, left), signal);
    }
  }
}

/**
 * The recorder of one rollout (canary, blue-green, shadow, or one a controller drives) and how
 * its result is made from what it recorded, so that every way a rollout ends reports the same.
 */
export function recordRollout(
  spec: RolloutSpec,
  env: RolloutEnv,
): {
  rec: Recorder;
  done: (outcome: RolloutOutcome, reason: string, extra?: Partial<RolloutResult>) => RolloutResult;
} {
  const rec = new Recorder(
    spec,
    env,
    `${spec.stable.name}→${spec.canary.name}@${env.clock.now().toISOString()}`,
  );
  const done = (
    outcome: RolloutOutcome,
    reason: string,
    extra: Partial<RolloutResult> = {},
  ): RolloutResult => ({
    outcome,
    reason,
    spec,
    timeline: rec.timeline,
    analyses: rec.analyses,
    notes: rec.notes,
    ...extra,
  });
  return { rec, done };
}
