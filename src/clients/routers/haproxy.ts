import { connect, type Socket } from 'node:net';
import { InfraError, UsageError } from '../../core/errors.js';
import type { TrafficCapabilities, TrafficRouter, TrafficState } from '../../core/ports.js';
import type { HaproxyRouterConfig, RouterDeps } from './config.js';
import { bounded, completeWeights, percentsOf, routeAll } from './weights.js';

/** Largest runtime API answer read, bytes. */
const MAX_ANSWER_BYTES = 1024 * 1024;
/** HAProxy names (backend, server): nothing the runtime API would read as a separator. */
const NAME = /^[A-Za-z0-9_.:-]{1,100}$/;

/** One server of the backend as `show servers state` reports it. */
export interface HaproxyServerState {
  name: string;
  /** srv_op_state: 0 stopped, 1 starting, 2 running, 3 stopping. */
  opState: number;
  /** srv_admin_state bits: maintenance (forced, inherited, config, resolution) and drain. */
  adminState: number;
  /** The weight the runtime API set (srv_uweight). */
  weight: number;
}

/**
 * Reads the answer to `show servers state <backend>` (format version 1): a `1` line, a
 * `# be_id be_name srv_id srv_name …` header, one line per server. Anything else (an error
 * text, another format version, a short line) is an InfraError quoting the answer, bounded.
 */
export function parseServersState(
  where: string,
  backend: string,
  answer: string,
): HaproxyServerState[] {
  const fail = (why: string) =>
    new InfraError(
      `${where}: \`show servers state ${backend}\` answered ${why}: ${bounded(answer, 300)}`,
    );
  const lines = answer.split('\n').filter((line) => line.trim() !== '');
  if (lines[0]?.trim() !== '1') throw fail('something other than format version 1');
  const header = lines[1];
  if (!header?.startsWith('# ')) throw fail('no header line');
  const fields = header.slice(2).trim().split(/\s+/);
  const column = (name: string) => {
    const index = fields.indexOf(name);
    if (index < 0) throw fail(`a header without ${name}`);
    return index;
  };
  const at = {
    backend: column('be_name'),
    server: column('srv_name'),
    op: column('srv_op_state'),
    admin: column('srv_admin_state'),
    weight: column('srv_uweight'),
  };
  const integer = (text: string | undefined, what: string) => {
    if (text === undefined || !/^\d{1,9}$/.test(text)) throw fail(`a ${what} that is not a number`);
    return Number(text);
  };
  return lines.slice(2).map((line) => {
    const values = line.trim().split(/\s+/);
    if (values.length < fields.length) throw fail('a server line shorter than its header');
    if (values[at.backend] !== backend)
      throw fail(`a server of another backend (${bounded(values[at.backend] ?? '', 60)})`);
    return {
      name: values[at.server]!,
      opState: integer(values[at.op], 'srv_op_state'),
      adminState: integer(values[at.admin], 'srv_admin_state'),
      weight: integer(values[at.weight], 'srv_uweight'),
    };
  });
}

/** Sends one command to a runtime API and returns its whole answer (HAProxy closes after it). */
export function runtimeCommand(
  socket: string,
  command: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const hostPort = /^(?:\[([0-9a-fA-F:.]+)\]|([^/:[\]]+)):(\d{1,5})$/.exec(socket);
    let connection: Socket;
    try {
      connection = hostPort
        ? connect({ host: hostPort[1] ?? hostPort[2]!, port: Number(hostPort[3]) })
        : connect({ path: socket });
    } catch (error) {
      reject(error);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (error: Error) => {
      connection.destroy();
      reject(error);
    };
    const onAbort = () =>
      stop(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    connection.setTimeout(timeoutMs, () => stop(new Error(`no answer within ${timeoutMs} ms`)));
    connection.on('connect', () => connection.end(`${command}\n`));
    connection.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_ANSWER_BYTES)
        return stop(new Error(`an answer over ${MAX_ANSWER_BYTES} bytes`));
      chunks.push(chunk);
    });
    connection.on('error', (error) => stop(error));
    connection.on('close', () => {
      signal?.removeEventListener('abort', onAbort);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/**
 * HAProxy through its runtime API (`stats socket … level admin`, or a TCP `stats socket
 * ipv4@127.0.0.1:PORT`): weights with `set weight`, servers brought back with `set server …
 * state ready`, read back with `show servers state`. No reload, no file: changes apply to new
 * connections at once and are lost when HAProxy restarts (the read-back shows that).
 * Percents are HAProxy weights directly (0-100, integers; HAProxy allows 0-256).
 */
export class HaproxyTrafficRouter implements TrafficRouter {
  readonly name: string;
  readonly capabilities: TrafficCapabilities = {
    weights: true,
    mirror: false,
    headerRouting: false,
  };
  private readonly versions: string[];
  private readonly timeoutMs: number;

  constructor(
    private readonly config: HaproxyRouterConfig,
    private readonly deps: Pick<RouterDeps, 'logger' | 'signal'>,
  ) {
    this.name = `HAProxy at ${config.socket} (backend ${config.backend})`;
    const where = 'router (haproxy)';
    if (!config.socket || /[\0\r\n]/.test(config.socket))
      throw new UsageError(`${where}: socket must be a unix socket path or host:port`);
    if (!NAME.test(config.backend))
      throw new UsageError(
        `${where}: backend "${bounded(config.backend, 60)}" is not an HAProxy name`,
        {
          hint: 'letters, digits, _ . : - only',
        },
      );
    this.versions = Object.keys(config.servers);
    if (this.versions.length === 0) throw new UsageError(`${where}: servers names no version`);
    for (const [version, server] of Object.entries(config.servers))
      if (!NAME.test(server))
        throw new UsageError(
          `${where}: server "${bounded(server, 60)}" of version ${version} is not an HAProxy name`,
          {
            hint: 'letters, digits, _ . : - only',
          },
        );
    this.timeoutMs = config.timeoutMs ?? 5000;
  }

  private async command(text: string, signal?: AbortSignal): Promise<string> {
    try {
      return await runtimeCommand(
        this.config.socket,
        text,
        this.timeoutMs,
        signal ?? this.deps.signal,
      );
    } catch (error) {
      throw new InfraError(
        `${this.name}: \`${text}\` failed: ${bounded((error as Error).message, 200)}`,
        {
          hint: 'is HAProxy running with `stats socket … level admin` at that address?',
          cause: error,
        },
      );
    }
  }

  /** A command whose success is an empty answer; any text back is HAProxy refusing it. */
  private async change(text: string, signal?: AbortSignal): Promise<void> {
    const answer = await this.command(text, signal);
    if (answer.trim() !== '')
      throw new InfraError(`${this.name}: \`${text}\` was refused: ${bounded(answer, 300)}`);
  }

  async setWeights(weights: Readonly<Record<string, number>>, signal?: AbortSignal): Promise<void> {
    const full = completeWeights(this.name, this.versions, weights);
    for (const [version, percent] of Object.entries(full))
      if (!Number.isInteger(percent))
        throw new UsageError(
          `${this.name}: HAProxy weights are whole numbers; ${version} has ${percent}`,
        );
    // Raise first, lower after: between two commands the backend never has less capacity than
    // before or after, and never every server at 0.
    const order = Object.entries(full).sort(([, a], [, b]) => b - a);
    for (const [version, percent] of order) {
      const server = `${this.config.backend}/${this.config.servers[version]}`;
      if (percent > 0) {
        await this.change(`set weight ${server} ${percent}`, signal);
        await this.change(`set server ${server} state ready`, signal);
      } else await this.change(`set weight ${server} 0`, signal);
    }
  }

  async setRoute(version: string, signal?: AbortSignal): Promise<void> {
    await this.setWeights(routeAll(this.name, this.versions, version), signal);
  }

  /** The backend's servers as HAProxy reports them now. */
  async servers(signal?: AbortSignal): Promise<HaproxyServerState[]> {
    const answer = await this.command(`show servers state ${this.config.backend}`, signal);
    return parseServersState(this.name, this.config.backend, answer);
  }

  async readBack(signal?: AbortSignal): Promise<TrafficState> {
    const servers = await this.servers(signal);
    const effective: Record<string, number> = {};
    const notes: string[] = [];
    for (const version of this.versions) {
      const name = this.config.servers[version]!;
      const server = servers.find((candidate) => candidate.name === name);
      if (!server)
        throw new InfraError(
          `${this.name}: backend ${this.config.backend} has no server ${name} (version ${version})`,
        );
      // Only a running server out of maintenance and drain takes new requests.
      const takes = server.opState === 2 && server.adminState === 0;
      if (!takes) notes.push(`${name} op_state ${server.opState} admin_state ${server.adminState}`);
      effective[version] = takes ? server.weight : 0;
    }
    if (notes.length > 0)
      this.deps.logger.debug(`${this.name}: not taking traffic: ${notes.join('; ')}`);
    return { weights: percentsOf(effective) };
  }
}
