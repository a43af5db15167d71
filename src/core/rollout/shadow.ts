import { runCanary } from './canary.js';
import { InfraError } from '../errors.js';
import type { AnalysisResult } from './analysis.js';
import type { Recorder, RolloutEnv } from './engine.js';
import type { RolloutSpec } from './model.js';
import { allOn, verify } from './safety.js';

/**
 * Shadow (Flagger's traffic mirroring): the canary gets a copy of every live request, its answers
 * dropped, while users get stable's; the shadow analysis runs meanwhile (at most `duration`);
 * mirroring goes off (read back), then:
 * - `promote: false` (default): the rollout ends here, 'passed' (exit 0); traffic never moved;
 * - `promote: true`: the canary's `steps` follow (with the background `analysis:`), or all
 *   traffic switches at once without steps (Flagger's blue/green mirroring).
 * A failed analysis throws Halt (from `decide`); run.ts puts traffic on stable with mirroring off.
 * `resumeIndex`: a re-run finishing a rollout found past its shadow phase, at that canary step.
 */
export async function runShadow(
  spec: RolloutSpec,
  env: RolloutEnv,
  rec: Recorder,
  resumeIndex?: number,
): Promise<'passed' | 'promoted'> {
  const shadow = spec.shadow!;
  if (resumeIndex === undefined) {
    await rec.save({ step: 0 });
    await rec.setMirror('shadow', spec.canary.name);
    const over = new AbortController();
    // Metrics that run until ended stop when the shadow's duration is over; those with a count
    // take all their measurements.
    const timer = env.sleep
      .sleep(shadow.durationMs, AbortSignal.any([env.signal, over.signal]))
      .then(
        () => over.abort(),
        () => undefined,
      );
    let result: AnalysisResult;
    try {
      result = await rec.analyse(
        'shadow',
        'shadow analysis',
        shadow.analysis,
        env.signal,
        over.signal,
        true,
      );
    } finally {
      over.abort();
      await timer;
    }
    env.signal.throwIfAborted();
    // Users were on stable the whole time: read back before the mirror goes off.
    await verify(env.router, allOn(spec.stable.name), env.signal, spec.canary.name).catch(
      (error: unknown) => {
        throw new InfraError(
          `at the end of the shadow phase ${(error as Error).message}: users may have got answers from ${spec.canary.name}`,
          { hint: 'another process may be changing the router while sluice mirrors', cause: error },
        );
      },
    );
    await rec.setMirror('shadow', undefined);
    await rec.decide('shadow', 'shadow analysis', result);
    if (!shadow.promote) {
      rec.event(
        'shadow',
        `${spec.canary.name} passed the shadow analysis; not promoted (promote: false): all traffic stays on ${spec.stable.name}`,
      );
      return 'passed';
    }
  }
  if (spec.steps.length > 0) {
    await runCanary(spec, env, rec, resumeIndex ?? 0);
  } else {
    await rec.setWeight('promote', 0, 100);
  }
  return 'promoted';
}
