import { readFile, rm, writeFile } from 'node:fs/promises';
import { parse, stringify } from 'yaml';
import { InfraError, UsageError } from '../../core/errors.js';
import type { DeployHost, Exec, HostContainer, Logger, Sleep } from '../../core/ports.js';
import type { ComposeDeployConfig } from '../../core/rollout/model.js';
import { UnhealthyServiceError } from '../../core/rollout/host.js';
import { findCompose } from './docker-compose.js';

/** What the compose host runs on; tests give a fake exec, fetch and clock. */
export interface ComposeHostDeps {
  exec: Exec;
  logger: Logger;
  sleep: Sleep;
  fetch?: typeof fetch;
  now?: () => number;
  /** Time between health checks, ms (default 500). */
  pollMs?: number;
}

type Compose = Awaited<ReturnType<typeof findCompose>>;
type ServiceDefinition = Record<string, unknown>;
interface OverrideDocument {
  version?: string;
  services: Record<string, ServiceDefinition>;
}

const HEADER =
  "# Written by `sluice rollout` (deploy: type compose): the canary service while a rollout runs,\n# and the stable service's image after a promotion. Pass it after your own files\n# (docker compose -f compose.yml -f THIS up) to keep what the rollout promoted.\n";
/** The longest one compose or docker call may take besides `up` (which gets the health timeout). */
const CALL_TIMEOUT_MS = 120_000;
const PROBE_TIMEOUT_MS = 2000;

/**
 * A docker-compose project on one host, driven through the `docker compose` (v2) or
 * `docker-compose` (v1) CLI: the canary is a copy of the stable service's definition (as
 * `compose config` resolves it) with the canary's image, ports and environment, written into an
 * override file sluice keeps beside the project's files and started with
 * `up -d --no-deps --no-build <canary>`. Containers are read by compose's labels.
 */
export class ComposeHost implements DeployHost {
  readonly name: string;
  private compose: Compose | undefined;

  constructor(
    private readonly config: ComposeDeployConfig,
    private readonly deps: ComposeHostDeps,
  ) {
    this.name = `compose project ${config.project}`;
  }

  get stableService(): string {
    return this.config.service;
  }
  get canaryService(): string {
    return this.config.canaryService;
  }
  get canaryImage(): string {
    return this.config.image;
  }

  async containers(signal?: AbortSignal): Promise<HostContainer[]> {
    const result = await this.docker(
      [
        'ps',
        '--all',
        '--no-trunc',
        '--filter',
        `label=com.docker.compose.project=${this.config.project}`,
        '--format',
        '{{.Names}}\t{{.Image}}\t{{.State}}\t{{.Status}}\t{{.Label "com.docker.compose.service"}}',
      ],
      signal,
    );
    const wanted = new Set([this.config.service, this.config.canaryService]);
    const out: HostContainer[] = [];
    for (const line of result.split('\n')) {
      const [name, image, state, status, service] = line.split('\t');
      if (!name || !service || !wanted.has(service.trim())) continue;
      const health = /\((healthy|unhealthy|health: starting)\)/.exec(status ?? '')?.[1];
      out.push({
        service: service.trim(),
        name,
        image: image ?? '',
        state: state ?? '',
        ...(health ? { health: health === 'health: starting' ? 'starting' : health } : {}),
      });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async startCanary(signal?: AbortSignal): Promise<void> {
    const compose = await this.cli();
    const { version, services } = await this.resolvedConfig(compose, signal);
    const stable = services[this.config.service];
    if (!stable)
      throw new UsageError(
        `${this.config.files.join(', ')} has no service ${JSON.stringify(this.config.service)}`,
        {
          place: { file: this.config.files[0]!, key: 'deploy.service' },
          hint: `name the stable service: one of ${Object.keys(services).join(', ') || '(none)'}`,
        },
      );
    if (services[this.config.canaryService])
      throw new UsageError(
        `${this.config.files.join(', ')} already has a service ${JSON.stringify(this.config.canaryService)}: sluice makes the canary service itself`,
        {
          place: { file: this.config.files[0]!, key: 'deploy.canary.service' },
          hint: 'give deploy.canary.service a name the project does not use',
        },
      );
    const canary = this.canaryDefinition(stable);
    const override = await this.readOverride();
    override.services[this.config.canaryService] = canary;
    if (version && compose.prefix.length === 0) override.version = version;
    await this.writeOverride(override);
    await this.up(compose, this.config.canaryService, signal);
    await this.waitHealthy(this.config.canaryService, this.config.canaryHealthUrl, signal);
  }

  async removeCanary(signal?: AbortSignal): Promise<void> {
    const names = (await this.containers(signal))
      .filter((c) => c.service === this.config.canaryService)
      .map((c) => c.name);
    if (names.length > 0) await this.docker(['rm', '--force', '--volumes', ...names], signal);
    const override = await this.readOverride();
    if (override.services[this.config.canaryService]) {
      delete override.services[this.config.canaryService];
      await this.writeOverride(override);
    }
  }

  async updateStable(signal?: AbortSignal): Promise<void> {
    const compose = await this.cli();
    const override = await this.readOverride();
    override.services[this.config.service] = { image: this.config.image };
    await this.writeOverride(override);
    await this.up(compose, this.config.service, signal);
    await this.waitHealthy(this.config.service, this.config.stableHealthUrl, signal);
  }

  /** The stable service's definition with the canary's image, ports and environment. */
  private canaryDefinition(stable: ServiceDefinition): ServiceDefinition {
    const canary: ServiceDefinition = { ...stable, image: this.config.image };
    // One of each: a fixed container name would clash; the image is given, never built.
    delete canary.container_name;
    delete canary.build;
    delete canary.profiles;
    const ports = stable.ports;
    if (this.config.canaryPorts) canary.ports = this.config.canaryPorts;
    else if (Array.isArray(ports) && ports.length > 0)
      throw new UsageError(
        `the stable service ${this.config.service} publishes ports, which a copy beside it cannot publish again`,
        {
          place: { key: 'deploy.canary.ports' },
          hint: 'give the canary its own, e.g. deploy: { canary: { ports: ["127.0.0.1:8082:8080"] } }, and point the router’s canary backend there',
        },
      );
    if (this.config.canaryEnvironment) {
      const base = stable.environment;
      const env: Record<string, unknown> = {};
      if (Array.isArray(base))
        for (const entry of base) {
          const text = String(entry);
          const at = text.indexOf('=');
          if (at > 0) env[text.slice(0, at)] = text.slice(at + 1);
          else env[text] = null;
        }
      else if (base && typeof base === 'object') Object.assign(env, base);
      // A literal value: `$` escaped so compose does not interpolate it.
      for (const [k, v] of Object.entries(this.config.canaryEnvironment))
        env[k] = v.split('$').join('$$');
      canary.environment = env;
    }
    return canary;
  }

  /** `compose config` of the project's own files (not sluice's override), not interpolated. */
  private async resolvedConfig(
    compose: Compose,
    signal?: AbortSignal,
  ): Promise<{ version?: string; services: Record<string, ServiceDefinition> }> {
    const args = [...this.base(compose, false), 'config', '--no-interpolate'];
    if (compose.prefix.length > 0) args.push('--format', 'json');
    const text = await this.run(compose.command, args, 'compose config', signal);
    let document: unknown;
    try {
      document = parse(text);
    } catch (error) {
      throw new InfraError(
        `${compose.name} config printed something that is not YAML: ${(error as Error).message}`,
      );
    }
    const d = (document ?? {}) as { version?: unknown; services?: unknown };
    const services =
      d.services && typeof d.services === 'object'
        ? (d.services as Record<string, ServiceDefinition>)
        : {};
    return { ...(typeof d.version === 'string' ? { version: d.version } : {}), services };
  }

  private async up(compose: Compose, service: string, signal?: AbortSignal): Promise<void> {
    await this.run(
      compose.command,
      [...this.base(compose, true), 'up', '--detach', '--no-deps', '--no-build', service],
      `compose up ${service}`,
      signal,
      this.config.healthTimeoutMs,
    );
  }

  /**
   * Until every container of the service runs and is healthy (its compose healthcheck) and the
   * readiness URL answers 2xx. An exited container or an unhealthy healthcheck ends it at once.
   */
  private async waitHealthy(
    service: string,
    url: string | undefined,
    signal?: AbortSignal,
  ): Promise<void> {
    const now = this.deps.now ?? Date.now;
    const deadline = now() + this.config.healthTimeoutMs;
    const key = service === this.config.canaryService ? 'canary' : 'stable';
    let last = 'no container yet';
    for (;;) {
      signal?.throwIfAborted();
      const list = (await this.containers(signal)).filter((c) => c.service === service);
      const dead = list.find((c) => c.state === 'exited' || c.state === 'dead');
      if (dead)
        throw new UnhealthyServiceError(
          `its container ${dead.name} ${dead.state}${await this.logsTail(dead.name)}`,
        );
      const sick = list.find((c) => c.health === 'unhealthy');
      if (sick)
        throw new UnhealthyServiceError(
          `its healthcheck says ${sick.name} is unhealthy${await this.logsTail(sick.name)}`,
        );
      if (list.length > 0 && !url && list.some((c) => c.health === undefined))
        throw new UsageError(
          `nothing tells sluice when the ${key} service ${service} is ready: it has no healthcheck and deploy.health.${key} is not set`,
          {
            place: { key: `deploy.health.${key}` },
            hint: `give the service a healthcheck in the compose file, or deploy: { health: { ${key}: http://127.0.0.1:PORT/healthz } }`,
          },
        );
      let ready =
        list.length > 0 &&
        list.every((c) => c.state === 'running' && (c.health ?? 'healthy') === 'healthy');
      if (list.length > 0)
        last = list
          .map((c) => `${c.name} ${c.state}${c.health ? ` (${c.health})` : ''}`)
          .join(', ');
      if (ready && url) {
        const answer = await this.probe(url);
        if (answer !== undefined) {
          ready = false;
          last += `; ${url}: ${answer}`;
        }
      }
      if (ready) return;
      if (now() >= deadline)
        throw new UnhealthyServiceError(
          `not healthy within ${Math.round(this.config.healthTimeoutMs / 1000)} s (${last})`,
        );
      await this.deps.sleep.sleep(this.deps.pollMs ?? 500, signal);
    }
  }

  /** undefined when the URL answers 2xx, else what it did. */
  private async probe(url: string): Promise<string | undefined> {
    try {
      const response = await (this.deps.fetch ?? fetch)(url, {
        signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
        redirect: 'manual',
      });
      await response.body?.cancel().catch(() => undefined);
      return response.status >= 200 && response.status < 300
        ? undefined
        : `HTTP ${response.status}`;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return cause ?? (error as Error).message;
    }
  }

  private async logsTail(name: string): Promise<string> {
    const result = await this.deps.exec
      .run('docker', ['logs', '--tail', '15', name], {
        allowFailure: true,
        timeoutMs: 10_000,
      })
      .catch(() => undefined);
    const text = `${result?.stdout ?? ''}${result?.stderr ?? ''}`.trim().slice(-1500);
    return text ? `; its last log lines:\n${text}` : '';
  }

  private base(compose: Compose, withOverride: boolean): string[] {
    const files = [...this.config.files];
    if (withOverride) files.push(this.config.override);
    return [...compose.prefix, '-p', this.config.project, ...files.flatMap((f) => ['-f', f])];
  }

  private async cli(): Promise<Compose> {
    this.compose ??= await findCompose(this.deps.exec);
    return this.compose;
  }

  private async docker(args: string[], signal?: AbortSignal): Promise<string> {
    return this.run('docker', args, `docker ${args[0]}`, signal);
  }

  private async run(
    command: string,
    args: string[],
    what: string,
    signal?: AbortSignal,
    timeoutMs = CALL_TIMEOUT_MS,
  ): Promise<string> {
    const result = await this.deps.exec.run(command, args, {
      allowFailure: true,
      timeoutMs,
      ...(signal ? { signal } : {}),
    });
    if (result.exitCode === 0) return result.stdout;
    const tail = `${result.stderr}\n${result.stdout}`.trim().split('\n').slice(-12).join('\n');
    throw new InfraError(`${what} on ${this.name} failed (exit ${result.exitCode}): ${tail}`, {
      hint: /Cannot connect to the Docker daemon|docker daemon is not running/i.test(tail)
        ? 'start the Docker engine, or set DOCKER_HOST to it'
        : `run \`${command} ${args.join(' ')}\` by hand to see why`,
    });
  }

  private async readOverride(): Promise<OverrideDocument> {
    let text: string;
    try {
      text = await readFile(this.config.override, 'utf8');
    } catch {
      return { services: {} };
    }
    const document = parse(text) as Partial<OverrideDocument> | null;
    return {
      ...(typeof document?.version === 'string' ? { version: document.version } : {}),
      services:
        document?.services && typeof document.services === 'object' ? { ...document.services } : {},
    };
  }

  private async writeOverride(document: OverrideDocument): Promise<void> {
    if (Object.keys(document.services).length === 0) {
      await rm(this.config.override, { force: true });
      return;
    }
    await writeFile(this.config.override, HEADER + stringify(document));
  }
}
