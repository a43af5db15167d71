/**
 * rollout's opt-in write-back to the model registry (`mlflow-promote-alias`): after a rollout
 * that promoted the canary, the alias (e.g. `champion`) moves to the canary's model version;
 * after a rollback or abort it stays where it was. Either way the report says so.
 */
import { printable } from '../baseline/spec.js';
import { requireRegistry } from '../baseline/registry.js';
import { UsageError } from '../errors.js';
import type { ModelRegistry } from '../ports.js';

export interface PromoteAlias {
  model: string;
  alias: string;
  version: string;
}

const FORM = /^(.+)@([^@=/\s]+)=([0-9]{1,12})$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** `churn@champion=7`: the alias to move and the version it moves to. */
export function parsePromoteAlias(raw: string): PromoteAlias {
  const text = raw.trim();
  const match = FORM.exec(text);
  if (!match || CONTROL.test(text)) {
    throw new UsageError(
      `\`mlflow-promote-alias: ${printable(text)}\` is not \`<model>@<alias>=<version>\``,
      {
        place: { key: 'mlflow-promote-alias' },
        hint: 'e.g. `churn@champion=7`: after a promoted rollout, `champion` of `churn` points at version 7',
      },
    );
  }
  return { model: match[1]!.trim(), alias: match[2]!, version: match[3]! };
}

/**
 * Moves the alias when the rollout promoted; says what it did (or why it did nothing). The
 * version is checked before anything moves, so a typo is exit 2 with the alias untouched.
 */
export async function promoteAliasAfterRollout(
  target: PromoteAlias,
  promoted: boolean,
  maybeRegistry: ModelRegistry | undefined,
): Promise<string> {
  const named = `\`${printable(target.model)}@${printable(target.alias)}\``;
  const registry = requireRegistry(maybeRegistry, named, 'mlflow-promote-alias');
  if (!promoted) {
    return `${registry.name}: ${named} left where it was (the rollout did not promote version ${target.version}).`;
  }
  const version = await registry.getVersion(target.model, target.version);
  if (!version) {
    throw new UsageError(
      `mlflow-promote-alias: ${registry.name} has no version ${target.version} of \`${printable(target.model)}\`; ${named} was not moved`,
      { place: { key: 'mlflow-promote-alias' }, hint: 'check the model name and version' },
    );
  }
  const before = await registry.resolveAlias(target.model, target.alias).catch(() => undefined);
  if (before?.version === target.version) {
    return `${registry.name}: ${named} already points at version ${target.version}.`;
  }
  await registry.setAlias(target.model, target.alias, target.version);
  return `${registry.name}: moved ${named} ${before ? `from version ${before.version} ` : ''}to version ${target.version}.`;
}
