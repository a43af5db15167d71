import { InfraError, SluiceError, UsageError } from '../errors.js';
import type { DeployHost, HostContainer, TrafficState } from '../ports.js';
import { readProgress, type RolloutEnv } from './engine.js';
import type { RolloutSpec, TimelineEntry } from './model.js';
import { runRollout, type RolloutResult } from './run.js';
import { allOn, describeState, messageOf, restoreStable, sameWeights, verify } from './safety.js';

/**
 * A service that started but never became healthy (its container exited, its healthcheck said
 * unhealthy, or the deadline passed): the version's fault, not the host's. The canary's is a
 * rollback (exit 1); anywhere else it is infrastructure (exit 3).
 */
export class UnhealthyServiceError extends InfraError {}

/** `model-canary-1 (acme/model:2, running, healthy)`, or `none`. */
export function describeContainers(containers: readonly HostContainer[]): string {
  if (containers.length === 0) return 'none';
  return containers
    .map(
      (c) =>
        `${c.name} (service ${c.service}, ${c.image}, ${c.state}${c.health ? `, ${c.health}` : ''})`,
    )
    .join('; ');
}

/**
 * A rollout on a deploy host (a docker-compose project): the canary service is started beside the
 * stable one and waited for, the rollout runs through the router, then
 * - promoted: the stable service is recreated from the canary's image and waited for, all
 *   traffic goes back to it (read back), and the canary service is removed;
 * - anything else, once the router reads back all traffic on stable: the canary service is
 *   removed. Where the router could not be put back on stable, the canary service stays up.
 * A re-run reconciles first: a stable service already on the canary's image with no canary left
 * is already promoted; a half-done promotion is finished; a canary service left by a killed job
 * is reused (`onResume: finish`, same image) or, with traffic back on stable first, removed.
 * The result always ends with a note naming the containers that exist.
 */
export async function runRolloutOnHost(
  spec: RolloutSpec,
  env: RolloutEnv,
  host: DeployHost,
): Promise<RolloutResult> {
  const stable = spec.stable.name;
  const canary = spec.canary.name;
  const before: TimelineEntry[] = [];
  const after: TimelineEntry[] = [];
  const notes: string[] = [];
  let into = before;
  let weight = 0;
  const event = (step: string, text: string) => {
    into.push({ at: env.clock.now().toISOString(), step, weight, event: text });
    env.logger.info(`rollout ${canary} [${step}] ${weight} %: ${text}`);
  };
  const note = (text: string) => {
    notes.push(text);
    env.logger.warn(text);
  };
  const shadow = spec.strategy === 'shadow';
  /** The result with the host's events and a last note naming the containers. */
  const finish = async (result: RolloutResult): Promise<RolloutResult> => {
    const containers = await host.containers().then(describeContainers, (error: unknown) => {
      return `unknown (${messageOf(error)})`;
    });
    const last = `${host.name}: containers now: ${containers}`;
    env.logger.info(last);
    return {
      ...result,
      timeline: [...before, ...result.timeline, ...after],
      notes: [...notes, ...result.notes, last],
    };
  };
  const early = (
    outcome: RolloutResult['outcome'],
    reason: string,
    extra: Partial<RolloutResult> = {},
  ): Promise<RolloutResult> =>
    finish({ outcome, reason, spec, timeline: [], analyses: [], notes: [], ...extra });

  let containers: HostContainer[];
  let state: TrafficState;
  try {
    containers = await host.containers(env.signal);
    state = await env.router.readBack(env.signal);
  } catch (error) {
    const e = asInfra(error, `could not read ${host.name} or the ${env.router.name} router`);
    return early('aborted', `nothing started: ${e.message}`, { error: e });
  }
  const stableContainers = containers.filter((c) => c.service === host.stableService);
  const canaryContainers = containers.filter((c) => c.service === host.canaryService);
  const onStable = sameWeights(state.weights, allOn(stable)) && state.mirror === undefined;

  // Already promoted: the stable service runs the canary's image, nothing else is left.
  if (
    onStable &&
    canaryContainers.length === 0 &&
    stableContainers.length > 0 &&
    stableContainers.every((c) => c.image === host.canaryImage && c.state === 'running')
  ) {
    event(
      'start',
      `the stable service ${host.stableService} already runs ${host.canaryImage} and all traffic is on it (read back: ${describeState(state)}): nothing to do`,
    );
    return early('promoted', 'already promoted', { finalState: state });
  }

  // A promotion a killed job left half-done: all traffic on the canary service, promoted.
  const saved = await readProgress(env.state);
  if (
    saved?.status === 'promoted' &&
    saved.canary === canary &&
    sameWeights(state.weights, allOn(canary)) &&
    canaryContainers.some((c) => c.state === 'running')
  ) {
    note(
      `${canary} was promoted but its promotion on ${host.name} was left unfinished (all traffic on the canary service ${host.canaryService}): finishing it`,
    );
    weight = 100;
    into = after;
    const result: RolloutResult = {
      outcome: 'promoted',
      reason: `${canary} promoted`,
      spec,
      timeline: [],
      analyses: [],
      notes: [],
      finalState: state,
    };
    return finish(await promoteOnHost(spec, env, host, result, event));
  }

  // A canary service left by a killed job: reused, or removed with traffic back on stable first.
  if (canaryContainers.length > 0) {
    const reuse =
      spec.onResume === 'finish' && canaryContainers.every((c) => c.image === host.canaryImage);
    if (reuse) {
      note(
        `the canary service ${host.canaryService} was left by an earlier run (${describeContainers(canaryContainers)}): reusing it (onResume: finish)`,
      );
    } else {
      note(
        `the canary service ${host.canaryService} was left by an earlier run (${describeContainers(canaryContainers)}): removing it before starting again (onResume: ${spec.onResume}${spec.onResume === 'finish' ? ', but it runs another image' : ''})`,
      );
      if (!onStable) {
        try {
          state = await restoreStable(env.router, stable, env, { mirrorOff: shadow });
        } catch (error) {
          return early('aborted', 'the unfinished rollout could not be rolled back', {
            error: asInfra(error, 'could not put traffic back on stable'),
          });
        }
        event('reconcile', `traffic back on ${stable} (read back: ${describeState(state)})`);
      }
      try {
        await host.removeCanary(env.signal);
      } catch (error) {
        const e = asInfra(error, `could not remove the canary service ${host.canaryService}`);
        return early('aborted', `nothing started: ${e.message}`, {
          error: e,
          finalState: state,
        });
      }
      event('reconcile', `removed the canary service ${host.canaryService} left by an earlier run`);
    }
  }

  event(
    'deploy',
    `starting the canary service ${host.canaryService} (${host.canaryImage}) on ${host.name}`,
  );
  try {
    await host.startCanary(env.signal);
  } catch (error) {
    return early(...(await canaryDidNotStart(spec, env, host, error, event)));
  }
  event('deploy', `the canary service ${host.canaryService} is healthy`);

  const result = await runRollout(spec, env);
  into = after;
  weight = result.outcome === 'promoted' ? 100 : 0;
  if (result.outcome === 'promoted')
    return finish(await promoteOnHost(spec, env, host, result, event));
  if (result.outcome === 'paused') return finish(result);
  const back =
    result.finalState !== undefined &&
    sameWeights(result.finalState.weights, allOn(stable)) &&
    result.finalState.mirror === undefined;
  if (!back) {
    note(
      `the canary service ${host.canaryService} is left running: the router is not confirmed on ${stable}, so it may still get traffic`,
    );
    return finish(result);
  }
  try {
    await host.removeCanary();
    event(
      result.outcome === 'passed' ? 'done' : 'rollback',
      `removed the canary service ${host.canaryService}`,
    );
    return finish(result);
  } catch (error) {
    const e = asInfra(error, `could not remove the canary service ${host.canaryService}`);
    return finish({
      ...result,
      error:
        result.error ??
        new InfraError(
          `${e.message}; all traffic is on ${stable} (read back: ${describeState(result.finalState!)})`,
          {
            hint: `remove it by hand (docker rm -f), or run \`sluice rollout abort\``,
            cause: e,
          },
        ),
    });
  }
}

/** Why the canary never served: its service is removed (traffic is on stable first). */
async function canaryDidNotStart(
  spec: RolloutSpec,
  env: RolloutEnv,
  host: DeployHost,
  error: unknown,
  event: (step: string, text: string) => void,
): Promise<[RolloutResult['outcome'], string, Partial<RolloutResult>]> {
  const stable = spec.stable.name;
  const message = messageOf(error);
  let state: TrafficState;
  try {
    // A reused canary may have had traffic: stable first, read back.
    state = await restoreStable(env.router, stable, env, { mirrorOff: spec.strategy === 'shadow' });
  } catch (restoreError) {
    return [
      'aborted',
      `the canary service ${host.canaryService} did not start: ${message}`,
      { error: asInfra(restoreError, 'could not put traffic back on stable') },
    ];
  }
  let removed = '';
  try {
    await host.removeCanary();
    removed = `; the canary service ${host.canaryService} is removed`;
    event('rollback', `removed the canary service ${host.canaryService}`);
  } catch (removeError) {
    removed = `; removing the canary service ${host.canaryService} failed too (${messageOf(removeError)})`;
  }
  const after = `; all traffic is on ${stable} (read back: ${describeState(state)})${removed}`;
  if (error instanceof UnhealthyServiceError) {
    const reason = `the canary service ${host.canaryService} never became healthy: ${message}`;
    event('rollback', reason);
    return ['rolled-back', reason, { finalState: state }];
  }
  const reason = `the canary service ${host.canaryService} could not be started: ${message}`;
  event('rollback', reason);
  const hint = error instanceof SluiceError ? error.hint : undefined;
  const final =
    error instanceof UsageError
      ? new UsageError(`${message}${after}`, {
          ...(error.place ? { place: error.place } : {}),
          ...(hint ? { hint } : {}),
        })
      : new InfraError(`${reason}${after}`, { ...(hint ? { hint } : {}), cause: error });
  return ['aborted', reason, { finalState: state, error: final }];
}

/**
 * After the rollout promoted the canary (all traffic on the canary service): the stable service
 * is recreated from the canary's image and waited for, all traffic goes back to it (read back),
 * and the canary service is removed. A failure leaves traffic on the canary service, the version
 * that passed: exit 3, and a re-run finishes the promotion.
 */
async function promoteOnHost(
  spec: RolloutSpec,
  env: RolloutEnv,
  host: DeployHost,
  result: RolloutResult,
  event: (step: string, text: string) => void,
): Promise<RolloutResult> {
  const stable = spec.stable.name;
  let doing = `updating the stable service ${host.stableService} to ${host.canaryImage}`;
  try {
    event('promote', doing);
    await host.updateStable(env.signal);
    event(
      'promote',
      `the stable service ${host.stableService} runs ${host.canaryImage} and is healthy`,
    );
    doing = `moving all traffic back to the stable service (${stable})`;
    await env.router.setRoute(stable, env.signal);
    const state = await verify(env.router, allOn(stable), env.signal);
    event(
      'promote',
      `traffic on ${stable}, now ${host.canaryImage} (read back: ${describeState(state)})`,
    );
    doing = `removing the canary service ${host.canaryService}`;
    await host.removeCanary(env.signal);
    event('promote', `removed the canary service ${host.canaryService}`);
    const progress = await readProgress(env.state);
    if (progress)
      await env.state?.set(
        'rollout',
        JSON.stringify({
          ...progress,
          status: 'promoted',
          weights: allOn(stable),
          updatedAt: env.clock.now().toISOString(),
        }),
      );
    return {
      ...result,
      reason: `${spec.canary.name} promoted: the stable service ${host.stableService} runs ${host.canaryImage}`,
      finalState: state,
    };
  } catch (error) {
    const now = await env.router.readBack().then(
      (s) => `the router sends ${describeState(s)}`,
      (e: unknown) => `the router cannot be read back (${messageOf(e)})`,
    );
    const message = `${spec.canary.name} was promoted, but ${doing} failed: ${messageOf(error)}; ${now}`;
    event('promote', message);
    return {
      ...result,
      error: new InfraError(message, {
        hint: `the canary service ${host.canaryService} keeps serving the promoted version; fix the cause and run the same rollout again to finish the promotion`,
        cause: error,
      }),
    };
  }
}

function asInfra(error: unknown, what: string): SluiceError {
  if (error instanceof SluiceError) return error;
  return new InfraError(`${what}: ${messageOf(error)}`, { cause: error });
}
