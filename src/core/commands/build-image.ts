import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildImage, type BuildResult } from '../image/build.js';
import {
  attachToRegistries,
  checkAttachFiles,
  formatBytes,
  imageRefsBlocks,
  listInput,
  numberInput,
  parallelInput,
  parseRefs,
  progressReporter,
  shortDigest,
  stringInput,
  transportDeps,
} from '../image/command-support.js';
import { imageLabels, readGitFacts, withCiFacts, type GitFacts } from '../image/labels.js';
import { buildWithDockerfile } from '../image/dockerfile-build.js';
import { refuseDaemonlessInputs } from '../image/dockerfile-inputs.js';
import { planDockerLogins } from '../image/dockerfile-logins.js';
import { withDockerLogins } from '../../clients/docker/docker-login-config.js';
import { LayerCache } from '../image/layer-cache.js';
import { FOLLOW_OUTSIDE_INPUT } from '../image/local-files.js';
import { parsePlatform } from '../image/platform.js';
import { checkEnv, checkImagePath, checkPort } from '../image/runtime-inputs.js';
import { currentBranch, expandTagTemplates } from '../image/tag-templates.js';
import { openSinks, openSource, type TransportDeps } from '../image/transports.js';
import type { ImageSource } from '../registry/model.js';
import { UsageError } from '../errors.js';
import { formatImageRef, type ImageRef } from '../registry/reference.js';
import type { Report } from '../report/model.js';
import type { CommandDeps, CommandImpl, CommandResult, Inputs } from './types.js';
import { plural } from '../text/plural.js';

export const buildImageCommand: CommandImpl = async (inputs, deps) => {
  const cwd = deps.run.cwd;
  const dockerfile = stringInput(inputs, 'dockerfile') ?? stringInput(inputs, 'compose-file');
  // First, before any other check: the answer to an ignored input is to leave it out.
  if (dockerfile)
    refuseDaemonlessInputs(
      inputs,
      stringInput(inputs, 'dockerfile') ? 'dockerfile' : 'compose-file',
    );
  const git = withCiFacts(await readGitFacts(deps.exec, cwd), deps.run);
  const modelVersion = stringInput(inputs, 'model-version');
  const tagTemplates = listInput(inputs, 'tag');
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
  const tags = parseRefs(tagTexts, 'tag');
  const outputs = parseRefs(listInput(inputs, 'output'), 'output');
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
  const push = inputs['push'] === true;
  if (push && tags.length === 0)
    throw new UsageError('--push needs at least one --tag naming a registry', {
      place: { key: 'tag' },
    });

  const attachFilesList = listInput(inputs, 'attach').map((file) => resolve(cwd, file));
  if (attachFilesList.length > 0 && !push) {
    throw new UsageError('attach needs --push: artifacts are attached in a registry', {
      place: { key: 'attach' },
    });
  }
  // Checked before anything is built or pushed: a missing file must not leave a pushed tag behind.
  await checkAttachFiles(attachFilesList, {
    root: cwd,
    followOutside: inputs[FOLLOW_OUTSIDE_INPUT] === true,
  });
  const runtime = runtimeInputs(inputs);
  const request: BuildRequest = {
    inputs,
    deps,
    git,
    tags,
    outputs,
    push,
    tagTexts,
    modelVersion,
    runtime,
  };
  if (dockerfile) return dockerfileCommand(request);
  const destinations = new Set(
    tags.flatMap((ref) => (ref.transport === 'registry' ? [ref.registry] : [])),
  );
  const transport = transportDeps(inputs, deps, destinations);
  const baseRef = parseRefs([stringInput(inputs, 'base') ?? 'scratch'], 'base')[0]!;
  const base = await openSource(baseRef, transport, 'base');
  try {
    return await daemonlessBuild(request, { transport, base, attachFilesList });
  } finally {
    await base?.close?.();
  }
};

async function daemonlessBuild(
  request: BuildRequest,
  context: {
    transport: TransportDeps;
    base: ImageSource | undefined;
    attachFilesList: string[];
  },
): Promise<CommandResult> {
  const { inputs, deps, tags, outputs, push } = request;
  const cwd = deps.run.cwd;
  const { transport, base, attachFilesList } = context;
  const destinationRefs: ImageRef[] = [...(push ? tags : []), ...outputs];
  const targets = await openSinks(destinationRefs, transport, push ? 'tag' : 'output');

  const { created, labels } = await modelLabels(request);
  const code = absolute(cwd, stringInput(inputs, 'code'));
  const { modelPath, codePath, env, port } = request.runtime;
  const level = numberInput(inputs, 'compression-level', 1);
  if (!Number.isInteger(level) || level < 1 || level > 9)
    throw new UsageError('compression-level must be 1 to 9', {
      place: { key: 'compression-level' },
    });
  const cacheInput = stringInput(inputs, 'cache-dir');
  const cacheDir =
    cacheInput === 'none'
      ? undefined
      : (absolute(cwd, cacheInput) ?? join(homedir(), '.cache', 'sluice'));

  const result = await buildImage({
    base,
    platform: parsePlatform(stringInput(inputs, 'platform') ?? 'linux/amd64'),
    modelDir: absolute(cwd, stringInput(inputs, 'model'))!,
    modelTarget: modelPath,
    ...optional('codeDir', code),
    codeTarget: codePath,
    followLinksOutside: inputs[FOLLOW_OUTSIDE_INPUT] === true,
    runtime: {
      ...optional('entrypoint', words(stringInput(inputs, 'entrypoint'), 'entrypoint')),
      ...optional('cmd', words(stringInput(inputs, 'cmd'), 'cmd')),
      env,
      ...optional('port', port),
      ...optional('workdir', stringInput(inputs, 'workdir') ?? (code ? codePath : undefined)),
      ...optional('user', stringInput(inputs, 'user')),
      labels,
    },
    created,
    compressionLevel: level,
    cache: new LayerCache(cacheDir),
    targets,
    parallel: parallelInput(inputs),
    logger: deps.logger,
    progress: progressReporter(deps.logger, deps.clock, 'written'),
  });
  const attached = await attachToRegistries(targets, result.manifest, attachFilesList, created);
  // Only a destination the image reached names it: a tag given without --push was not pushed.
  const written = destinationRefs[0];
  const image = written ? formatImageRef(written) : result.digest;
  const unpushed = push ? [] : request.tagTexts;
  if (unpushed.length > 0)
    deps.logger.warn(
      `${plural(unpushed.length, 'tag')} given without --push: not pushed (${unpushed.join(', ')}).`,
    );
  const report = buildReport(result, image, destinationRefs, unpushed);
  if (attached.length > 0) report.data['attached'] = attached;
  return { report, outputs: { digest: result.digest, image } };
}

function buildReport(
  result: BuildResult,
  image: string,
  destinations: readonly ImageRef[],
  unpushed: readonly string[],
): Report {
  const sent = Object.values(result.uploaded).reduce((sum, bytes) => sum + bytes, 0);
  const pushed = destinations.filter((ref) => ref.transport === 'registry');
  // References stay out of the summary: escaped prose breaks them when copied; the code
  // blocks below hold them as they are.
  const where =
    destinations.length > 0
      ? `; wrote ${formatBytes(sent)} to ${plural(destinations.length, 'destination')}`
      : '; not written anywhere (give --push or --output)';
  const notPushed =
    unpushed.length > 0 ? `; ${plural(unpushed.length, 'tag')} not pushed (no --push)` : '';
  const layers = result.layers.map((layer) => ({
    digest: layer.digest,
    size: layer.size,
    mediaType: layer.mediaType,
    title: layer.title,
  }));
  return {
    command: 'build-image',
    key: 'build-image',
    title: 'Model image',
    verdict: 'pass',
    summary: `Built the image: ${plural(result.layers.length, 'layer')}, ${formatBytes(result.size)}${where}${notPushed}.`,
    notes:
      unpushed.length > 0
        ? [
            {
              level: 'warning',
              text: 'The tags were not pushed: --tag names registry tags, which are pushed only with --push.',
            },
          ]
        : [],
    sections: [
      {
        title: 'Image',
        blocks: imageRefsBlocks(result.digest, destinations, unpushed),
      },
      {
        title: 'Layers',
        blocks: [
          {
            type: 'table',
            columns: [{ title: 'Layer' }, { title: 'Digest' }, { title: 'Size', align: 'right' }],
            rows: result.layers.map((layer) => [
              layer.title,
              { text: shortDigest(layer.digest), code: true },
              formatBytes(layer.size),
            ]),
          },
        ],
      },
    ],
    tests: [],
    measurements: [
      {
        name: 'image_size_bytes',
        value: result.size,
        help: 'Bytes of the image config and layers',
      },
      {
        name: 'image_bytes_written',
        value: sent,
        help: 'Bytes written to the destinations (0 when they had every blob)',
      },
    ],
    outputs: { digest: result.digest, image },
    data: {
      digest: result.digest,
      image,
      size: result.size,
      layers,
      pushed: pushed.length > 0,
      destinations: destinations.map(formatImageRef),
      ...(unpushed.length > 0 ? { unpushedTags: [...unpushed] } : {}),
      written: result.uploaded,
    },
  };
}

/** `created` comes from SOURCE_DATE_EPOCH (through the input), else the commit: never the clock. */
function createdTime(
  inputs: Inputs,
  git: GitFacts,
  logger: { warn(message: string): void },
): string {
  const epoch = inputs['source-date-epoch'];
  if (typeof epoch === 'number') {
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

function words(text: string | undefined, key: string): string[] | undefined {
  if (text === undefined) return undefined;
  if (text.trim().startsWith('[')) {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')) return parsed;
    } catch {
      // fall through to the error
    }
    throw new UsageError(`${key} is not a JSON array of strings`, {
      place: { key },
      hint: 'e.g. ["python","-m","serve"]',
    });
  }
  return text.trim().split(/\s+/);
}

function absolute(cwd: string, path: string | undefined): string | undefined {
  return path === undefined ? undefined : resolve(cwd, path);
}

/** What one build was asked for, after the inputs are checked; both build paths take it. */
interface BuildRequest {
  inputs: Inputs;
  deps: CommandDeps;
  git: GitFacts;
  tags: readonly ImageRef[];
  outputs: readonly ImageRef[];
  push: boolean;
  tagTexts: readonly string[];
  modelVersion: string | undefined;
  runtime: RuntimeInputs;
}

/** The image settings given by hand, checked before anything is read or pushed. */
interface RuntimeInputs {
  modelPath: string;
  codePath: string;
  env: string[];
  port: string | undefined;
}

function runtimeInputs(inputs: Inputs): RuntimeInputs {
  const port = stringInput(inputs, 'port');
  return {
    modelPath: checkImagePath(stringInput(inputs, 'model-path') ?? '/opt/model', 'model-path'),
    codePath: checkImagePath(stringInput(inputs, 'code-path') ?? '/opt/app', 'code-path'),
    env: checkEnv(listInput(inputs, 'env')),
    port: port === undefined ? undefined : checkPort(port),
  };
}

/** The name the report and the `image` output use: the first tag, else the first output. */
function imageName(request: BuildRequest): string | undefined {
  const output = request.outputs[0];
  return request.tagTexts[0] ?? (output ? formatImageRef(output) : undefined);
}

/** The config's `created` time and the OCI and model labels, the same on both build paths. */
async function modelLabels(
  request: BuildRequest,
): Promise<{ created: string; labels: Record<string, string> }> {
  const { inputs, deps, git, modelVersion } = request;
  const cwd = deps.run.cwd;
  const created = createdTime(inputs, git, deps.logger);
  const labels = await imageLabels(
    created,
    git,
    {
      ...optional('name', stringInput(inputs, 'model-name')),
      ...optional('version', modelVersion),
      ...optional('mlflowRunId', stringInput(inputs, 'mlflow-run-id')),
      ...optional('metricsFile', absolute(cwd, stringInput(inputs, 'metrics-file'))),
      ...optional('datasetFile', absolute(cwd, stringInput(inputs, 'dataset-file'))),
    },
    listInput(inputs, 'labels'),
  );
  return { created, labels };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

async function dockerfileCommand(request: BuildRequest): Promise<CommandResult> {
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
  const result = await withDockerLogins(deps.exec, logins, (execs) =>
    buildWithDockerfile({
      exec: execs.build,
      pushExec: execs.push,
      credentialsHint: (registry) => logins.describe(registry),
      context: absolute(cwd, stringInput(inputs, 'context') ?? '.')!,
      dockerfile: absolute(cwd, stringInput(inputs, 'dockerfile') ?? 'Dockerfile')!,
      ...optional('compose', compose),
      tags,
      outputs,
      push,
      labels,
      modelDir: absolute(cwd, stringInput(inputs, 'model'))!,
      ...optional('platform', stringInput(inputs, 'platform')),
    }),
  );
  const image = imageName(request) ?? result.imageId;
  const layers = result.layers.map((layer) => ({ title: layer.title, size: layer.size }));
  const report: Report = {
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
  return { report, outputs: { digest: result.digest, image } };
}

/** The registries `docker push` writes to: none without --push. */
function pushedRegistries(request: BuildRequest): Set<string> {
  if (!request.push) return new Set();
  return new Set(
    request.tags.flatMap((ref) => (ref.transport === 'registry' ? [ref.registry] : [])),
  );
}

function composeInput(inputs: Inputs, cwd: string): { file: string; service?: string } | undefined {
  const file = stringInput(inputs, 'compose-file');
  if (!file) {
    if (stringInput(inputs, 'service'))
      throw new UsageError('service needs compose-file', { place: { key: 'service' } });
    return undefined;
  }
  if (stringInput(inputs, 'dockerfile'))
    throw new UsageError('Give dockerfile or compose-file, not both', {
      place: { key: 'compose-file' },
      hint: 'The compose file names its own Dockerfile in `build:`.',
    });
  return { file: resolve(cwd, file), ...optional('service', stringInput(inputs, 'service')) };
}
