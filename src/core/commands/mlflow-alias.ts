/**
 * rollout's opt-in write-back to the model registry (`mlflow-promote-alias`): after a rollout
 * that promoted the canary, the alias (e.g. `champion`) moves to the canary's model version;
 * after a rollback or abort it stays where it was. Either way the report says so.
 * `mlflow-challenger-alias` (e.g. `challenger`) points at the canary's version while the rollout
 * runs, and is removed when it ends either way (and by `abort` and the post: step when it was
 * left unfinished): the state store records it before it is set.
 */
import { printable } from '../baseline/spec.js';
import { requireRegistry } from '../baseline/registry.js';
import { UsageError } from '../errors.js';
import type { ModelRegistry, StateStore } from '../ports.js';
import type { Note } from '../report/model.js';

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

/** The state store's record of a challenger alias this job set (JSON `PromoteAlias`). */
export const CHALLENGER_STATE = 'mlflow_challenger';

const ALIAS = /^[^@=/\s]+$/;

/**
 * `challenger` (the model and version of `mlflow-promote-alias`) or `churn@challenger=7`. Never
 * the alias being promoted: removing the challenger would remove the champion.
 */
export function parseChallengerAlias(raw: string, promote: PromoteAlias | undefined): PromoteAlias {
  const text = raw.trim();
  const place = { key: 'mlflow-challenger-alias' };
  let target: PromoteAlias;
  if (ALIAS.test(text) && !CONTROL.test(text)) {
    if (!promote) {
      throw new UsageError(
        `\`mlflow-challenger-alias: ${printable(text)}\` names no model version, and \`mlflow-promote-alias\` is not given`,
        {
          place,
          hint: 'write `<model>@<alias>=<version>` (e.g. `churn@challenger=7`), or give `mlflow-promote-alias` too',
        },
      );
    }
    target = { model: promote.model, alias: text, version: promote.version };
  } else {
    const match = FORM.exec(text);
    if (!match || CONTROL.test(text)) {
      throw new UsageError(
        `\`mlflow-challenger-alias: ${printable(text)}\` is neither an alias nor \`<model>@<alias>=<version>\``,
        { place, hint: 'e.g. `challenger`, or `churn@challenger=7`' },
      );
    }
    target = { model: match[1]!.trim(), alias: match[2]!, version: match[3]! };
  }
  if (promote && promote.model === target.model && promote.alias === target.alias) {
    throw new UsageError(
      `\`mlflow-challenger-alias\` and \`mlflow-promote-alias\` both name \`${printable(target.alias)}\``,
      { place, hint: 'the challenger alias is removed after the rollout: give it another name' },
    );
  }
  return target;
}

/** The challenger this job recorded (a rollout's run set it), or undefined. */
export async function recordedChallenger(
  state: StateStore | undefined,
): Promise<PromoteAlias | undefined> {
  const text = await state?.get(CHALLENGER_STATE);
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<PromoteAlias>;
    return typeof value.model === 'string' &&
      typeof value.alias === 'string' &&
      typeof value.version === 'string'
      ? { model: value.model, alias: value.alias, version: value.version }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Points the challenger alias at the canary's version as the rollout starts; recorded in the
 * state store first, so a job killed right after still has it removed by its post: step. A
 * version the registry lacks is exit 2 before any traffic moves.
 */
export async function setChallengerAlias(
  target: PromoteAlias,
  maybeRegistry: ModelRegistry | undefined,
  state: StateStore | undefined,
): Promise<string> {
  const named = `\`${printable(target.model)}@${printable(target.alias)}\``;
  const registry = requireRegistry(maybeRegistry, named, 'mlflow-challenger-alias');
  if (!registry.deleteAlias) {
    throw new UsageError(`mlflow-challenger-alias: ${registry.name} cannot remove aliases`, {
      place: { key: 'mlflow-challenger-alias' },
      hint: 'leave out mlflow-challenger-alias for this registry',
    });
  }
  const version = await registry.getVersion(target.model, target.version);
  if (!version) {
    throw new UsageError(
      `mlflow-challenger-alias: ${registry.name} has no version ${target.version} of \`${printable(target.model)}\`; ${named} was not set`,
      { place: { key: 'mlflow-challenger-alias' }, hint: 'check the model name and version' },
    );
  }
  const before = await registry.resolveAlias(target.model, target.alias).catch(() => undefined);
  await state?.set(CHALLENGER_STATE, JSON.stringify(target));
  if (before?.version === target.version) {
    return `${registry.name}: ${named} already points at version ${target.version} (removed when the rollout ends).`;
  }
  await registry.setAlias(target.model, target.alias, target.version);
  return `${registry.name}: set ${named} to version ${target.version} for the rollout${before ? ` (it pointed at version ${before.version})` : ''}; removed when the rollout ends.`;
}

/**
 * Removes the challenger alias when the rollout is over (promoted, rolled back, aborted): only
 * while it still points at the rollout's version (someone may have moved it since). Clears the
 * state store's record; says what it did.
 */
async function removeChallengerAlias(
  target: PromoteAlias,
  maybeRegistry: ModelRegistry | undefined,
  state: StateStore | undefined,
): Promise<string> {
  const named = `\`${printable(target.model)}@${printable(target.alias)}\``;
  const registry = requireRegistry(maybeRegistry, named, 'mlflow-challenger-alias');
  const now = await registry.resolveAlias(target.model, target.alias);
  let said: string;
  if (!now) {
    said = `${registry.name}: ${named} is already gone.`;
  } else if (now.version !== target.version) {
    said = `${registry.name}: ${named} left in place: it now points at version ${now.version}, not the rollout's ${target.version}.`;
  } else {
    if (!registry.deleteAlias)
      throw new UsageError(`mlflow-challenger-alias: ${registry.name} cannot remove aliases`, {
        place: { key: 'mlflow-challenger-alias' },
      });
    await registry.deleteAlias(target.model, target.alias);
    said = `${registry.name}: removed ${named} (version ${target.version}): the rollout is over.`;
  }
  await state?.set(CHALLENGER_STATE, '');
  return said;
}

/**
 * The challenger's end as a report note: removal failing (the server down) is a warning, and the
 * record stays for `sluice rollout abort` or the post: step to try again; the rollout's own
 * verdict stands.
 */
export async function endChallenger(
  target: PromoteAlias,
  registry: ModelRegistry | undefined,
  state: StateStore | undefined,
): Promise<Note> {
  try {
    return { level: 'info', text: await removeChallengerAlias(target, registry, state) };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return {
      level: 'warning',
      text: `\`${printable(target.model)}@${printable(target.alias)}\` was not removed: ${why}; \`sluice rollout abort\` (or the post: step) tries again.`,
    };
  }
}
