import type { AnalysisResult } from './analysis.js';
import { Halt, type Recorder, type RolloutEnv } from './engine.js';
import type { RolloutSpec } from './model.js';
import { formatDuration } from './yaml-reader.js';

/**
 * The canary: each step in turn (setWeight, pause, analysis), the background analysis beside
 * them all, then promotion (all traffic on the canary). Throws Halt (or the router's error) to
 * stop; run.ts puts traffic back on stable.
 */
export async function runCanary(
  spec: RolloutSpec,
  env: RolloutEnv,
  rec: Recorder,
  startIndex: number,
): Promise<void> {
  if (
    !env.router.capabilities.weights &&
    spec.steps.some((s) => 'setWeight' in s && s.setWeight > 0 && s.setWeight < 100)
  ) {
    throw new Halt(
      'error',
      `the ${env.router.name} router cannot split traffic by weight: use strategy: blue-green`,
    );
  }
  const background = new AbortController();
  const endBackground = new AbortController();
  let backgroundResult: AnalysisResult | undefined;
  const backgroundRun = spec.backgroundAnalysis
    ? rec
        .analyse(
          'background',
          'background analysis',
          spec.backgroundAnalysis,
          env.signal,
          endBackground.signal,
        )
        .then((result) => {
          backgroundResult = result;
          if (result.phase !== 'Successful')
            background.abort(new Halt('failed', 'background analysis ended'));
          return result;
        })
    : undefined;
  // A failing background analysis stops whatever step is under way.
  const stepSignal = AbortSignal.any([env.signal, background.signal]);
  const checkBackground = async () => {
    if (backgroundResult && backgroundResult.phase !== 'Successful') {
      await rec.decide('background', 'background analysis', backgroundResult);
    }
  };
  try {
    for (let index = startIndex; index < spec.steps.length; index++) {
      const step = spec.steps[index]!;
      const label = `step ${index + 1}`;
      await checkBackground();
      try {
        if ('setWeight' in step) {
          await rec.setWeight(label, index, step.setWeight);
        } else if ('pause' in step) {
          await rec.save({ step: index });
          if (step.pause.durationMs !== undefined) {
            rec.event(label, `pause ${formatDuration(step.pause.durationMs)}`);
            await env.sleep.sleep(step.pause.durationMs, stepSignal);
          } else {
            rec.event(label, 'paused until `sluice rollout promote`');
            await rec.waitForDecision(undefined, stepSignal);
            rec.event(label, 'promoted by a person: going on');
          }
        } else {
          await rec.save({ step: index });
          const result = await rec.analyse(
            label,
            `analysis of ${label}`,
            step.analysis,
            stepSignal,
          );
          await rec.decide(label, `analysis of ${label}`, result);
        }
      } catch (error) {
        if (background.signal.aborted && !env.signal.aborted) {
          await backgroundRun;
          await checkBackground();
        }
        throw error;
      }
    }
    endBackground.abort();
    if (backgroundRun) await rec.decide('background', 'background analysis', await backgroundRun);
    await rec.setWeight('promote', spec.steps.length, 100);
  } finally {
    endBackground.abort();
    // The background analysis never outlives the rollout.
    await backgroundRun?.catch(() => undefined);
  }
}
