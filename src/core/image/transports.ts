import { UsageError } from '../errors.js';
import type { Exec, RegistryConnection } from '../ports.js';
import type { ImageSource } from '../registry/model.js';
import type { ImageRef } from '../registry/reference.js';
import { DockerArchiveSink, DockerDaemonSink } from './docker-archive.js';
import { DockerArchiveSource } from './docker-archive-source.js';
import { DockerDaemonSource } from './docker-daemon-source.js';
import { OciLayoutSink, OciLayoutSource } from './oci-layout.js';
import type { SinkTarget } from './write.js';

export interface TransportDeps {
  /** The registries, with the run's credentials (RegistryPort.connect). */
  access: RegistryConnection;
  exec: Exec;
  /** A folder for archives assembled before `docker load`. */
  tempDir: string;
  chunkBytes?: number;
}

/** Where a base image or a promoted image is read from; undefined for `scratch`. */
export async function openSource(
  ref: ImageRef,
  deps: TransportDeps,
  _key: string,
): Promise<ImageSource | undefined> {
  switch (ref.transport) {
    case 'scratch':
      return undefined;
    case 'registry':
      return deps.access.source(ref.registry, ref.repository, ref.digest ?? ref.tag ?? 'latest');
    case 'oci':
      return new OciLayoutSource(ref.dir, ref.tag);
    case 'docker-archive':
      return new DockerArchiveSource(ref.path, ref.name);
    case 'docker-daemon':
      return new DockerDaemonSource(ref.name, deps.exec, deps.tempDir);
  }
}

/**
 * Destinations grouped so each repository, layout or archive gets the blobs once and then
 * every tag that points into it.
 */
export async function openSinks(
  refs: readonly ImageRef[],
  deps: TransportDeps,
  key: string,
): Promise<SinkTarget[]> {
  const targets = new Map<string, SinkTarget>();
  for (const ref of refs) {
    const id = sinkId(ref);
    let target = targets.get(id);
    if (!target) {
      target = await createTarget(ref, deps, key);
      targets.set(id, target);
    }
    const tag = tagOf(ref);
    if (tag && !target.tags.includes(tag)) target.tags.push(tag);
  }
  return [...targets.values()];
}

function sinkId(ref: ImageRef): string {
  switch (ref.transport) {
    case 'registry':
      return `registry:${ref.registry}/${ref.repository}`;
    case 'oci':
      return `oci:${ref.dir}`;
    case 'docker-archive':
      return `archive:${ref.path}`;
    case 'docker-daemon':
      return `daemon:${ref.name}`;
    case 'scratch':
      return 'scratch';
  }
}

function tagOf(ref: ImageRef): string | undefined {
  if (ref.transport === 'registry' || ref.transport === 'oci') return ref.tag;
  return undefined;
}

async function createTarget(ref: ImageRef, deps: TransportDeps, key: string): Promise<SinkTarget> {
  switch (ref.transport) {
    case 'registry': {
      const sink = await deps.access.destination(
        ref.registry,
        ref.repository,
        deps.chunkBytes ? { chunkBytes: deps.chunkBytes } : {},
      );
      return { sink, tags: [], artifacts: sink.artifacts };
    }
    case 'oci':
      return { sink: new OciLayoutSink(ref.dir), tags: [] };
    case 'docker-archive':
      return {
        sink: new DockerArchiveSink(ref.path, ref.name ? [ref.name] : [], deps.tempDir),
        tags: [],
      };
    case 'docker-daemon':
      return { sink: new DockerDaemonSink(ref.name, deps.exec, deps.tempDir), tags: [] };
    case 'scratch':
      throw new UsageError('`scratch` is a base, not a destination', { place: { key } });
  }
}
