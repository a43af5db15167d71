import type { ImageConfig } from '../registry/model.js';
import type { Platform } from './platform.js';

export interface RuntimeSettings {
  entrypoint?: string[];
  cmd?: string[];
  /** `KEY=value` pairs; a key given here replaces the base image's. */
  env?: string[];
  /** Exposed port, e.g. `8080` or `8080/tcp`. */
  port?: string;
  workdir?: string;
  user?: string;
  labels: Record<string, string>;
}

export interface NewLayerInfo {
  diffId: string;
  title: string;
}

/**
 * The image config: the base image's settings, then the runtime settings given, the new layers'
 * diff IDs and one history line each. `created` is the build's fixed time, never the clock.
 */
export function buildConfig(
  base: ImageConfig | undefined,
  platform: Platform,
  created: string,
  settings: RuntimeSettings,
  layers: readonly NewLayerInfo[],
): ImageConfig {
  const inherited = { ...(base?.config ?? {}) };
  const config: NonNullable<ImageConfig['config']> = { ...inherited };
  if (settings.entrypoint) {
    config.Entrypoint = settings.entrypoint;
    // As in a Dockerfile: a new entrypoint drops the base image's command.
    config.Cmd = settings.cmd ?? null;
  } else if (settings.cmd) {
    config.Cmd = settings.cmd;
  }
  if (settings.env?.length) config.Env = mergeEnv(inherited.Env ?? [], settings.env);
  if (settings.port) {
    const port = settings.port.includes('/') ? settings.port : `${settings.port}/tcp`;
    config.ExposedPorts = { ...(inherited.ExposedPorts ?? {}), [port]: {} };
  }
  if (settings.workdir) config.WorkingDir = settings.workdir;
  if (settings.user) config.User = settings.user;
  config.Labels = sortKeys({ ...(inherited.Labels ?? {}), ...settings.labels });

  const image: ImageConfig = {
    created,
    // resolveImage has checked that a base naming a platform names this one; an empty base
    // (no os or architecture in its config) takes the platform asked for.
    architecture: base?.architecture || platform.architecture,
    os: base?.os || platform.os,
    config: sortKeys(config),
    rootfs: {
      type: 'layers',
      diff_ids: [...(base?.rootfs.diff_ids ?? []), ...layers.map((layer) => layer.diffId)],
    },
    history: [
      ...(base?.history ?? []),
      ...layers.map((layer) => ({
        created,
        created_by: `sluice build-image (${layer.title})`,
        comment: 'sluice',
      })),
    ],
  };
  const variant = base?.variant || platform.variant;
  if (variant) image.variant = variant;
  return image;
}

function mergeEnv(base: readonly string[], extra: readonly string[]): string[] {
  const byKey = new Map<string, string>();
  for (const pair of [...base, ...extra]) byKey.set(pair.split('=')[0] ?? pair, pair);
  return [...byKey.values()];
}

function sortKeys<T extends object>(value: T): T {
  return Object.fromEntries(
    Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  ) as T;
}
