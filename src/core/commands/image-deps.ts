import type { DockerEngine, RegistryPort } from '../ports.js';
import type { CommandDeps, MachineFolders } from './types.js';

/** The image commands' way to registries: the adapter's port (clients/oci in production). */
export function registryPort(deps: Pick<CommandDeps, 'registry'>): RegistryPort {
  if (!deps.registry)
    throw new Error('the image commands need deps.registry; the adapter did not provide one');
  return deps.registry;
}

/** The Docker engine for Dockerfile and compose builds (clients/docker in production). */
export function dockerEngine(deps: Pick<CommandDeps, 'docker'>): DockerEngine {
  if (!deps.docker)
    throw new Error('a Dockerfile build needs deps.docker; the adapter did not provide one');
  return deps.docker;
}

/** The home and temporary folders, which the app reads from the machine. */
export function runFolders(deps: Pick<CommandDeps, 'folders'>): MachineFolders {
  if (!deps.folders)
    throw new Error('the image commands need deps.folders; the adapter did not provide them');
  return deps.folders;
}
