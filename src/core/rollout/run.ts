import { InfraError, SluiceError, UsageError } from '../errors.js';
import type { TrafficState } from '../ports.js';
import { runBlueGreen } from './blue-green.js';
import { runCanary } from './canary.js';
import { runControlledRollout } from './controlled.js';
import { runShadow } from './shadow.js';
import { Halt, readProgress, recordRollout, type Recorder, type RolloutEnv } from './engine.js';
import type { RolloutOutcome, RolloutProgress, RolloutSpec, TimelineEntry } from './model.js';
import type { AnalysisResult } from './analysis.js';
import { allOn, describeState, messageOf, restoreStable, sameWeights } from './safety.js';

export interface RolloutResult {
  outcome: RolloutOutcome;
  reason: string;
  spec: RolloutSpec;
  timeline: TimelineEntry[];
  analyses: { label: string; result: AnalysisResult }[];
  notes: string[];
  /** The router as read back at the end. */
  finalState?: TrafficState;
  /** Reported after the report is written: exit 3 (infrastructure) or 2 (a spec problem found late). */
  error?: SluiceError;
}

const UNFINISHED: readonly RolloutProgress['status'][] = ['running', 'paused', 'promote-requested'];

/**
 * Runs the whole rollout. Whatever ends it short of promotion (a failed analysis, an error, the
 * router failing, SIGTERM/SIGINT aborting `env.signal`), all traffic is put back on stable and
 * read back; if even that fails, the result carries an InfraError saying what the router does.
 */
export async function runRollout(spec: RolloutSpec, env: RolloutEnv): Promise<RolloutResult> {
  // A controller of the cluster drives the steps (Argo Rollouts): sluice judges at its pauses.
  if (env.router.controller) return runControlledRollout(spec, env, env.router.controller);
  const { rec, done } = recordRollout(spec, env);

  // Reconcile with what the router actually does (a job killed half-way left it so).
  let actual: TrafficState;
  try {
    actual = await env.router.readBack(env.signal);
  } catch (error) {
    // A configuration mistake found before anything started (a missing kubeconfig, a router that
    // refuses the request as malformed): the error alone, exit 2, with no empty report beside it.
    if (error instanceof UsageError) throw error;
    const e =
      error instanceof SluiceError
        ? error
        : new InfraError(`could not read the ${env.router.name} router: ${messageOf(error)}`);
    return done('aborted', `the router could not be read before starting: ${e.message}`, {
      error: e,
    });
  }
  // What this machine's state store holds, or what the router records (the Kubernetes routers'
  // annotation): the later of them, so that a re-run elsewhere knows where a killed run stopped.
  const saved = latest(await readProgress(env.state), actual.recorded);
  const canaryWeight = actual.weights[spec.canary.name] ?? 0;
  if (
    saved?.status === 'promoted' &&
    saved.canary === spec.canary.name &&
    sameWeights(actual.weights, allOn(spec.canary.name))
  ) {
    rec.weight = 100;
    rec.event(
      'start',
      `${spec.canary.name} was already promoted (the router reads back ${describeState(actual)}): nothing to do`,
    );
    return done('promoted', 'already promoted', { finalState: actual });
  }
  let startIndex = 0;
  let resumeAfterSwitch = false;
  /** Shadow: the canary step a re-run finishes from, past the shadow phase. */
  let shadowResume: number | undefined;
  const shadow = spec.strategy === 'shadow';
  const restoreOptions = { mirrorOff: shadow };
  const leftOver =
    !sameWeights(actual.weights, allOn(spec.stable.name)) ||
    (shadow && actual.mirror !== undefined) ||
    (saved !== undefined && UNFINISHED.includes(saved.status));
  if (leftOver) {
    const where = `the ${env.router.name} router reads back ${describeState(actual)}${saved && UNFINISHED.includes(saved.status) ? ` and the last run stopped at step ${saved.step + 1} (${saved.status})` : ''}`;
    const otherVersions = Object.entries(actual.weights).some(
      ([v, w]) => w > 0 && v !== spec.stable.name && v !== spec.canary.name,
    );
    // A shadow rollout is finished only past its shadow phase (traffic already on the canary).
    const finishable = !shadow || (spec.shadow?.promote === true && canaryWeight > 0);
    if (spec.onResume === 'finish' && !otherVersions && canaryWeight > 0 && finishable) {
      rec.weight = canaryWeight;
      if (shadow) {
        shadowResume =
          saved?.canary === spec.canary.name && saved.status !== 'promoted'
            ? Math.min(saved.step, spec.steps.length)
            : resumeIndex(spec, canaryWeight);
        startIndex = shadowResume;
      } else if (spec.strategy === 'blue-green') {
        resumeAfterSwitch = canaryWeight >= 100;
      } else {
        startIndex =
          saved?.canary === spec.canary.name && saved.status !== 'promoted'
            ? Math.min(saved.step, spec.steps.length)
            : resumeIndex(spec, canaryWeight);
      }
      rec.note(
        `a rollout was left unfinished (${where}): finishing it from ${spec.strategy === 'blue-green' ? (resumeAfterSwitch ? 'the post-promotion analysis' : 'the preview') : `step ${startIndex + 1}`} (onResume: finish)`,
      );
    } else {
      rec.note(
        `a rollout was left unfinished (${where}): rolling it back before starting again (onResume: ${spec.onResume})`,
      );
      try {
        actual = await restoreStable(env.router, spec.stable.name, env, restoreOptions);
      } catch (error) {
        return done('aborted', 'the unfinished rollout could not be rolled back', {
          error: error as SluiceError,
        });
      }
      rec.weight = 0;
      rec.event(
        'reconcile',
        `traffic back on ${spec.stable.name} (read back: ${describeState(actual)})`,
      );
    }
  }

  try {
    await rec.save({ status: 'running', step: startIndex });
    rec.event(
      'start',
      `${spec.strategy} of ${spec.canary.name} against ${spec.stable.name} through the ${env.router.name} router`,
    );
    if (spec.strategy === 'shadow') {
      if (shadowResume !== undefined) await restoreMirrorOff(env, rec);
      if ((await runShadow(spec, env, rec, shadowResume)) === 'passed') {
        env.signal.throwIfAborted();
        await rec.save({ status: 'passed', weights: allOn(spec.stable.name) });
        const state = await env.router.readBack(env.signal);
        rec.event('done', `${spec.canary.name} passed the shadow analysis`);
        return done(
          'passed',
          `${spec.canary.name} passed the shadow analysis (not promoted: promote is false)`,
          { finalState: state },
        );
      }
    } else if (spec.strategy === 'canary') await runCanary(spec, env, rec, startIndex);
    else await runBlueGreen(spec, env, rec, resumeAfterSwitch);
    env.signal.throwIfAborted();
    await rec.save({ status: 'promoted', weights: allOn(spec.canary.name) });
    rec.event('done', `${spec.canary.name} promoted`);
    return done('promoted', `${spec.canary.name} promoted`, {
      finalState: { weights: allOn(spec.canary.name) },
    });
  } catch (error) {
    const cancelled = env.signal.aborted;
    const halt = error instanceof Halt ? error : undefined;
    const reason =
      cancelled && !halt
        ? `cancelled (${messageOf(env.signal.reason)})`
        : halt
          ? halt.message
          : messageOf(error);
    rec.event('rollback', `${reason}: putting all traffic back on ${spec.stable.name}`);
    let state: TrafficState;
    try {
      state = await restoreStable(env.router, spec.stable.name, env, restoreOptions);
    } catch (restoreError) {
      await rec.save({ status: 'running' }).catch(() => undefined);
      return done('aborted', reason, { error: restoreError as SluiceError });
    }
    rec.weight = 0;
    if (shadow) rec.mirror = undefined;
    rec.event(
      'rollback',
      `traffic back on ${spec.stable.name} (read back: ${describeState(state)})`,
    );
    const outcome: RolloutOutcome =
      halt?.kind === 'failed' || halt?.kind === 'inconclusive' ? 'rolled-back' : 'aborted';
    await rec
      .save({
        status: outcome === 'rolled-back' ? 'rolled-back' : 'aborted',
        weights: allOn(spec.stable.name),
      })
      .catch(() => undefined);
    const after = `; all traffic is back on ${spec.stable.name} (read back: ${describeState(state)})`;
    let finalError: SluiceError | undefined;
    if (halt?.kind === 'error')
      finalError = new InfraError(`${reason}${after}`, {
        hint: 'check that the metrics provider answers; see the measurements in the report',
      });
    else if (!halt && !cancelled) {
      finalError =
        error instanceof UsageError
          ? new UsageError(`${error.message}${after}`, {
              ...(error.place ? { place: error.place } : {}),
              ...(error.hint ? { hint: error.hint } : {}),
            })
          : error instanceof SluiceError
            ? new InfraError(`${error.message}${after}`, {
                ...(error.hint ? { hint: error.hint } : {}),
                cause: error,
              })
            : new InfraError(`${reason}${after}`, { cause: error });
    }
    return done(outcome, reason, {
      finalState: state,
      ...(finalError ? { error: finalError } : {}),
    });
  }
}

type Saved = Pick<RolloutProgress, 'canary' | 'step' | 'status' | 'updatedAt'>;

function latest(stored: Saved | undefined, recorded: Saved | undefined): Saved | undefined {
  if (!stored || !recorded) return stored ?? recorded;
  return Date.parse(recorded.updatedAt) > Date.parse(stored.updatedAt) ? recorded : stored;
}

/** A shadow rollout found past its shadow phase: a mirror left on goes off, read back. */
async function restoreMirrorOff(env: RolloutEnv, rec: Recorder): Promise<void> {
  const state = await env.router.readBack(env.signal);
  if (state.mirror === undefined || !env.router.setMirror) return;
  await env.router.setMirror(undefined, env.signal);
  const after = await env.router.readBack(env.signal);
  if (after.mirror !== undefined)
    throw new InfraError(
      `the ${env.router.name} router reads back ${describeState(after)} after sluice switched mirroring off`,
    );
  rec.event('reconcile', `mirroring off (read back: ${describeState(after)})`);
}

/** The first step after the last setWeight not above `weight`: where a rollout found at `weight` goes on. */
function resumeIndex(spec: RolloutSpec, weight: number): number {
  let index = 0;
  spec.steps.forEach((step, i) => {
    if ('setWeight' in step && step.setWeight <= weight) index = i + 1;
  });
  return index;
}

export interface ControlResult {
  outcome: 'aborted' | 'promoted' | 'promote-requested' | 'nothing' | 'status';
  message: string;
  state?: TrafficState;
  progress?: RolloutProgress;
}

/**
 * `sluice rollout abort` (also the action's post: step and GitLab's after_script): a rollout left
 * unfinished gets all traffic back on stable, read back. A promoted one is left alone.
 */
export async function abortRollout(
  env: RolloutEnv,
  fallback: { stable?: string; canary?: string; strategy?: RolloutSpec['strategy'] } = {},
): Promise<ControlResult> {
  const progress = await readProgress(env.state);
  const stable = progress?.stable ?? fallback.stable;
  if (progress?.status === 'promoted')
    return {
      outcome: 'nothing',
      message: `${progress.canary} was promoted: nothing to abort`,
      progress,
    };
  if (progress && !UNFINISHED.includes(progress.status))
    return {
      outcome: 'nothing',
      message: `the last rollout (${progress.canary}) ended ${progress.status}: nothing to abort`,
      progress,
    };
  if (!stable)
    return { outcome: 'nothing', message: 'no rollout was started here: nothing to abort' };
  // A shadow rollout's mirror goes off too.
  const mirrorOff =
    (progress?.strategy ?? fallback.strategy) === 'shadow' || progress?.mirror !== undefined;
  const state = await restoreStable(env.router, stable, env, { mirrorOff });
  // The record on the router (Kubernetes annotation) says so too, for a re-run elsewhere.
  const recorded = state.recorded;
  if (env.router.record && recorded && UNFINISHED.includes(recorded.status))
    await env.router.record(
      { ...recorded, status: 'aborted', updatedAt: env.clock.now().toISOString() },
      env.signal.aborted ? AbortSignal.timeout(30_000) : env.signal,
    );
  if (progress)
    await env.state?.set(
      'rollout',
      JSON.stringify({
        ...progress,
        status: 'aborted',
        weights: allOn(stable),
        mirror: undefined,
        updatedAt: env.clock.now().toISOString(),
      }),
    );
  return {
    outcome: 'aborted',
    message: `all traffic is on ${stable} (read back: ${describeState(state)})`,
    state,
    ...(progress ? { progress } : {}),
  };
}

/**
 * `sluice rollout promote`: a rollout waiting for a person goes on; otherwise all traffic goes to
 * the canary now, read back.
 */
export async function promoteRollout(
  env: RolloutEnv,
  fallback: { canary?: string } = {},
): Promise<ControlResult> {
  const progress = await readProgress(env.state);
  if (progress?.status === 'paused') {
    await env.state?.set(
      'rollout',
      JSON.stringify({
        ...progress,
        status: 'promote-requested',
        updatedAt: env.clock.now().toISOString(),
      }),
    );
    return {
      outcome: 'promote-requested',
      message: `the rollout of ${progress.canary} waiting at step ${progress.step + 1} goes on`,
      progress,
    };
  }
  const canary = progress?.canary ?? fallback.canary;
  if (!canary)
    throw new UsageError('no rollout to promote', {
      hint: 'give --spec (or --canary) to say which version',
    });
  await env.router.setRoute(canary, env.signal);
  // A shadow rollout's mirror (to the canary, now serving everyone) goes off.
  const mirrorOff = progress?.strategy === 'shadow' && env.router.setMirror !== undefined;
  if (mirrorOff) await env.router.setMirror!(undefined, env.signal);
  const state = await env.router.readBack(env.signal);
  if (!sameWeights(state.weights, allOn(canary)) || (mirrorOff && state.mirror !== undefined)) {
    throw new InfraError(
      `the ${env.router.name} router reads back ${describeState(state)} after sluice put all traffic on ${canary}`,
    );
  }
  if (progress)
    await env.state?.set(
      'rollout',
      JSON.stringify({
        ...progress,
        status: 'promoted',
        weights: allOn(canary),
        mirror: undefined,
        updatedAt: env.clock.now().toISOString(),
      }),
    );
  return {
    outcome: 'promoted',
    message: `all traffic is on ${canary} (read back: ${describeState(state)})`,
    state,
    ...(progress ? { progress } : {}),
  };
}

export async function rolloutStatus(env: RolloutEnv): Promise<ControlResult> {
  const progress = await readProgress(env.state);
  const state = await env.router.readBack(env.signal);
  const last = progress
    ? `; last rollout ${progress.stable}→${progress.canary}: ${progress.status} at step ${progress.step + 1}`
    : '';
  return {
    outcome: 'status',
    message: `the ${env.router.name} router sends ${describeState(state)}${last}`,
    state,
    ...(progress ? { progress } : {}),
  };
}
