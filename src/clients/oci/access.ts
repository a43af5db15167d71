import type { RegistryConnection, RegistryDestination, SecretMasker } from '../../core/ports.js';
import type { ImageSource } from '../../core/registry/model.js';
import type { Credentials } from './auth.js';
import { RegistryClient } from './client.js';
import { RegistryHttp, type Fetch } from './http.js';
import { RegistrySink, RegistrySource } from './registry-image.js';

export interface RegistryAccessOptions {
  /** Credentials for a registry host, from the inputs or the Docker config; undefined is anonymous. */
  credentials: (registry: string) => Promise<Credentials | undefined>;
  /** Hosts (with port) allowed over plain HTTP although they are not loopback. */
  insecureRegistries?: readonly string[];
  fetch?: Fetch;
  sleep?: (ms: number) => Promise<void>;
  maxAttempts?: number;
  baseDelayMs?: number;
  /** The hint of an access-denied error for a registry (see RegistryHttpOptions.deniedHint). */
  deniedHint?: (registry: string) => string;
  /** The run's masker: told every credential and token the clients send or receive. */
  masker?: SecretMasker;
  /** The longest one request may take, retries included, in ms (see RegistryHttpOptions). */
  timeoutMs?: number;
  idleTimeoutMs?: number;
}

/** One client per registry host, created on first use and shared (tokens are cached per client). */
export class RegistryAccess implements RegistryConnection {
  private readonly clients = new Map<string, Promise<RegistryClient>>();

  constructor(private readonly options: RegistryAccessOptions) {}

  client(registry: string): Promise<RegistryClient> {
    let client = this.clients.get(registry);
    if (!client) {
      client = this.create(registry);
      this.clients.set(registry, client);
    }
    return client;
  }

  async source(registry: string, repository: string, reference: string): Promise<ImageSource> {
    return new RegistrySource(await this.client(registry), repository, reference);
  }

  async destination(
    registry: string,
    repository: string,
    options: { chunkBytes?: number } = {},
  ): Promise<RegistryDestination> {
    const sink = new RegistrySink(await this.client(registry), repository);
    if (options.chunkBytes) sink.chunkBytes = options.chunkBytes;
    return sink;
  }

  private async create(registry: string): Promise<RegistryClient> {
    const credentials = await this.options.credentials(registry);
    const { fetch, sleep, maxAttempts, baseDelayMs, deniedHint, masker, timeoutMs, idleTimeoutMs } =
      this.options;
    const http = new RegistryHttp({
      registry,
      insecure: this.options.insecureRegistries?.includes(registry) ?? false,
      ...(credentials ? { credentials } : {}),
      ...(fetch ? { fetch } : {}),
      ...(sleep ? { sleep } : {}),
      ...(maxAttempts ? { maxAttempts } : {}),
      ...(baseDelayMs !== undefined ? { baseDelayMs } : {}),
      ...(deniedHint ? { deniedHint: deniedHint(registry) } : {}),
      ...(masker ? { masker } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(idleTimeoutMs !== undefined ? { idleTimeoutMs } : {}),
    });
    return new RegistryClient(http, sleep, maxAttempts, baseDelayMs);
  }
}
