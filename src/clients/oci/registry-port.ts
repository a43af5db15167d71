import type { Exec, RegistryPort, SecretMasker } from '../../core/ports.js';
import { RegistryAccess } from './access.js';
import { credentialsFromDockerConfig } from './docker-config.js';
import type { Fetch } from './http.js';

export interface RegistryPortOptions {
  /** Runs Docker credential helpers. */
  exec: Exec;
  /** Told every credential and token the clients send or receive. */
  masker?: SecretMasker;
  /** The HTTP client (default: the global fetch). */
  fetch?: Fetch;
}

/** The registry port over the OCI distribution API and the Docker config's credentials. */
export function createRegistryPort(options: RegistryPortOptions): RegistryPort {
  return {
    connect: (connect) =>
      new RegistryAccess({
        ...connect,
        ...(options.masker ? { masker: options.masker } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
      }),
    dockerConfigCredentials: (configDir, registry) =>
      credentialsFromDockerConfig(configDir, registry, options.exec),
  };
}
