import { join, resolve } from 'node:path';
import { runFolders } from '../commands/image-deps.js';
import { UsageError } from '../errors.js';
import { formatImageRef, type ImageRef } from '../registry/reference.js';
import type { Report } from '../report/model.js';
import { plural } from '../text/plural.js';
import { buildImage, type BuildResult } from './build.js';
import {
  absolute,
  modelLabels,
  optional,
  type BuildRequest,
  type BuiltImage,
} from './build-request.js';
import {
  attachToRegistries,
  formatBytes,
  imageRefsBlocks,
  parallelInput,
  parseRefs,
  progressReporter,
  shortDigest,
  transportDeps,
} from './command-support.js';
import { LayerCache } from './layer-cache.js';
import { parsePlatform } from './platform.js';
import { openSinks, openSource, type TransportDeps } from './transports.js';
import type { ImageSource } from '../registry/model.js';

/**
 * The daemonless path: the model (and code) folders become layers on the base image, written
 * straight to registries, OCI layouts, archives or the Docker engine; no daemon builds anything.
 */
export async function daemonlessBuild(request: BuildRequest): Promise<BuiltImage> {
  const { inputs, deps, tags } = request;
  const destinations = new Set(
    tags.flatMap((ref) => (ref.transport === 'registry' ? [ref.registry] : [])),
  );
  const transport = transportDeps(inputs, deps, destinations);
  const baseRef = parseRefs([inputs.base], 'base')[0]!;
  const base = await openSource(baseRef, transport, 'base');
  try {
    return await buildOnBase(request, transport, base);
  } finally {
    await base?.close?.();
  }
}

async function buildOnBase(
  request: BuildRequest,
  transport: TransportDeps,
  base: ImageSource | undefined,
): Promise<BuiltImage> {
  const { inputs, deps, tags, outputs, push } = request;
  const destinationRefs: ImageRef[] = [...(push ? tags : []), ...outputs];
  const targets = await openSinks(destinationRefs, transport, push ? 'tag' : 'output');
  const { created, labels } = await modelLabels(request);
  const level = compressionLevel(request);
  const cache = cacheDir(request);
  const result = await buildImage({
    base,
    ...layerInputs(request),
    runtime: { ...runtimeConfig(request), labels },
    created,
    compressionLevel: level,
    cache: new LayerCache(cache),
    targets,
    parallel: parallelInput(inputs),
    logger: deps.logger,
    progress: progressReporter(deps.logger, deps.clock, 'written'),
  });
  const attached = await attachToRegistries(targets, result.manifest, request.attachFiles, created);
  // Only a destination the image reached names it: a tag given without --push was not pushed.
  const written = destinationRefs[0];
  const image = written ? formatImageRef(written) : result.digest;
  const unpushed = push ? [] : request.tagTexts;
  if (unpushed.length > 0)
    deps.logger.warn(
      `${plural(unpushed.length, 'tag')} given without --push: not pushed (${unpushed.join(', ')}).`,
    );
  const report = daemonlessReport(result, image, destinationRefs, unpushed);
  if (attached.length > 0) report.data['attached'] = attached;
  return {
    result: { report, outputs: { digest: result.digest, image } },
    written: {
      references: destinationRefs.map(formatImageRef),
      digest: result.digest,
      pushed: push && destinationRefs.some((ref) => ref.transport === 'registry'),
    },
  };
}

/** The platform and the folders that become layers, and where they go in the image. */
function layerInputs(request: BuildRequest) {
  const { inputs } = request;
  const cwd = request.deps.run.cwd;
  return {
    platform: parsePlatform(inputs.platform),
    modelDir: resolve(cwd, inputs.model),
    modelTarget: request.runtime.modelPath,
    ...optional('codeDir', absolute(cwd, inputs.code)),
    codeTarget: request.runtime.codePath,
    followLinksOutside: inputs['follow-links-outside'],
  };
}

/** The image config's process settings (labels apart). */
function runtimeConfig(request: BuildRequest) {
  const { inputs } = request;
  const { codePath, env, port } = request.runtime;
  const code = inputs.code;
  return {
    ...optional('entrypoint', words(inputs.entrypoint, 'entrypoint')),
    ...optional('cmd', words(inputs.cmd, 'cmd')),
    env,
    ...optional('port', port),
    ...optional('workdir', inputs.workdir ?? (code ? codePath : undefined)),
    ...optional('user', inputs.user),
  };
}

function compressionLevel(request: BuildRequest): number {
  const level = request.inputs['compression-level'];
  if (!Number.isInteger(level) || level < 1 || level > 9)
    throw new UsageError('compression-level must be 1 to 9', {
      place: { key: 'compression-level' },
    });
  return level;
}

/** The layer cache folder: `cache-dir`, else ~/.cache/sluice; none for `none`. */
function cacheDir(request: BuildRequest): string | undefined {
  const cacheInput = request.inputs['cache-dir'];
  if (cacheInput === 'none') return undefined;
  return (
    absolute(request.deps.run.cwd, cacheInput) ??
    join(runFolders(request.deps).home, '.cache', 'sluice')
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

function daemonlessReport(
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
