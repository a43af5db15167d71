import { InfraError, SluiceError, UsageError } from '../errors.js';
import type { ControllerStatus, RolloutController } from '../ports.js';
import { Halt, Recorder, type RolloutEnv } from './engine.js';
import type { AnalysisSpec, RolloutOutcome, RolloutSpec } from './model.js';
import type { RolloutResult } from './run.js';
import { allOn, messageOf } from './safety.js';

/**
 * A rollout whose steps a controller of the cluster drives (Argo Rollouts): sluice sets the
 * canary's image, waits (with the router's deadline) for the controller to pause or finish, runs
 * its own analysis at each pause (the spec's analysis steps in order, the last again for later
 * pauses; blue-green: the preview analysis), then promotes the pause or aborts. Exit codes as the
 * rollout command's: promoted (Healthy) 0; rolled back (sluice's analysis failed, or the
 * controller reports Degraded) 1; a deadline or the API server 3, after asking for an abort.
 */
export async function runControlledRollout(
  spec: RolloutSpec,
  env: RolloutEnv,
  controller: RolloutController,
): Promise<RolloutResult> {
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
  const analyses: AnalysisSpec[] =
    spec.strategy === 'blue-green'
      ? spec.previewAnalysis
        ? [spec.previewAnalysis]
        : []
      : spec.steps.flatMap((step) => ('analysis' in step ? [step.analysis] : []));
  if (analyses.length === 0)
    return done('aborted', 'no analysis to run at the controller’s pauses', {
      error: new UsageError(`${spec.file}: nothing for sluice to judge at Argo’s pauses`, {
        hint: 'give analysis steps (canary) or previewAnalysis (blue-green)',
      }),
    });
  const describe = (s: ControllerStatus) =>
    `${s.phase}${s.aborted ? ' (aborted)' : ''}${s.message ? `: ${s.message}` : ''}`;

  let pauses = 0;
  let before: ControllerStatus;
  let image: string;
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
          await controller.abort(env.signal);
          await controller.waitFor(['Degraded'], env.signal);
        }
        await controller.retry(env.signal);
        // Past the Degraded the abort left, before a pause or the end is taken as an answer.
        await controller.waitFor(['Progressing', 'Paused', 'Healthy'], env.signal);
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
    for (;;) {
      const status = await controller.waitFor(['Paused', 'Healthy', 'Degraded'], env.signal);
      if (status.phase === 'Healthy') {
        rec.weight = 100;
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
      const result = await rec.analyse(label, `analysis at ${label}`, analysis, env.signal);
      await rec.decide(label, `analysis at ${label}`, result);
      await controller.promote(env.signal);
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
  }
}
