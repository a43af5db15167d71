import { InfraError, UsageError } from '../errors.js';
import { Halt, type Recorder, type RolloutEnv } from './engine.js';
import { describeState } from './safety.js';
import type { RolloutSpec } from './model.js';
import { formatDuration } from './yaml-reader.js';

/** The header a blue-green preview's header route matches (value `canary`). */
const PREVIEW_HEADER = 'x-sluice-preview';

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
      // Where the router can route by header (an HTTPRoute with room for a rule), requests
      // carrying `x-sluice-preview: canary` reach the canary for the preview analysis, whose
      // probe sends that header; the route goes before the switch, whichever way it goes.
      const { router } = env;
      let preview =
        router.capabilities.headerRouting && router.setHeaderRoutes
          ? { header: PREVIEW_HEADER, value: 'canary', version: spec.canary.name }
          : undefined;
      if (preview) {
        try {
          await router.setHeaderRoutes!([preview], env.signal);
        } catch (error) {
          // Only where the route allows it (room for a rule): else the preview goes without.
          if (!(error instanceof UsageError)) throw error;
          rec.note(`no header route for the preview: ${error.message}`);
          preview = undefined;
        }
      }
      if (preview) {
        const state = await router.readBack(env.signal);
        if (
          !state.headerRoutes?.some(
            (r) => r.header === preview.header && r.version === preview.version,
          )
        )
          throw new InfraError(
            `the ${router.name} router reads back ${describeState(state)} after sluice added the header route ${preview.header}: ${preview.value} → ${preview.version}`,
          );
        rec.event(
          'preview',
          `requests with ${preview.header}: ${preview.value} go to ${spec.canary.name} (read back: ${describeState(state)})`,
        );
      }
      let failure: { error: unknown } | undefined;
      try {
        const result = await rec.analyse(
          'preview',
          'preview analysis',
          spec.previewAnalysis,
          env.signal,
          undefined,
          false,
          preview ? { [preview.header]: preview.value } : undefined,
        );
        await rec.decide('preview', 'preview analysis', result);
      } catch (error) {
        failure = { error };
      }
      if (preview) {
        const signal = env.signal.aborted ? AbortSignal.timeout(30_000) : env.signal;
        await router.setHeaderRoutes!([], signal);
        const state = await router.readBack(signal);
        if (state.headerRoutes?.length)
          throw new InfraError(
            `the ${router.name} router reads back ${describeState(state)} after sluice removed its header route`,
          );
        rec.event('preview', `header route removed (read back: ${describeState(state)})`);
      }
      if (failure) throw failure.error;
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
