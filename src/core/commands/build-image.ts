import { readBuildRequest } from '../image/build-request.js';
import { daemonlessBuild } from '../image/daemonless-build.js';
import { dockerfileBuild } from '../image/dockerfile-build.js';
import type { CommandImpl } from './types.js';

/**
 * Builds the model image: with a Dockerfile or compose file the Docker engine builds it, else
 * sluice writes it without a daemon. The inputs are read and checked first, for both.
 */
export const buildImageCommand: CommandImpl = async (inputs, deps) => {
  const request = await readBuildRequest(inputs, deps);
  return request.dockerfile ? dockerfileBuild(request) : daemonlessBuild(request);
};
