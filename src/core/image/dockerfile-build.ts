import { basename } from 'node:path';
import { dockerBuild, dockerHistory, dockerPush } from '../../clients/docker/docker-build.js';
import { composeBuild } from '../../clients/docker/docker-compose.js';
import { UsageError } from '../errors.js';
import type { Exec } from '../ports.js';
import { formatImageRef, type ImageRef } from '../registry/reference.js';

export interface DockerfileBuildOptions {
  /** Runs the build and every other docker command but the push. */
  exec: Exec;
  /** Runs `docker push` (default: `exec`): the push may need credentials the build must not use. */
  pushExec?: Exec;
  /** Which credentials a push to `registry` uses, added to the hint of a failed push. */
  credentialsHint?: (registry: string) => string;
  context: string;
  dockerfile: string;
  /** Build this compose service instead of `dockerfile` (with `docker compose` or `docker-compose`). */
  compose?: { file: string; service?: string };
  /** Registry tags (pushed when `push`) and docker-daemon names (kept in the engine). */
  tags: readonly ImageRef[];
  outputs: readonly ImageRef[];
  push: boolean;
  labels: Record<string, string>;
  platform?: string;
  /** The model folder, to find the layer that holds it. */
  modelDir: string;
}

export interface DockerfileBuildResult {
  /** The registry's manifest digest when pushed, else the engine's image ID. */
  digest: string;
  imageId: string;
  size: number;
  layers: { title: string; size: number }[];
  /** The history step that copied the model in, and its size. */
  modelLayer?: { title: string; size: number };
  /** What built it: `docker build`, `docker compose` (v2) or `docker-compose` (v1). */
  builder: string;
}

/**
 * The Dockerfile path: `docker build` (or a compose project's build) with sluice's tags and
 * labels, then `docker push`.
 */
export async function buildWithDockerfile(
  options: DockerfileBuildOptions,
): Promise<DockerfileBuildResult> {
  const names: string[] = [];
  for (const ref of options.tags) names.push(formatImageRef(ref));
  for (const ref of options.outputs) {
    if (ref.transport !== 'docker-daemon') {
      throw new UsageError(
        `With a Dockerfile the image stays in the Docker engine; ${formatImageRef(ref)} is not supported`,
        {
          place: { key: 'output' },
          hint: 'Use docker-daemon:<name>:<tag>, or push with --tag … --push.',
        },
      );
    }
    names.push(ref.name);
  }
  if (names.length === 0) names.push(`sluice-build:${Date.now().toString(36)}`);
  const { imageId, builder } = options.compose
    ? await composeBuildTagged(
        options.exec,
        options.compose,
        names,
        options.labels,
        options.platform,
      )
    : {
        builder: 'docker build',
        imageId: await dockerBuild(options.exec, {
          context: options.context,
          dockerfile: options.dockerfile,
          tags: names,
          labels: options.labels,
          ...(options.platform ? { platform: options.platform } : {}),
        }),
      };
  const history = (await dockerHistory(options.exec, names[0]!)).reverse();
  const layers = history
    .filter((entry) => entry.size > 0)
    .map((entry) => ({ title: entry.createdBy, size: entry.size }));
  const modelName = basename(options.modelDir);
  const copies = layers.filter(
    (layer) => /\b(COPY|ADD)\b|copy|add/.test(layer.title) && layer.title.includes(modelName),
  );
  const modelLayer = copies[0] ?? [...layers].sort((a, b) => b.size - a.size)[0];
  let digest = imageId;
  if (options.push) {
    for (const ref of options.tags) {
      const hint =
        ref.transport === 'registry' ? options.credentialsHint?.(ref.registry) : undefined;
      digest = await dockerPush(options.pushExec ?? options.exec, formatImageRef(ref), hint);
    }
  }
  return {
    digest,
    imageId,
    size: layers.reduce((sum, layer) => sum + layer.size, 0),
    layers,
    builder,
    ...(modelLayer ? { modelLayer } : {}),
  };
}

/** Compose names one image per service: the other names are `docker tag`s of it. */
async function composeBuildTagged(
  exec: Exec,
  compose: { file: string; service?: string },
  names: readonly string[],
  labels: Record<string, string>,
  platform: string | undefined,
): Promise<{ imageId: string; builder: string }> {
  const { imageId, builder } = await composeBuild(exec, {
    file: compose.file,
    ...(compose.service ? { service: compose.service } : {}),
    image: names[0]!,
    labels,
    ...(platform ? { platform } : {}),
  });
  for (const name of names.slice(1)) await exec.run('docker', ['tag', names[0]!, name]);
  return { imageId, builder };
}
