import { Halt, type Recorder, type RolloutEnv } from './engine.js';
import type { RolloutSpec } from './model.js';
import { formatDuration } from './yaml-reader.js';

/**
 * Blue-green: the canary (green) answers beside stable (blue) with no user traffic; the preview
 * analysis runs against it; all traffic switches at once; the post-promotion analysis runs while
 * stable is kept ready for `scaleDownDelay`; a failure in that window switches back (run.ts).
 * `resumeAfterSwitch`: a re-run that finishes a rollout found already switched.
 */
export async function runBlueGreen(
  spec: RolloutSpec,
  env: RolloutEnv,
  rec: Recorder,
  resumeAfterSwitch: boolean,
): Promise<void> {
  if (!resumeAfterSwitch) {
    if (spec.previewAnalysis) {
      const result = await rec.analyse(
        'preview',
        'preview analysis',
        spec.previewAnalysis,
        env.signal,
      );
      await rec.decide('preview', 'preview analysis', result);
    }
    await rec.setWeight('switch', 1, 100);
  }
  await rec.save({ step: 2 });
  const delayDone = new AbortController();
  const started = env.clock.now().getTime();
  rec.event(
    'post-promotion',
    `keeping ${spec.stable.name} ready to switch back for ${formatDuration(spec.scaleDownDelayMs)}`,
  );
  if (spec.postPromotionAnalysis) {
    // Metrics that run until ended stop when the delay is over.
    const timer = env.sleep
      .sleep(spec.scaleDownDelayMs, AbortSignal.any([env.signal, delayDone.signal]))
      .then(
        () => delayDone.abort(),
        () => undefined,
      );
    try {
      const result = await rec.analyse(
        'post-promotion',
        'post-promotion analysis',
        spec.postPromotionAnalysis,
        env.signal,
        delayDone.signal,
      );
      await rec.decide('post-promotion', 'post-promotion analysis', result);
    } finally {
      if (!delayDone.signal.aborted) {
        // Wait the rest of the delay below, on the rollout's own signal.
        delayDone.abort();
      }
      await timer;
    }
  }
  const left = spec.scaleDownDelayMs - (env.clock.now().getTime() - started);
  if (left > 0) await env.sleep.sleep(left, env.signal);
  if (env.signal.aborted) throw new Halt('cancelled', 'cancelled');
}
