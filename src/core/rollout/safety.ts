import { InfraError, SluiceError } from '../errors.js';
import type { Logger, Sleep, TrafficRouter, TrafficState } from '../ports.js';

/** Routers round weights (nginx and HAProxy take whole numbers): this far apart is the same. */
const TOLERANCE = 1;
const RESTORE_ATTEMPTS = 3;
const RESTORE_PAUSE_MS = 1000;
/** Longest one router call of a restore may take (the rollout's own signal may be aborted). */
const RESTORE_TIMEOUT_MS = 30_000;

export function describeWeights(weights: Readonly<Record<string, number>>): string {
  const parts = Object.entries(weights)
    .filter(([, w]) => w !== 0)
    .map(([v, w]) => `${v} ${w} %`);
  return parts.length ? parts.join(', ') : 'no version (every weight 0)';
}

export function describeState(state: TrafficState): string {
  let text = describeWeights(state.weights);
  if (state.mirror) text += `, mirroring to ${state.mirror}`;
  for (const route of state.headerRoutes ?? [])
    text += `, ${route.header}: ${route.value} → ${route.version}`;
  return text;
}

export function sameWeights(
  actual: Readonly<Record<string, number>>,
  expected: Readonly<Record<string, number>>,
): boolean {
  const names = new Set([...Object.keys(actual), ...Object.keys(expected)]);
  for (const name of names) {
    if (Math.abs((actual[name] ?? 0) - (expected[name] ?? 0)) > TOLERANCE) return false;
  }
  return true;
}

export function allOn(version: string): Record<string, number> {
  return { [version]: 100 };
}

/**
 * Reads the router back and checks it does what was set; an InfraError naming both otherwise.
 * `mirror`: also check the mirror (a version, or `false` for none); unchecked when undefined.
 */
export async function verify(
  router: TrafficRouter,
  expected: Record<string, number>,
  signal?: AbortSignal,
  mirror?: string | false,
): Promise<TrafficState> {
  let state: TrafficState;
  try {
    state = await router.readBack(signal);
  } catch (error) {
    throw wrap(error, `could not read the ${router.name} router back`);
  }
  if (!sameWeights(state.weights, expected) || !sameMirror(state, mirror)) {
    const set =
      describeWeights(expected) +
      (mirror === undefined ? '' : mirror === false ? ', no mirror' : `, mirroring to ${mirror}`);
    throw new InfraError(
      `the ${router.name} router reads back ${describeState(state)} after sluice set ${set}`,
      {
        hint: 'another process may be changing the router, or it did not apply the change',
      },
    );
  }
  return state;
}

function sameMirror(state: TrafficState, mirror: string | false | undefined): boolean {
  if (mirror === undefined) return true;
  return (state.mirror ?? false) === mirror;
}

function wrap(error: unknown, what: string): SluiceError {
  if (error instanceof SluiceError) return error;
  return new InfraError(`${what}: ${error instanceof Error ? error.message : String(error)}`, {
    cause: error,
  });
}

/**
 * Puts all traffic on `stable` and reads the router back to check it, a few times over; never
 * with the rollout's (perhaps aborted) signal. Returns the state read back; throws an InfraError
 * saying exactly what the router does when it cannot.
 */
export async function restoreStable(
  router: TrafficRouter,
  stable: string,
  deps: { sleep: Sleep; logger: Logger },
  options: { mirrorOff?: boolean } = {},
): Promise<TrafficState> {
  // A shadow rollout's mirror goes off too (where the router can mirror at all).
  const mirrorOff = options.mirrorOff === true && router.setMirror !== undefined;
  let lastSetError: unknown;
  let lastReadError: unknown;
  let lastState: TrafficState | undefined;
  for (let attempt = 1; attempt <= RESTORE_ATTEMPTS; attempt++) {
    lastSetError = undefined;
    try {
      await router.setRoute(stable, AbortSignal.timeout(RESTORE_TIMEOUT_MS));
    } catch (error) {
      lastSetError = error;
      deps.logger.warn(
        `rollback: setting all traffic on ${stable} failed (attempt ${attempt} of ${RESTORE_ATTEMPTS}): ${messageOf(error)}`,
      );
    }
    if (mirrorOff) {
      try {
        await router.setMirror!(undefined, AbortSignal.timeout(RESTORE_TIMEOUT_MS));
      } catch (error) {
        lastSetError ??= error;
        deps.logger.warn(
          `rollback: switching mirroring off failed (attempt ${attempt} of ${RESTORE_ATTEMPTS}): ${messageOf(error)}`,
        );
      }
    }
    try {
      lastState = await router.readBack(AbortSignal.timeout(RESTORE_TIMEOUT_MS));
      lastReadError = undefined;
      if (
        sameWeights(lastState.weights, allOn(stable)) &&
        (!mirrorOff || lastState.mirror === undefined)
      )
        return lastState;
    } catch (error) {
      lastReadError = error;
    }
    if (attempt < RESTORE_ATTEMPTS) await deps.sleep.sleep(RESTORE_PAUSE_MS).catch(() => undefined);
  }
  const now =
    lastReadError !== undefined || !lastState
      ? `cannot be read back (${messageOf(lastReadError)}): its state is unknown`
      : `sends ${describeState(lastState)}`;
  throw new InfraError(
    `could not put traffic back on stable ${stable}${mirrorOff ? ' with mirroring off' : ''}${lastSetError !== undefined ? ` (${messageOf(lastSetError)})` : ''}: the ${router.name} router ${now}`,
    {
      hint: `put all traffic on ${stable}${mirrorOff ? ' and switch mirroring off' : ''} by hand, or run \`sluice rollout abort\` again once the router answers`,
      ...(lastSetError !== undefined ? { cause: lastSetError } : {}),
    },
  );
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
