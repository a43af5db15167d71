import { InfraError, SluiceError, UsageError } from '../errors.js';
import type { ControllerStatus, RolloutController } from '../ports.js';
import type { AnalysisResult } from './analysis.js';
import { Halt, recordRollout, type Recorder, type RolloutEnv } from './engine.js';
import type { AnalysisSpec, RolloutOutcome, RolloutSpec } from './model.js';
import type { RolloutResult } from './run.js';
import { allOn, messageOf } from './safety.js';
import { formatDuration } from './yaml-reader.js';

/**
 * A rollout whose steps a controller of the cluster drives (Argo Rollouts): sluice sets the
 * canary's image, waits (with the router's deadline) for the controller to pause or finish, runs
 * its own analysis at each pause (the spec's analysis steps in order, the last again for later
 * pauses; blue-green: the preview analysis), then promotes the pause or aborts. A canary's
 * background analysis (`analysis:`) runs from the image change until the controller reports
 * Healthy, and its failure aborts whatever is under way. A blue-green's post-promotion analysis
 * runs once the controller reports the new version Healthy (switched), for at most
 * `scaleDownDelay`; its failure puts the previous image back (as `kubectl argo rollouts undo`:
 * Argo's abort does nothing to a rollout already Healthy), promotes the pause that brings, and
 * waits for Healthy on the old image. Exit codes as the rollout command's: promoted (Healthy) 0;
 * rolled back (sluice's analysis failed, or the controller reports Degraded) 1; a deadline or the
 * API server 3, after asking for an abort (or the undo).
 */
export async function runControlledRollout(
  spec: RolloutSpec,
  env: RolloutEnv,
  controller: RolloutController,
): Promise<RolloutResult> {
  const { rec, done } = recordRollout(spec, env);
  const analyses: AnalysisSpec[] =
    spec.strategy === 'blue-green'
      ? spec.previewAnalysis
        ? [spec.previewAnalysis]
        : []
      : spec.steps.flatMap((step) => ('analysis' in step ? [step.analysis] : []));
  const background = spec.strategy === 'canary' ? spec.backgroundAnalysis : undefined;
  const post = spec.strategy === 'blue-green' ? spec.postPromotionAnalysis : undefined;
  if (analyses.length === 0 && !background && !post)
    return done('aborted', 'no analysis to run at the controller’s pauses', {
      error: new UsageError(`${spec.file}: nothing for sluice to judge at Argo’s pauses`, {
        hint: 'give analysis steps or analysis: (canary), previewAnalysis or postPromotionAnalysis (blue-green)',
      }),
    });
  // Without analyses for the pauses, sluice leaves them to the controller (a timed pause
  // resumes itself) and to people (`kubectl argo rollouts promote`), as Argo does.
  const waitPhases = analyses.length
    ? (['Paused', 'Healthy', 'Degraded'] as const)
    : (['Healthy', 'Degraded'] as const);
  const describe = (s: ControllerStatus) =>
    `${s.phase}${s.aborted ? ' (aborted)' : ''}${s.message ? `: ${s.message}` : ''}`;

  let pauses = 0;
  let before: ControllerStatus;
  let image: string;
  // A failing background analysis stops whatever is under way (a wait, a pause's analysis).
  const stopMain = new AbortController();
  const signal = AbortSignal.any([env.signal, stopMain.signal]);
  const endBackground = new AbortController();
  let backgroundRun: Promise<AnalysisResult> | undefined;
  let backgroundResult: AnalysisResult | undefined;
  const checkBackground = async () => {
    if (backgroundResult && backgroundResult.phase !== 'Successful')
      await rec.decide('background', 'background analysis', backgroundResult);
  };
  try {
    before = await controller.status(env.signal);
    image = await controller.setImage(spec.canary.name, env.signal);
  } catch (error) {
    // Nothing was changed: no abort to ask for.
    const e =
      error instanceof SluiceError
        ? error
        : new InfraError(`${controller.name}: ${messageOf(error)}`, { cause: error });
    return done('aborted', `the canary's image could not be set: ${e.message}`, { error: e });
  }
  try {
    // A re-run: an earlier rollout of this image left unfinished goes as onResume says.
    if (before.image === image && (before.phase !== 'Healthy' || before.aborted)) {
      if (spec.onResume === 'rollback' || before.aborted) {
        rec.note(
          `a rollout of ${image} was left unfinished (${controller.name} is ${describe(before)}): ${before.aborted ? 'it was aborted; ' : ''}starting it again from its first step (onResume: ${spec.onResume})`,
        );
        if (!before.aborted) {
          await controller.abort(signal);
          await controller.waitFor(['Degraded'], signal);
        }
        await controller.retry(signal);
        // Past the Degraded the abort left, before a pause or the end is taken as an answer.
        await controller.waitFor(['Progressing', 'Paused', 'Healthy'], signal);
        rec.event('reconcile', `${controller.name}: aborted and retried from its first step`);
      } else {
        rec.note(
          `a rollout of ${image} was left unfinished (${controller.name} is ${describe(before)}): finishing it from where the controller is (onResume: finish)`,
        );
      }
    }
    await rec.save({ status: 'running', step: 0 });
    rec.event(
      'start',
      `${spec.strategy} of ${spec.canary.name} against ${spec.stable.name} through ${controller.name}: image ${image} set; the controller drives the steps`,
    );
    if (background)
      backgroundRun = rec
        .analyse('background', 'background analysis', background, signal, endBackground.signal)
        .then((result) => {
          backgroundResult = result;
          if (result.phase !== 'Successful')
            stopMain.abort(new Halt('failed', 'background analysis ended'));
          return result;
        });
    for (;;) {
      let status: ControllerStatus;
      try {
        status = await controller.waitFor(waitPhases, signal);
        if (status.phase === 'Healthy') {
          endBackground.abort();
          if (backgroundRun)
            await rec.decide('background', 'background analysis', await backgroundRun);
        }
      } catch (error) {
        if (stopMain.signal.aborted && !env.signal.aborted) {
          await backgroundRun;
          await checkBackground();
        }
        throw error;
      }
      if (status.phase === 'Healthy') {
        rec.weight = 100;
        if (post) {
          const after = await postPromotion(
            spec,
            env,
            rec,
            controller,
            post,
            before,
            image,
            status,
          );
          if (after) return done(after.outcome, after.reason, after.extra);
        }
        await rec.save({ status: 'promoted', weights: allOn(spec.canary.name) });
        rec.event(
          'done',
          `${spec.canary.name} promoted: ${controller.name} is ${describe(status)}`,
        );
        return done('promoted', `${spec.canary.name} promoted`, {
          finalState: { weights: allOn(spec.canary.name) },
        });
      }
      if (status.phase === 'Degraded') {
        await rec.save({ status: 'rolled-back', weights: allOn(spec.stable.name) });
        rec.event('rollback', `${controller.name} is ${describe(status)}`);
        return done('rolled-back', `the controller rolled back: ${describe(status)}`, {
          finalState: { weights: allOn(spec.stable.name) },
        });
      }
      const label = spec.strategy === 'blue-green' ? 'preview' : `pause ${pauses + 1}`;
      const analysis = analyses[Math.min(pauses, analyses.length - 1)]!;
      await rec.save({ status: 'running', step: pauses });
      rec.event(label, `${controller.name} is ${describe(status)}: judging ${spec.canary.name}`);
      try {
        const result = await rec.analyse(label, `analysis at ${label}`, analysis, signal);
        await rec.decide(label, `analysis at ${label}`, result);
        await controller.promote(signal);
      } catch (error) {
        if (stopMain.signal.aborted && !env.signal.aborted) {
          await backgroundRun;
          await checkBackground();
        }
        throw error;
      }
      rec.event(label, `${spec.canary.name} passed: the pause is promoted`);
      pauses++;
    }
  } catch (error) {
    const cancelled = env.signal.aborted;
    const halt = error instanceof Halt ? error : undefined;
    const reason =
      cancelled && !halt
        ? `cancelled (${messageOf(env.signal.reason)})`
        : halt
          ? halt.message
          : messageOf(error);
    rec.event('rollback', `${reason}: asking ${controller.name} to abort`);
    // The rollout's own signal may be aborted (SIGTERM): the abort gets a bounded one of its own.
    const signal = AbortSignal.timeout(60_000);
    let after: ControllerStatus;
    try {
      await controller.abort(signal);
      after = await controller.waitFor(['Degraded', 'Healthy'], signal);
    } catch (abortError) {
      await rec.save({ status: 'running' }).catch(() => undefined);
      const e =
        abortError instanceof SluiceError
          ? abortError
          : new InfraError(`${controller.name}: the abort failed: ${messageOf(abortError)}`);
      return done('aborted', reason, {
        error: new InfraError(`${reason}; and the abort did not finish: ${e.message}`, {
          hint: 'check the Rollout (kubectl argo rollouts get rollout) and abort it by hand',
          cause: e,
        }),
      });
    }
    const outcome: RolloutOutcome =
      halt?.kind === 'failed' || halt?.kind === 'inconclusive' ? 'rolled-back' : 'aborted';
    await rec
      .save({
        status: outcome === 'rolled-back' ? 'rolled-back' : 'aborted',
        weights: allOn(spec.stable.name),
      })
      .catch(() => undefined);
    rec.event('rollback', `${controller.name} is ${describe(after)}`);
    const tail = `; ${controller.name} aborted: ${describe(after)}`;
    let finalError: SluiceError | undefined;
    if (halt?.kind === 'error')
      finalError = new InfraError(`${reason}${tail}`, {
        hint: 'check that the metrics provider answers; see the measurements in the report',
      });
    else if (!halt && !cancelled)
      finalError =
        error instanceof UsageError
          ? new UsageError(`${error.message}${tail}`, {
              ...(error.place ? { place: error.place } : {}),
              ...(error.hint ? { hint: error.hint } : {}),
            })
          : new InfraError(`${reason}${tail}`, {
              ...(error instanceof SluiceError && error.hint ? { hint: error.hint } : {}),
              cause: error,
            });
    return done(outcome, reason, {
      finalState: { weights: allOn(spec.stable.name) },
      ...(finalError ? { error: finalError } : {}),
    });
  } finally {
    endBackground.abort();
    // The background analysis never outlives the rollout.
    await backgroundRun?.catch(() => undefined);
  }
}

type Ending = {
  outcome: RolloutOutcome;
  reason: string;
  extra: Partial<RolloutResult>;
};

/**
 * Blue-green's post-promotion analysis, the new version switched in and Healthy: undefined when
 * it passed (promoted); otherwise the previous image goes back on the Rollout (`kubectl argo
 * rollouts undo`), the pause that brings (autoPromotionEnabled: false) is promoted (stable needs
 * no preview), and sluice waits for Healthy on it: rolled back (exit 1), or exit 3 if that fails.
 */
async function postPromotion(
  spec: RolloutSpec,
  env: RolloutEnv,
  rec: Recorder,
  controller: RolloutController,
  post: AnalysisSpec,
  before: ControllerStatus,
  image: string,
  status: ControllerStatus,
): Promise<Ending | undefined> {
  const describe = (s: ControllerStatus) =>
    `${s.phase}${s.aborted ? ' (aborted)' : ''}${s.message ? `: ${s.message}` : ''}`;
  await rec.save({ status: 'running', step: 1, weights: allOn(spec.canary.name) });
  rec.event(
    'post-promotion',
    `${spec.canary.name} is live (${controller.name} is ${describe(status)}): post-promotion analysis for at most ${formatDuration(spec.scaleDownDelayMs)} (scaleDownDelay)`,
  );
  // Metrics that run until ended stop when the delay is over.
  const delayDone = new AbortController();
  const timer = env.sleep
    .sleep(spec.scaleDownDelayMs, AbortSignal.any([env.signal, delayDone.signal]))
    .then(
      () => delayDone.abort(),
      () => undefined,
    );
  let failure: unknown;
  try {
    const result = await rec.analyse(
      'post-promotion',
      'post-promotion analysis',
      post,
      env.signal,
      delayDone.signal,
    );
    await rec.decide('post-promotion', 'post-promotion analysis', result);
    return undefined;
  } catch (error) {
    failure = error;
  } finally {
    delayDone.abort();
    await timer;
  }
  const halt = failure instanceof Halt ? failure : undefined;
  const cancelled = env.signal.aborted && !halt;
  const reason = cancelled
    ? `cancelled (${messageOf(env.signal.reason)})`
    : halt
      ? halt.message
      : messageOf(failure);
  // The image the Rollout ran before sluice's change; on a re-run (already this image), the
  // stable version's by the router's pattern.
  const previous = before.image !== undefined && before.image !== image ? before.image : undefined;
  rec.event(
    'rollback',
    `${reason}: putting ${previous ?? `${spec.stable.name}'s image`} back on ${controller.name} (as kubectl argo rollouts undo)`,
  );
  const signal = AbortSignal.timeout(10 * 60_000);
  let after: ControllerStatus;
  let back: string;
  try {
    back = previous ?? (await controller.setImage(spec.stable.name, signal));
    if (previous) await controller.restoreImage(previous, signal);
    after = await controller.waitFor(['Paused', 'Healthy', 'Degraded'], signal);
    if (after.phase === 'Paused') {
      // autoPromotionEnabled: false pauses the way back too: stable needs no preview.
      rec.event('rollback', `${controller.name} is ${describe(after)}: promoting the way back`);
      await controller.promote(signal);
      after = await controller.waitFor(['Healthy', 'Degraded'], signal);
    }
    if (after.phase !== 'Healthy' || after.image !== back)
      throw new InfraError(
        `${controller.name} is ${describe(after)}${after.image ? ` on ${after.image}` : ''}, not Healthy on ${back}`,
      );
  } catch (error) {
    await rec.save({ status: 'running' }).catch(() => undefined);
    const e =
      error instanceof SluiceError
        ? error
        : new InfraError(`${controller.name}: ${messageOf(error)}`, { cause: error });
    return {
      outcome: 'aborted',
      reason,
      extra: {
        error: new InfraError(
          `${reason}; and putting the previous image back did not finish: ${e.message}`,
          {
            hint: 'check the Rollout (kubectl argo rollouts get rollout) and undo it by hand (kubectl argo rollouts undo)',
            cause: e,
          },
        ),
      },
    };
  }
  const outcome: RolloutOutcome =
    halt?.kind === 'failed' || halt?.kind === 'inconclusive' ? 'rolled-back' : 'aborted';
  await rec.save({ status: outcome, weights: allOn(spec.stable.name) }).catch(() => undefined);
  rec.weight = 0;
  rec.event('rollback', `${controller.name} is ${describe(after)} on ${back}`);
  const tail = `; ${controller.name} is back on ${back}: ${describe(after)}`;
  const error =
    halt?.kind === 'error'
      ? new InfraError(`${reason}${tail}`, {
          hint: 'check that the metrics provider answers; see the measurements in the report',
        })
      : !halt && !cancelled
        ? new InfraError(`${reason}${tail}`, { cause: failure })
        : undefined;
  return {
    outcome,
    reason,
    extra: { finalState: { weights: allOn(spec.stable.name) }, ...(error ? { error } : {}) },
  };
}
