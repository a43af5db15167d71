import { isMap, isScalar } from 'yaml';
import type { Node, Pair, YAMLMap } from 'yaml';
import { UsageError } from '../errors.js';
import type { Place } from '../errors.js';
import type { Literal } from './schema.js';

/**
 * Readers for one value of a schema file: each returns the value in the type the schema needs,
 * or throws a UsageError that names the key (`columns.price.min`) and the line it is on.
 */
export interface Ctx {
  file: string;
  placeOf: (node: Node | null | undefined, key?: string) => Place;
}

/** A mapping's entries by key; a key not in `allowed` is a mistake, named with its path. */
export function entries(
  ctx: Ctx,
  map: YAMLMap,
  allowed: readonly string[],
  path: string,
): Map<string, Pair> {
  const out = new Map<string, Pair>();
  for (const pair of map.items) {
    const keyNode = pair.key as Node;
    const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
    const dotted = path ? `${path}.${key}` : key;
    if (!allowed.includes(key)) {
      throw new UsageError(`unknown key \`${key}\``, {
        place: ctx.placeOf(keyNode, dotted),
        hint: `allowed here: ${allowed.join(', ')}`,
      });
    }
    out.set(key, pair);
  }
  return out;
}

export function mapOf(ctx: Ctx, pair: Pair, key: string): YAMLMap {
  if (!isMap(pair.value))
    throw new UsageError(`\`${key}\` must be a mapping`, {
      place: ctx.placeOf((pair.value ?? pair.key) as Node, key),
    });
  return pair.value;
}

export function scalarText(ctx: Ctx, node: Node, key: string): string {
  if (!isScalar(node) || node.value === null || typeof node.value === 'object') {
    throw new UsageError(`\`${key}\` must be a plain value`, { place: ctx.placeOf(node, key) });
  }
  return String(node.value);
}

export function str(ctx: Ctx, pair: Pair, key: string): string {
  const node = pair.value as Node;
  if (!isScalar(node) || typeof node.value !== 'string' || node.value === '') {
    throw new UsageError(`\`${key}\` must be a non-empty string`, {
      place: ctx.placeOf(node ?? (pair.key as Node), key),
    });
  }
  return node.value;
}

export function bool(ctx: Ctx, pair: Pair, key: string): boolean {
  const node = pair.value as Node;
  if (!isScalar(node) || typeof node.value !== 'boolean') {
    throw new UsageError(`\`${key}\` must be true or false`, {
      place: ctx.placeOf(node ?? (pair.key as Node), key),
    });
  }
  return node.value;
}

function num(ctx: Ctx, pair: Pair, key: string): number {
  const node = pair.value as Node;
  if (!isScalar(node) || typeof node.value !== 'number' || !Number.isFinite(node.value)) {
    throw new UsageError(`\`${key}\` must be a number`, {
      place: ctx.placeOf(node ?? (pair.key as Node), key),
    });
  }
  return node.value;
}

export function count(ctx: Ctx, pair: Pair, key: string): number {
  const value = num(ctx, pair, key);
  if (!Number.isInteger(value) || value < 0)
    throw new UsageError(`\`${key}\` must be a whole number ≥ 0`, {
      place: ctx.placeOf(pair.value as Node, key),
    });
  return value;
}

export function positive(ctx: Ctx, pair: Pair, key: string): number {
  const value = num(ctx, pair, key);
  if (value <= 0)
    throw new UsageError(`\`${key}\` must be > 0 (or \`auto\`)`, {
      place: ctx.placeOf(pair.value as Node, key),
    });
  return value;
}

export function fractionOf(ctx: Ctx, pair: Pair, key: string): number {
  const value = num(ctx, pair, key);
  if (value < 0 || value > 1)
    throw new UsageError(`\`${key}\` is a fraction between 0 and 1`, {
      place: ctx.placeOf(pair.value as Node, key),
    });
  return value;
}

export function choice<T extends string>(
  ctx: Ctx,
  pair: Pair,
  key: string,
  options: readonly T[],
): T {
  const node = pair.value as Node;
  const value = isScalar(node) ? node.value : undefined;
  if (typeof value !== 'string' || !options.includes(value as T)) {
    throw new UsageError(`\`${key}\` must be one of ${options.join(', ')}`, {
      place: ctx.placeOf(node ?? (pair.key as Node), key),
    });
  }
  return value as T;
}

export function literal(ctx: Ctx, pair: Pair, key: string): Literal {
  return literalNode(ctx, pair.value as Node, key);
}

export function literalNode(ctx: Ctx, node: Node, key: string): Literal {
  if (isScalar(node)) {
    const value: unknown = node.value;
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new UsageError(`\`${key}\` must be a finite number; got ${String(value)}`, {
        place: ctx.placeOf(node, key),
      });
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      return value;
    if (value instanceof Date) return value.toISOString();
  }
  throw new UsageError(`\`${key}\` must be a number, string or boolean`, {
    place: ctx.placeOf(node, key),
  });
}
