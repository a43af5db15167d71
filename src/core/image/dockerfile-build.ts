import { basename, resolve } from 'node:path';
import { dockerEngine } from '../commands/image-deps.js';
import type { BuildImageInputs } from '../commands/build-image.js';
import { UsageError } from '../errors.js';
import type { Clock, DockerCli } from '../ports.js';
import { formatImageRef, type ImageRef } from '../registry/reference.js';
import type { Report } from '../report/model.js';
import { plural } from '../text/plural.js';
import {
  imageName,
  modelLabels,
  optional,
  type BuildRequest,
  type BuiltImage,
} from './build-request.js';
import { formatBytes, imageRefsBlocks } from './command-support.js';
import { planDockerLogins } from './dockerfile-logins.js';

interface DockerfileBuildOptions {
  /** Runs the build and every other docker command but the push. */
  docker: DockerCli;
  /** Runs `docker push` (default: `docker`): the push may need credentials the build must not use. */
  pushDocker?: DockerCli;
  /** Names the image when nothing else does (`sluice-build:<time>`). */
  clock: Clock;
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

interface DockerfileBuildResult {
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
async function buildWithDockerfile(
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
  if (names.length === 0) names.push(`sluice-build:${options.clock.now().getTime().toString(36)}`);
  const { imageId, builder } = options.compose
    ? await composeBuildTagged(
        options.docker,
        options.compose,
        names,
        options.labels,
        options.platform,
      )
    : {
        builder: 'docker build',
        imageId: await options.docker.build({
          context: options.context,
          dockerfile: options.dockerfile,
          tags: names,
          labels: options.labels,
          ...(options.platform ? { platform: options.platform } : {}),
        }),
      };
  const history = (await options.docker.history(names[0]!)).reverse();
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
      digest = await (options.pushDocker ?? options.docker).push(formatImageRef(ref), hint);
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
  docker: DockerCli,
  compose: { file: string; service?: string },
  names: readonly string[],
  labels: Record<string, string>,
  platform: string | undefined,
): Promise<{ imageId: string; builder: string }> {
  const { imageId, builder } = await docker.composeBuild({
    file: compose.file,
    ...(compose.service ? { service: compose.service } : {}),
    image: names[0]!,
    labels,
    ...(platform ? { platform } : {}),
  });
  for (const name of names.slice(1)) await docker.tag(names[0]!, name);
  return { imageId, builder };
}

/**
 * The Dockerfile (or compose) path: the Docker engine builds the image with sluice's tags and
 * labels, each phase with the Docker logins it needs, and pushes it.
 */
export async function dockerfileBuild(request: BuildRequest): Promise<BuiltImage> {
  const { inputs, deps, tags, outputs, push } = request;
  const cwd = deps.run.cwd;
  const { labels } = await modelLabels(request);
  const compose = composeInput(inputs, cwd);
  const logins = await planDockerLogins(inputs, deps, pushedRegistries(request));
  const added = [...new Set([...logins.build, ...logins.push])];
  if (added.length > 0)
    deps.logger.info(
      `Docker logins added for this build: ${added.map((login) => `${login.registry} (${login.source})`).join(', ')}.`,
    );
  const result = await dockerEngine(deps).withLogins(logins, (cli) =>
    buildWithDockerfile({
      docker: cli.build,
      pushDocker: cli.push,
      clock: deps.clock,
      credentialsHint: (registry) => logins.describe(registry),
      context: resolve(cwd, inputs.context),
      dockerfile: resolve(cwd, inputs.dockerfile ?? 'Dockerfile'),
      ...optional('compose', compose),
      tags,
      outputs,
      push,
      labels,
      modelDir: resolve(cwd, inputs.model),
      ...optional('platform', inputs.platform),
    }),
  );
  const image = imageName(request) ?? result.imageId;
  const report = dockerfileReport(result, image, push);
  // Pushed, the registry's manifest digest names it; else the engine keeps it under its names.
  const references = [
    ...tags.map((ref) => (push ? formatImageRef(ref) : `docker-daemon:${formatImageRef(ref)}`)),
    ...outputs.map(formatImageRef),
  ];
  return {
    result: { report, outputs: { digest: result.digest, image } },
    written: {
      references: references.length > 0 ? references : [result.imageId],
      ...(push ? { digest: result.digest } : { imageId: result.imageId }),
      pushed: push,
    },
  };
}

/** The registries `docker push` writes to: none without --push. */
function pushedRegistries(request: BuildRequest): Set<string> {
  if (!request.push) return new Set();
  return new Set(
    request.tags.flatMap((ref) => (ref.transport === 'registry' ? [ref.registry] : [])),
  );
}

function composeInput(
  inputs: BuildImageInputs,
  cwd: string,
): { file: string; service?: string } | undefined {
  const file = inputs['compose-file'];
  if (!file) {
    if (inputs.service)
      throw new UsageError('service needs compose-file', { place: { key: 'service' } });
    return undefined;
  }
  if (inputs.dockerfile)
    throw new UsageError('Give dockerfile or compose-file, not both', {
      place: { key: 'compose-file' },
      hint: 'The compose file names its own Dockerfile in `build:`.',
    });
  return { file: resolve(cwd, file), ...optional('service', inputs.service) };
}

function dockerfileReport(result: DockerfileBuildResult, image: string, push: boolean): Report {
  const layers = result.layers.map((layer) => ({ title: layer.title, size: layer.size }));
  return {
    command: 'build-image',
    key: 'build-image',
    title: 'Model image (Dockerfile)',
    verdict: 'pass',
    summary: `Built the image with ${result.builder}: ${plural(layers.length, 'layer')}, ${formatBytes(result.size)}${
      result.modelLayer
        ? `; the model is in the layer made by \`${result.modelLayer.title.slice(0, 120)}\` (${formatBytes(result.modelLayer.size)})`
        : ''
    }.`,
    notes: [],
    sections: [
      {
        title: 'Image',
        blocks: imageRefsBlocks(result.digest, [], [], [image]),
      },
      {
        title: 'Layers',
        blocks: [
          {
            type: 'table',
            columns: [{ title: 'Step' }, { title: 'Size', align: 'right' }, { title: 'Model' }],
            rows: layers.map((layer) => [
              { text: layer.title.slice(0, 200), code: true },
              formatBytes(layer.size),
              result.modelLayer?.title === layer.title ? { status: 'info', label: 'model' } : '',
            ]),
          },
        ],
      },
    ],
    tests: [],
    measurements: [
      { name: 'image_size_bytes', value: result.size, help: 'Bytes of the image layers' },
    ],
    outputs: { digest: result.digest, image },
    data: {
      digest: result.digest,
      image,
      size: result.size,
      layers,
      imageId: result.imageId,
      modelLayer: result.modelLayer,
      pushed: push,
    },
  };
}
