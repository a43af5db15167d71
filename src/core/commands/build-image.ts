import type { buildImage } from '../../inputs/build-image.js';
import type { InputsOf } from '../../inputs/types.js';
import { UsageError } from '../errors.js';
import type { ModelVersionRef } from '../ports.js';
import { readBuildRequest, type BuildRequest } from '../image/build-request.js';
import { daemonlessBuild } from '../image/daemonless-build.js';
import { dockerfileBuild } from '../image/dockerfile-build.js';
import {
  modelVersionFacts,
  parseModelVersion,
  readModelVersion,
  tagModelVersionWithImage,
} from '../image/mlflow-lineage.js';
import type { CommandImpl } from './types.js';

/** build-image's inputs, typed by their one definition (defaults filled in by the parser). */
export type BuildImageInputs = InputsOf<typeof buildImage>;

/**
 * Builds the model image: with a Dockerfile or compose file the Docker engine builds it, else
 * sluice writes it without a daemon. The inputs are read and checked first, for both. With
 * `mlflow-model-version`, the version is read from MLflow before the build (the labels name it)
 * and tagged with the image after it was written.
 */
export const buildImageCommand: CommandImpl<BuildImageInputs> = async (inputs, deps) => {
  const lineage = inputs['mlflow-model-version'];
  if (lineage === undefined) return (await build(await readBuildRequest(inputs, deps))).result;
  parseModelVersion(lineage);
  // Read once: a `{model-version}` tag may need it while the inputs are read, the labels after.
  let reading: Promise<ModelVersionRef> | undefined;
  const readVersion = () => (reading ??= readModelVersion(lineage, deps.modelRegistry));
  const request = await readBuildRequest(inputs, deps, async () => (await readVersion()).version);
  if (!request.dockerfile && !request.push && request.outputs.length === 0) {
    throw new UsageError(
      'mlflow-model-version tags the version with where the image went, and it goes nowhere',
      {
        place: { key: 'mlflow-model-version' },
        hint: 'give --tag … --push or --output, or leave mlflow-model-version out',
      },
    );
  }
  const version = await readVersion();
  const registryModel = modelVersionFacts(version, {
    name: inputs['model-name'],
    version: request.modelVersion,
    mlflowRunId: inputs['mlflow-run-id'],
  });
  const { result, written } = await build({ ...request, registryModel });
  const changed = await tagModelVersionWithImage(version, written, deps.modelRegistry);
  if (result.report) {
    result.report.notes.push({ level: 'info', text: changed.text });
    result.report.data['mlflow'] = {
      model: version.model,
      version: version.version,
      tags: changed.tags,
      ...(version.url ? { url: version.url } : {}),
    };
  }
  return result;
};

function build(request: BuildRequest) {
  return request.dockerfile ? dockerfileBuild(request) : daemonlessBuild(request);
}
