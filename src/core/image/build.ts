import { createHash } from 'node:crypto';
import type { Logger } from '../ports.js';
import { MediaType } from '../registry/media-types.js';
import type {
  BlobSource,
  Descriptor,
  ImageSink,
  ImageSource,
  ManifestBytes,
} from '../registry/model.js';
import { buildConfig, type RuntimeSettings } from './config.js';
import type { LayerCache } from './layer-cache.js';
import { layerFromPlan, planLayers, type Layer } from './layers.js';
import { resolveImage, type Platform } from './platform.js';
import { tee } from './streams.js';
import { walk } from './walk.js';
import {
  jsonBlob,
  manifestBytes,
  ociManifest,
  writeBlobs,
  type BlobToWrite,
  type SinkTarget,
  type WriteStats,
} from './write.js';

export interface BuildOptions {
  /** Undefined for `scratch`. */
  base: ImageSource | undefined;
  platform: Platform;
  modelDir: string;
  /** Where the model goes inside the image. */
  modelTarget: string;
  codeDir?: string;
  codeTarget: string;
  /** Pack what links pointing out of the model and code folders point at (else they are refused). */
  followLinksOutside?: boolean;
  runtime: RuntimeSettings;
  /** RFC 3339 time written as `created`: from SOURCE_DATE_EPOCH or the commit, never the clock. */
  created: string;
  compressionLevel: number;
  largeFileBytes?: number;
  cache: LayerCache;
  /** Where the image goes; empty computes the digest only. */
  targets: SinkTarget[];
  parallel: number;
  logger: Logger;
  progress?: (bytes: number) => void;
}

interface LayerSummary {
  digest: string;
  size: number;
  mediaType: string;
  /** `base` for the base image's layers, else what the layer holds. */
  title: string;
  files?: number;
}

export interface BuildResult {
  manifest: ManifestBytes;
  digest: string;
  /** Config plus layers, as stored (compressed where compressed). */
  size: number;
  layers: LayerSummary[];
  uploaded: Record<string, number>;
}

/**
 * The daemonless build: the model (and code) folders become layers on the base image; every
 * blob goes to every target, then the config and the manifest under each target's tags.
 */
export async function buildImage(options: BuildOptions): Promise<BuildResult> {
  const base = options.base ? await resolveImage(options.base, options.platform) : undefined;
  const layers = await plannedLayers(options);
  options.logger.info(layerCountLine(layers, options.base?.name, base?.manifest.layers.length));

  const targets: SinkTarget[] =
    options.targets.length > 0 ? options.targets : [{ sink: new DigestOnlySink(), tags: [] }];
  const baseLayers = base?.manifest.layers ?? [];
  const stats = await writeLayers(options, baseLayers, layers, targets);

  const config = buildConfig(
    base?.config,
    options.platform,
    options.created,
    options.runtime,
    layers.map((layer) => ({ diffId: diffIdOf(layer), title: layer.plan.title })),
  );
  const configBlob = jsonBlob(config, MediaType.ociConfig);
  const layerDescriptors = [
    ...baseLayers,
    ...layers.map((layer) => ({
      mediaType: layer.mediaType,
      digest: layer.digest!,
      size: layer.size!,
    })),
  ];
  const manifest = manifestBytes(ociManifest(configBlob.descriptor, layerDescriptors));
  let digest = manifest.digest;
  for (const target of targets) {
    await target.sink.putBlob(configBlob.source);
    digest = await target.sink.putManifest(manifest, target.tags);
    await target.sink.close?.();
  }
  const summaries = layerSummaries(baseLayers, layers);
  const size = configBlob.bytes.length + summaries.reduce((sum, layer) => sum + layer.size, 0);
  return {
    manifest,
    digest,
    size,
    layers: summaries,
    uploaded: options.targets.length > 0 ? stats.uploaded : {},
  };
}

/**
 * What the build is made of, said once: the layers of the model and code folders, how many
 * were packed now and how many came ready from the layer cache (a rebuild of unchanged folders
 * packs none), and the base image's own layers, which are copied as they are.
 */
export function layerCountLine(
  layers: readonly Pick<Layer, 'digest'>[],
  baseName: string | undefined,
  baseLayers: number | undefined,
): string {
  const reused = layers.filter((layer) => layer.digest !== undefined).length;
  const packed = layers.length - reused;
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  const onBase =
    baseName === undefined
      ? 'on scratch'
      : `on base ${baseName} (${plural(baseLayers ?? 0, 'layer')} copied as is)`;
  return `${plural(layers.length, 'layer')} of model and code: ${packed} packed, ${reused} reused from the layer cache; ${onBase}`;
}

/** The model's layers (large files apart), then the code's, each filled in from the cache. */
async function plannedLayers(options: BuildOptions): Promise<Layer[]> {
  const modelFiles = await walk(options.modelDir, 'model', {
    followOutside: options.followLinksOutside === true,
  });
  const plans = planLayers({
    files: modelFiles,
    target: options.modelTarget,
    label: 'model',
    compressionLevel: options.compressionLevel,
    splitLarge: true,
    ...(options.largeFileBytes === undefined ? {} : { largeFileBytes: options.largeFileBytes }),
  });
  if (options.codeDir) {
    const codeFiles = await walk(options.codeDir, 'code', {
      followOutside: options.followLinksOutside === true,
    });
    plans.push(
      ...planLayers({
        files: codeFiles,
        target: options.codeTarget,
        label: 'code',
        compressionLevel: options.compressionLevel,
        splitLarge: false,
      }),
    );
  }
  const layers = plans.map(layerFromPlan);
  for (const layer of layers) {
    const cached = await options.cache.get(layer.plan.fingerprint);
    if (cached) Object.assign(layer, cached);
  }
  return layers;
}

/** The base image's blobs and the new layers to every target; new layers learnt are cached. */
function writeLayers(
  options: BuildOptions,
  baseLayers: readonly Descriptor[],
  layers: readonly Layer[],
  targets: readonly SinkTarget[],
): Promise<WriteStats> {
  const baseBlobs: BlobToWrite[] = baseLayers.map((descriptor) => ({
    source: options.base!.getBlob(descriptor),
  }));
  const newBlobs: BlobToWrite[] = layers.map((layer) => ({
    source: layer,
    onKnown: async (digest: string, size: number) => {
      if (!layer.plan.compressed) layer.diffId = digest;
      if (layer.diffId)
        await options.cache.set(layer.plan.fingerprint, { digest, size, diffId: layer.diffId });
    },
  }));
  return writeBlobs([...baseBlobs, ...newBlobs], targets, options.parallel, options.progress);
}

function layerSummaries(
  baseLayers: readonly Descriptor[],
  layers: readonly Layer[],
): LayerSummary[] {
  return [
    ...baseLayers.map((descriptor) => ({
      digest: descriptor.digest,
      size: descriptor.size,
      mediaType: descriptor.mediaType,
      title: 'base',
    })),
    ...layers.map((layer) => ({
      digest: layer.digest!,
      size: layer.size!,
      mediaType: layer.mediaType,
      title: layer.plan.title,
      files: layer.plan.files,
    })),
  ];
}

function diffIdOf(layer: Layer): string {
  if (layer.diffId) return layer.diffId;
  if (!layer.plan.compressed && layer.digest) return layer.digest;
  throw new Error(`layer ${layer.plan.title} was written without learning its diff ID`);
}

/** Computes digests without storing anything: `build-image` with no destination. */
class DigestOnlySink implements ImageSink {
  readonly name = 'digest only';
  async hasBlob(): Promise<boolean> {
    return false;
  }
  async putBlob(blob: BlobSource): Promise<{ digest: string; size: number; uploaded: number }> {
    if (blob.digest && blob.size !== undefined)
      return { digest: blob.digest, size: blob.size, uploaded: 0 };
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of tee(blob.open(0), hash)) size += chunk.length;
    return { digest: `sha256:${hash.digest('hex')}`, size, uploaded: 0 };
  }
  async putManifest(manifest: ManifestBytes): Promise<string> {
    return manifest.digest;
  }
}
