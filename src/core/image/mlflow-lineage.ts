/**
 * build-image's opt-in write-back to the model registry (`mlflow-model-version`): the version is
 * read before the build, so the image's labels name it (and a typo is exit 2 with nothing built);
 * after the image is written, the version is tagged with where it went and its digest.
 *
 * A failure to tag after the image was pushed is exit 3 naming what was pushed and what was not
 * tagged: the push is not undone (a registry tag may already be in use), and the tags can be set
 * again by re-running or by hand.
 */
import { printable } from '../baseline/spec.js';
import { requireRegistry } from '../baseline/registry.js';
import { InfraError, SluiceError, UsageError } from '../errors.js';
import type { ModelRegistry, ModelVersionRef } from '../ports.js';

const KEY = 'mlflow-model-version';
const FORM = /^(?:models:\/)?(.+)\/([0-9]{1,12})$/;
const ALIAS_FORM = /^(?:models:\/)?([^@]+)@([A-Za-z0-9_-]{1,255})$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * The registered model and version (`churn/7`, `models:/churn/7`) or alias (`churn@champion`,
 * `models:/churn@champion`, as MLflow's model URIs write them) `mlflow-model-version` names.
 */
export function parseModelVersion(
  raw: string,
): { model: string; version: string } | { model: string; alias: string } {
  const text = raw.trim();
  const match = FORM.exec(text);
  const alias = match ? undefined : ALIAS_FORM.exec(text);
  const model = (match ?? alias)?.[1]?.trim();
  if (!model || CONTROL.test(text)) {
    throw new UsageError(`\`${KEY}: ${printable(text)}\` names no model version`, {
      place: { key: KEY },
      hint: 'write it as `<registered model>/<version>`, e.g. `churn/7` (or `models:/churn/7`), or `<model>@<alias>`, e.g. `churn@champion`',
    });
  }
  return match ? { model, version: match[2]! } : { model, alias: alias![2]! };
}

/** The version, read from the registry before anything is built; exit 2 when it does not exist. */
export async function readModelVersion(
  raw: string,
  maybeRegistry: ModelRegistry | undefined,
): Promise<ModelVersionRef> {
  const ref = parseModelVersion(raw);
  const registry = requireRegistry(maybeRegistry, `\`${printable(raw.trim())}\``, KEY);
  const found =
    'alias' in ref
      ? await registry.resolveAlias(ref.model, ref.alias)
      : await registry.getVersion(ref.model, ref.version);
  if (!found) {
    const missing =
      'alias' in ref
        ? `no alias \`${printable(ref.alias)}\` on \`${printable(ref.model)}\``
        : `no version ${ref.version} of \`${printable(ref.model)}\``;
    throw new UsageError(
      `\`${KEY}: ${printable(raw.trim())}\`: ${registry.name} has ${missing}; nothing was built`,
      {
        place: { key: KEY },
        hint:
          'alias' in ref
            ? 'check the registered model name and alias (the MLflow UI lists its aliases)'
            : 'check the registered model name and version',
      },
    );
  }
  return found;
}

/** What the labels say of the model once the registry's version is known. */
export interface RegistryModelFacts {
  name: string;
  version: string;
  mlflowRunId?: string;
  mlflowModelVersion: { model: string; version: string; modelId?: string };
}

/**
 * The version's facts for the labels: its name and version fill `model-name`/`model-version`
 * when they were not given, its run `mlflow-run-id`; a run id that contradicts it is exit 2.
 */
export function modelVersionFacts(
  version: ModelVersionRef,
  given: {
    name?: string | undefined;
    version?: string | undefined;
    mlflowRunId?: string | undefined;
  },
): RegistryModelFacts {
  if (given.mlflowRunId !== undefined && version.runId && given.mlflowRunId !== version.runId) {
    throw new UsageError(
      `mlflow-run-id ${printable(given.mlflowRunId)} is not the run of version ${version.version} of \`${printable(version.model)}\` (its run is ${version.runId}); the labels would contradict each other`,
      {
        place: { key: 'mlflow-run-id' },
        hint: 'leave mlflow-run-id out: the version names its run',
      },
    );
  }
  const runId = given.mlflowRunId ?? version.runId;
  return {
    name: given.name ?? version.model,
    version: given.version ?? version.version,
    ...(runId ? { mlflowRunId: runId } : {}),
    mlflowModelVersion: {
      model: version.model,
      version: version.version,
      ...(version.modelId ? { modelId: version.modelId } : {}),
    },
  };
}

/** Where the image went: the references that name it, its manifest digest, or the engine's ID. */
export interface WrittenImage {
  references: readonly string[];
  /** The manifest digest (daemonless, or pushed by the Docker engine). */
  digest?: string;
  /** The engine's image ID, when the Docker engine kept the image without pushing it. */
  imageId?: string;
  /** Whether any reference is in a registry (pushed), for the error after a failed tag. */
  pushed: boolean;
}

/** Tags the version with the image; returns what it changed, for the report. */
export async function tagModelVersionWithImage(
  version: ModelVersionRef,
  image: WrittenImage,
  maybeRegistry: ModelRegistry | undefined,
): Promise<{ text: string; tags: Record<string, string> }> {
  const registry = requireRegistry(maybeRegistry, 'tagging', KEY);
  const tags: Record<string, string> = {
    'sluice.image': image.references.join(', '),
    ...(image.digest ? { 'sluice.image-digest': image.digest } : {}),
    ...(image.imageId ? { 'sluice.image-id': image.imageId } : {}),
  };
  const list = Object.entries(tags)
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
  const named = `version ${version.version} of \`${printable(version.model)}\``;
  try {
    await registry.tagVersion(version, tags);
  } catch (error) {
    const what = image.pushed ? 'pushed' : 'written';
    const reason = error instanceof Error ? error.message : String(error);
    throw new InfraError(
      `The image was ${what} (${image.references.join(', ')}${image.digest ? `, ${image.digest}` : ''}) but ${named} was not tagged in ${registry.name}: ${reason}`,
      {
        place: { key: KEY },
        hint: `re-run build-image, or set the tags on the version by hand: ${list}${
          error instanceof SluiceError && error.hint ? `; ${error.hint}` : ''
        }`,
        cause: error,
      },
    );
  }
  return {
    text: `Labelled the image with ${named} and tagged it in ${registry.name}: ${list}.`,
    tags,
  };
}
