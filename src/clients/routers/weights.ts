import { InfraError, UsageError } from '../../core/errors.js';
import type { TrafficState } from '../../core/ports.js';
import { serverText } from '../http/bounded-fetch.js';

/** Percents may differ from 100 by this much in total (rounding in a spec or a read-back). */
export const SUM_TOLERANCE = 0.01;

/**
 * Checks a requested split against the versions a router knows and returns it with every
 * known version present (zero where not named). Unknown versions, negative or non-finite
 * percents, and a total other than 100 are the spec's fault: UsageError naming the router.
 */
export function completeWeights(
  router: string,
  known: readonly string[],
  weights: Readonly<Record<string, number>>,
): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(known.map((name) => [name, 0]));
  let sum = 0;
  for (const [version, percent] of Object.entries(weights)) {
    if (!Object.hasOwn(out, version))
      throw new UsageError(`${router} has no version "${bounded(version, 80)}"`, {
        hint: `use one of: ${known.join(', ')}`,
      });
    if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0 || percent > 100)
      throw new UsageError(
        `${router}: the weight of "${version}" must be a percent from 0 to 100, not ${String(percent)}`,
      );
    out[version] = percent;
    sum += percent;
  }
  if (Math.abs(sum - 100) > SUM_TOLERANCE)
    throw new UsageError(`${router}: the weights add up to ${sum}, not 100`, {
      hint: 'give each version a percent so that they sum to 100',
    });
  return out;
}

/** All traffic on one version: 100 for it, 0 for the others. */
export function routeAll(router: string, known: readonly string[], version: string) {
  return completeWeights(router, known, { [version]: 100 });
}

/** Percents from relative weights (nginx/HAProxy weights), rounded to 0.01; zeros when all are 0. */
export function percentsOf(raw: Readonly<Record<string, number>>): Record<string, number> {
  const total = Object.values(raw).reduce((a, b) => a + b, 0);
  return Object.fromEntries(
    Object.entries(raw).map(([name, weight]) => [
      name,
      total > 0 ? Math.round((weight / total) * 10_000) / 100 : 0,
    ]),
  );
}

/** Text from outside (a server's answer, a file) as an error message may carry it: one line, bounded. */
export function bounded(text: string, max = 300): string {
  return serverText(text, max);
}

/** A read-back that is not a state sluice can trust. */
export function badState(router: string, what: string): InfraError {
  return new InfraError(`${router} answered a state sluice cannot read: ${what}`);
}

export type HeaderRoute = NonNullable<TrafficState['headerRoutes']>[number];
