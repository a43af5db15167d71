import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildImage, type BuildResult } from '../image/build.js';
import {
  attachToRegistries,
  formatBytes,
  listInput,
  numberInput,
  parallelInput,
  parseRefs,
  progressReporter,
  shortDigest,
  stringInput,
  transportDeps,
} from '../image/command-support.js';
import { imageLabels, readGitFacts, type GitFacts } from '../image/labels.js';
import { buildWithDockerfile } from '../image/dockerfile-build.js';
import { LayerCache } from '../image/layer-cache.js';
import { parsePlatform } from '../image/platform.js';
import { openSinks, openSource, type TransportDeps } from '../image/transports.js';
import type { ImageSource } from '../registry/model.js';
import { UsageError } from '../errors.js';
import { formatImageRef, type ImageRef } from '../registry/reference.js';
import type { Report } from '../report/model.js';
import type { CommandDeps, CommandImpl, CommandResult, Inputs, RunContext } from './types.js';

export const buildImageCommand: CommandImpl = async (inputs, deps) => {
  const cwd = deps.run.cwd;
  const git = await readGitFacts(deps.exec, cwd);
  const modelVersion = stringInput(inputs, 'model-version');
  const tagTexts = await expandTags(
    listInput(inputs, 'tag'),
    git,
    deps.run,
    modelVersion,
    deps.exec,
    cwd,
  );
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
  const dockerfile = stringInput(inputs, 'dockerfile') ?? stringInput(inputs, 'compose-file');
  const request: BuildRequest = { inputs, deps, git, tags, outputs, push, tagTexts, modelVersion };
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
  const codePath = stringInput(inputs, 'code-path') ?? '/opt/app';
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
    modelTarget: stringInput(inputs, 'model-path') ?? '/opt/model',
    ...optional('codeDir', code),
    codeTarget: codePath,
    runtime: {
      ...optional('entrypoint', words(stringInput(inputs, 'entrypoint'), 'entrypoint')),
      ...optional('cmd', words(stringInput(inputs, 'cmd'), 'cmd')),
      env: listInput(inputs, 'env'),
      ...optional('port', stringInput(inputs, 'port')),
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
  const image = imageName(request) ?? result.digest;
  const report = buildReport(result, image, destinationRefs, push);
  if (attached.length > 0) report.data['attached'] = attached;
  return { report, outputs: { digest: result.digest, image } };
}

function buildReport(
  result: BuildResult,
  image: string,
  destinations: readonly ImageRef[],
  pushed: boolean,
): Report {
  const sent = Object.values(result.uploaded).reduce((sum, bytes) => sum + bytes, 0);
  const where =
    destinations.length > 0
      ? `; wrote ${formatBytes(sent)} to ${destinations.map(formatImageRef).join(', ')}`
      : ' (not written anywhere: give --push or --output)';
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
    summary: `Built ${image} ${result.digest}: ${result.layers.length} layers, ${formatBytes(result.size)}${where}.`,
    notes: [],
    sections: [
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
        name: 'sluice_image_size_bytes',
        value: result.size,
        help: 'Bytes of the image config and layers',
      },
      {
        name: 'sluice_image_bytes_written',
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
      pushed,
      destinations: destinations.map(formatImageRef),
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
    'No SOURCE_DATE_EPOCH and no git commit: the image says it was created in 1970, so rebuilds still match.',
  );
  return '1970-01-01T00:00:00Z';
}

async function expandTags(
  tags: readonly string[],
  git: GitFacts,
  run: RunContext,
  modelVersion: string | undefined,
  exec: {
    run: (
      c: string,
      a: readonly string[],
      o?: { cwd?: string; allowFailure?: boolean },
    ) => Promise<{ exitCode: number; stdout: string }>;
  },
  cwd: string,
): Promise<string[]> {
  if (!tags.some((tag) => tag.includes('{'))) return [...tags];
  const sha = run.changeRequest?.headSha ?? git.revision;
  const branchResult = await exec
    .run('git', ['rev-parse', '--abbrev-ref', 'HEAD'], { cwd, allowFailure: true })
    .catch(() => undefined);
  const branch = branchResult?.exitCode === 0 ? branchResult.stdout.trim() : undefined;
  const values: Record<string, string | undefined> = {
    sha,
    'short-sha': sha?.slice(0, 7),
    branch:
      branch && branch !== 'HEAD' ? branch.replace(/[^\w.-]+/g, '-').slice(0, 128) : undefined,
    'model-version': modelVersion,
  };
  return tags.map((tag) =>
    tag.replace(/\{([\w-]+)\}/g, (_match, name: string) => {
      const value = values[name];
      if (value === undefined) {
        throw new UsageError(`tag ${tag} uses {${name}}, which is not known here`, {
          place: { key: 'tag' },
          hint:
            name in values
              ? 'It needs a git checkout (or --model-version).'
              : 'Known: {sha}, {short-sha}, {branch}, {model-version}.',
        });
      }
      return value;
    }),
  );
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
  const result = await buildWithDockerfile({
    exec: deps.exec,
    context: absolute(cwd, stringInput(inputs, 'context') ?? '.')!,
    dockerfile: absolute(cwd, stringInput(inputs, 'dockerfile') ?? 'Dockerfile')!,
    ...optional('compose', composeInput(inputs, cwd)),
    tags,
    outputs,
    push,
    labels,
    modelDir: absolute(cwd, stringInput(inputs, 'model'))!,
    ...optional('platform', stringInput(inputs, 'platform')),
  });
  const image = imageName(request) ?? result.imageId;
  const layers = result.layers.map((layer) => ({ title: layer.title, size: layer.size }));
  const report: Report = {
    command: 'build-image',
    key: 'build-image',
    title: 'Model image (Dockerfile)',
    verdict: 'pass',
    summary: `Built ${image} ${result.digest} with ${result.builder}: ${layers.length} layers, ${formatBytes(result.size)}${
      result.modelLayer
        ? `; the model is in the layer made by \`${result.modelLayer.title.slice(0, 120)}\` (${formatBytes(result.modelLayer.size)})`
        : ''
    }.`,
    notes: [],
    sections: [
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
      { name: 'sluice_image_size_bytes', value: result.size, help: 'Bytes of the image layers' },
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
