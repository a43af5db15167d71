import { resolve } from 'node:path';
import type { BuildImageInputs } from '../commands/build-image.js';
import type { CommandDeps, CommandResult } from '../commands/types.js';
import { UsageError } from '../errors.js';
import { formatImageRef, type ImageRef } from '../registry/reference.js';
import { checkAttachFiles, parseRefs } from './command-support.js';
import { refuseDaemonlessInputs } from './dockerfile-inputs.js';
import { imageLabels, readGitFacts, withCiFacts, type GitFacts } from './labels.js';
import type { RegistryModelFacts, WrittenImage } from './mlflow-lineage.js';
import { checkEnv, checkImagePath, checkPort } from './runtime-inputs.js';
import { currentBranch, expandTagTemplates } from './tag-templates.js';

/** What one build was asked for, after the inputs are checked; both build paths take it. */
export interface BuildRequest {
  inputs: BuildImageInputs;
  deps: CommandDeps;
  git: GitFacts;
  /** The Dockerfile or compose file, when the Docker engine builds the image. */
  dockerfile: string | undefined;
  tags: readonly ImageRef[];
  outputs: readonly ImageRef[];
  push: boolean;
  tagTexts: readonly string[];
  modelVersion: string | undefined;
  runtime: RuntimeInputs;
  /** The `attach` files, absolute, checked readable. */
  attachFiles: readonly string[];
  /** The MLflow model version (`mlflow-model-version`), read before the build, for the labels. */
  registryModel?: RegistryModelFacts;
}

/** A build's result, and where the image went (what write-back to the model registry names). */
export interface BuiltImage {
  result: CommandResult;
  written: WrittenImage;
}

/** The image settings given by hand, checked before anything is read or pushed. */
interface RuntimeInputs {
  modelPath: string;
  codePath: string;
  env: string[];
  port: string | undefined;
}

/**
 * Reads and checks build-image's inputs, before anything is built or pushed: the tags (their
 * templates expanded), the outputs, --push, the `attach` files and the runtime settings.
 */
export async function readBuildRequest(
  inputs: BuildImageInputs,
  deps: CommandDeps,
  /** The MLflow version `mlflow-model-version` resolves to (read once, when a tag needs it). */
  registryVersion?: () => Promise<string>,
): Promise<BuildRequest> {
  const cwd = deps.run.cwd;
  const dockerfile = inputs.dockerfile ?? inputs['compose-file'];
  // First, before any other check: the answer to an ignored input is to leave it out.
  if (dockerfile)
    refuseDaemonlessInputs(
      inputs,
      inputs.dockerfile ? 'dockerfile' : 'compose-file',
      deps.def?.inputs,
    );
  const git = withCiFacts(await readGitFacts(deps.exec, cwd), deps.run);
  if (git.source === undefined && git.sourceLeftOut)
    deps.logger.info(`No org.opencontainers.image.source label: ${git.sourceLeftOut}`);
  const tagTemplates = inputs.tag ?? [];
  // `{model-version}` is the label's version: `model-version` when given, else the version
  // MLflow resolved `mlflow-model-version` to (`churn@champion` → the version behind the alias).
  const modelVersion =
    inputs['model-version'] ??
    (registryVersion && tagTemplates.some((tag) => tag.includes('{model-version}'))
      ? await registryVersion()
      : undefined);
  const tagTexts = tagTemplates.some((tag) => tag.includes('{'))
    ? expandTagTemplates(tagTemplates, {
        // On a pull/merge request this is the head commit the author pushed (see withCiFacts),
        // the same commit the revision label names.
        sha: git.revision,
        branch: tagTemplates.some((tag) => tag.includes('{branch}'))
          ? await currentBranch(deps.run, deps.exec, cwd)
          : undefined,
        modelVersion,
      })
    : tagTemplates;
  const { tags, outputs, push } = destinations(inputs, tagTexts);
  const attachFiles = (inputs.attach ?? []).map((file) => resolve(cwd, file));
  if (attachFiles.length > 0 && !push) {
    throw new UsageError('attach needs --push: artifacts are attached in a registry', {
      place: { key: 'attach' },
    });
  }
  // Checked before anything is built or pushed: a missing file must not leave a pushed tag behind.
  await checkAttachFiles(attachFiles, {
    root: cwd,
    followOutside: inputs['follow-links-outside'],
  });
  return {
    inputs,
    deps,
    git,
    dockerfile,
    tags,
    outputs,
    push,
    tagTexts,
    modelVersion,
    runtime: runtimeInputs(inputs),
    attachFiles,
  };
}

/** --tag names registry tags (pushed with --push), --output layouts, archives and the daemon. */
function destinations(
  inputs: BuildImageInputs,
  tagTexts: readonly string[],
): { tags: ImageRef[]; outputs: ImageRef[]; push: boolean } {
  const tags = parseRefs(tagTexts, 'tag');
  const outputs = parseRefs(inputs.output ?? [], 'output');
  for (const ref of tags) {
    if (ref.transport !== 'registry') {
      throw new UsageError(`tag ${formatImageRef(ref)} is not a registry reference`, {
        place: { key: 'tag' },
        hint: 'Write OCI layouts and archives with --output.',
      });
    }
  }
  for (const ref of outputs) {
    if (ref.transport === 'registry' || ref.transport === 'scratch') {
      throw new UsageError(
        `output ${formatImageRef(ref)} is not an OCI layout, archive or daemon`,
        { place: { key: 'output' }, hint: 'Push to registries with --tag … --push.' },
      );
    }
  }
  const push = inputs.push;
  if (push && tags.length === 0)
    throw new UsageError('--push needs at least one --tag naming a registry', {
      place: { key: 'tag' },
    });
  return { tags, outputs, push };
}

function runtimeInputs(inputs: BuildImageInputs): RuntimeInputs {
  const port = inputs.port;
  return {
    modelPath: checkImagePath(inputs['model-path'], 'model-path'),
    codePath: checkImagePath(inputs['code-path'], 'code-path'),
    env: checkEnv(inputs.env ?? []),
    port: port === undefined ? undefined : checkPort(port),
  };
}

/** The config's `created` time and the OCI and model labels, the same on both build paths. */
export async function modelLabels(
  request: BuildRequest,
): Promise<{ created: string; labels: Record<string, string> }> {
  const { inputs, deps, git, modelVersion, registryModel } = request;
  const cwd = deps.run.cwd;
  const created = createdTime(inputs, git, deps.logger);
  const labels = await imageLabels(
    created,
    git,
    {
      ...optional('name', registryModel?.name ?? inputs['model-name']),
      ...optional('version', registryModel?.version ?? modelVersion),
      ...optional('mlflowRunId', registryModel?.mlflowRunId ?? inputs['mlflow-run-id']),
      ...optional('mlflowModelVersion', registryModel?.mlflowModelVersion),
      ...optional('metricsFile', absolute(cwd, inputs['metrics-file'])),
      ...optional('datasetFile', absolute(cwd, inputs['dataset-file'])),
    },
    inputs.labels ?? [],
  );
  return { created, labels };
}

/** `created` comes from SOURCE_DATE_EPOCH (through the input), else the commit: never the clock. */
function createdTime(
  inputs: BuildImageInputs,
  git: GitFacts,
  logger: { warn(message: string): void },
): string {
  const epoch = inputs['source-date-epoch'];
  if (epoch !== undefined) {
    if (!Number.isInteger(epoch) || epoch < 0)
      throw new UsageError('source-date-epoch must be whole seconds since 1970', {
        place: { key: 'source-date-epoch' },
      });
    return new Date(epoch * 1000).toISOString().replace('.000Z', 'Z');
  }
  if (git.commitTime !== undefined)
    return new Date(git.commitTime * 1000).toISOString().replace('.000Z', 'Z');
  logger.warn(
    'No SOURCE_DATE_EPOCH and no commit time (from git, or the CI): the image says it was created in 1970, so rebuilds still match.',
  );
  return '1970-01-01T00:00:00Z';
}

/** The name the report and the `image` output use: the first tag, else the first output. */
export function imageName(request: BuildRequest): string | undefined {
  const output = request.outputs[0];
  return request.tagTexts[0] ?? (output ? formatImageRef(output) : undefined);
}

export function absolute(cwd: string, path: string | undefined): string | undefined {
  return path === undefined ? undefined : resolve(cwd, path);
}

export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
