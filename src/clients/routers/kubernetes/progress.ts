import { InfraError } from '../../../core/errors.js';
import type { RecordedProgress } from '../../../core/ports.js';
import {
  ConflictError,
  ROLLOUT_ANNOTATION,
  type KubeApi,
  type KubeObject,
  type KubeObjectRef,
  type RbacResource,
} from './api.js';

/** How often a write is retried after the object changed under it (409). */
const RETRIES = 5;
const STATUSES: readonly RecordedProgress['status'][] = [
  'running',
  'promoted',
  'passed',
  'rolled-back',
  'aborted',
  'paused',
  'promote-requested',
];

/** The `sluice.dev/rollout` annotation parsed, or {} (anyone can write it: nothing is trusted). */
function annotationOf(object: KubeObject | undefined): Record<string, unknown> {
  const text = object?.metadata?.annotations?.[ROLLOUT_ANNOTATION];
  if (typeof text !== 'string' || text.length > 16_384) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

const text = (value: unknown, max: number): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= max;

/**
 * The rollout sluice recorded on the object (the annotation's `rollout`), checked field by field;
 * undefined when absent or malformed (a re-run then goes by the weights alone).
 */
export function recordedOf(object: KubeObject | undefined): RecordedProgress | undefined {
  const r = annotationOf(object).rollout as Record<string, unknown> | undefined;
  if (!r || typeof r !== 'object') return undefined;
  const { id, stable, canary, step, status, updatedAt } = r;
  if (
    !text(id, 300) ||
    !text(stable, 253) ||
    !text(canary, 253) ||
    typeof step !== 'number' ||
    !Number.isInteger(step) ||
    step < 0 ||
    step > 10_000 ||
    !STATUSES.includes(status as RecordedProgress['status']) ||
    !text(updatedAt, 40) ||
    Number.isNaN(Date.parse(updatedAt))
  )
    return undefined;
  return {
    id,
    stable,
    canary,
    step,
    status: status as RecordedProgress['status'],
    updatedAt,
  };
}

/**
 * The annotation's value for a write of `change` to `object`: the change, and the rollout
 * recorded on it so far (kept: a weight change does not erase where the rollout is).
 */
export function annotationFor(object: KubeObject | undefined, change: Record<string, unknown>) {
  const recorded = recordedOf(object);
  return JSON.stringify({ ...change, by: 'sluice', ...(recorded ? { rollout: recorded } : {}) });
}

/**
 * Records the rollout's progress in the object's annotation (a merge patch of that annotation
 * alone, conditional on the resourceVersion read; a 409 re-reads and retries).
 */
export async function recordOn(
  api: KubeApi,
  ref: KubeObjectRef,
  rbac: RbacResource,
  progress: RecordedProgress,
  name: string,
  signal?: AbortSignal,
): Promise<void> {
  if (!api.mergePatch) throw new InfraError(`${name}: this client cannot patch`);
  for (let attempt = 0; ; attempt++) {
    const object = await api.get(ref, rbac, signal);
    const value = JSON.stringify({ ...annotationOf(object), by: 'sluice', rollout: progress });
    try {
      await api.mergePatch(
        ref,
        rbac,
        {
          metadata: {
            resourceVersion: object.metadata?.resourceVersion,
            annotations: { [ROLLOUT_ANNOTATION]: value },
          },
        },
        signal,
      );
      return;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      if (attempt >= RETRIES)
        throw new InfraError(
          `${name} kept changing under sluice: ${RETRIES + 1} writes of its ${ROLLOUT_ANNOTATION} annotation in a row answered 409`,
        );
    }
  }
}
