import type { HeaderRoute } from '../weights.js';
import { SUM_TOLERANCE } from '../weights.js';

/** What the built-in proxy does with traffic; replaced whole on each change, never mutated. */
export interface RoutingState {
  weights: Record<string, number>;
  mirror: string | undefined;
  headerRoutes: HeaderRoute[];
}

/** The most header routes the admin API accepts, and the longest header value. */
const MAX_HEADER_ROUTES = 32;
const MAX_HEADER_VALUE = 256;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;

/** A change the admin API was asked for that it refuses; the message is safe to answer. */
export class StateError extends Error {
  override readonly name = 'StateError';
}

/**
 * Applies a PUT /state body to the current state. Fields left out stay as they are; `mirror:
 * null` stops mirroring. Strict: unknown keys, unknown versions, weights that do not sum to 100,
 * malformed header names and too many routes are refused with a message naming the field.
 */
export function applyPatch(
  current: RoutingState,
  versions: readonly string[],
  patch: unknown,
): RoutingState {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
    throw new StateError('the body must be a JSON object');
  const body = patch as Record<string, unknown>;
  for (const key of Object.keys(body))
    if (!['weights', 'mirror', 'headerRoutes'].includes(key))
      throw new StateError(`unknown field "${key.slice(0, 64)}" (weights, mirror, headerRoutes)`);
  const known = (name: unknown, field: string): string => {
    if (typeof name !== 'string' || !versions.includes(name))
      throw new StateError(
        `${field}: "${String(name).slice(0, 64)}" is not one of ${versions.join(', ')}`,
      );
    return name;
  };
  const next: RoutingState = { ...current };
  if (body.weights !== undefined) {
    const weights = body.weights;
    if (typeof weights !== 'object' || weights === null || Array.isArray(weights))
      throw new StateError('weights must be an object of version → percent');
    const out: Record<string, number> = Object.fromEntries(versions.map((name) => [name, 0]));
    let sum = 0;
    for (const [name, percent] of Object.entries(weights as Record<string, unknown>)) {
      known(name, 'weights');
      if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0 || percent > 100)
        throw new StateError(`weights.${name} must be a number from 0 to 100`);
      out[name] = percent;
      sum += percent;
    }
    if (Math.abs(sum - 100) > SUM_TOLERANCE)
      throw new StateError(`weights add up to ${sum}, not 100`);
    next.weights = out;
  }
  if (body.mirror !== undefined)
    next.mirror = body.mirror === null ? undefined : known(body.mirror, 'mirror');
  if (body.headerRoutes !== undefined) {
    const routes = body.headerRoutes;
    if (!Array.isArray(routes)) throw new StateError('headerRoutes must be an array');
    if (routes.length > MAX_HEADER_ROUTES)
      throw new StateError(
        `headerRoutes has ${routes.length} entries; at most ${MAX_HEADER_ROUTES}`,
      );
    next.headerRoutes = routes.map((route: unknown, index) => {
      if (typeof route !== 'object' || route === null)
        throw new StateError(`headerRoutes[${index}] must be an object`);
      const { header, value, version, ...rest } = route as Record<string, unknown>;
      if (Object.keys(rest).length > 0)
        throw new StateError(`headerRoutes[${index}] has unknown fields (header, value, version)`);
      if (typeof header !== 'string' || !HEADER_NAME.test(header))
        throw new StateError(`headerRoutes[${index}].header must be an HTTP header name`);
      if (typeof value !== 'string' || value.length > MAX_HEADER_VALUE || /[\r\n\0]/.test(value))
        throw new StateError(
          `headerRoutes[${index}].value must be text of at most ${MAX_HEADER_VALUE} characters on one line`,
        );
      return {
        header: header.toLowerCase(),
        value,
        version: known(version, `headerRoutes[${index}].version`),
      };
    });
  }
  return next;
}
