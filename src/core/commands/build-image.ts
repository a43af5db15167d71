import type { buildImage } from '../../inputs/build-image.js';
import type { InputsOf } from '../../inputs/types.js';
import { readBuildRequest } from '../image/build-request.js';
import { daemonlessBuild } from '../image/daemonless-build.js';
import { dockerfileBuild } from '../image/dockerfile-build.js';
import type { CommandImpl } from './types.js';

/** build-image's inputs, typed by their one definition (defaults filled in by the parser). */
export type BuildImageInputs = InputsOf<typeof buildImage>;

/**
 * Builds the model image: with a Dockerfile or compose file the Docker engine builds it, else
 * sluice writes it without a daemon. The inputs are read and checked first, for both.
 */
export const buildImageCommand: CommandImpl<BuildImageInputs> = async (inputs, deps) => {
  const request = await readBuildRequest(inputs, deps);
  return request.dockerfile ? dockerfileBuild(request) : daemonlessBuild(request);
};
