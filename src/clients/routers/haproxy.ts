import { connect, type Socket } from 'node:net';
import { InfraError, UsageError } from '../../core/errors.js';
import type { TrafficCapabilities, TrafficRouter, TrafficState } from '../../core/ports.js';
import type { HaproxyRouterConfig, RouterDeps } from './config.js';
import { bounded, completeWeights, percentsOf, routeAll, type HeaderRoute } from './weights.js';

/** Largest runtime API answer read, bytes. */
const MAX_ANSWER_BYTES = 1024 * 1024;
/** HAProxy names (backend, server): nothing the runtime API would read as a separator. */
const NAME = /^[A-Za-z0-9_.:-]{1,100}$/;
/** Header values a map entry holds: one word for the runtime API (`add map <file> <key> <value>`). */
const HEADER_VALUE = /^[A-Za-z0-9._~:/+=-]{1,128}$/;
/** A map file path the runtime API reads as one word. */
const MAP_FILE = /^[A-Za-z0-9_./@+-]{1,1000}$/;
const DEFAULT_HEADER = 'x-sluice-preview';

/**
 * Reads the answer to `show map <file>`: one `<id> <key> <value>` line per entry. Anything else
 * (HAProxy's "Unknown map identifier", a short line) is an InfraError quoting it.
 */
export function parseMapEntries(where: string, file: string, answer: string): [string, string][] {
  const out: [string, string][] = [];
  for (const line of answer.split('\n')) {
    if (line.trim() === '') continue;
    const words = line.trim().split(/\s+/);
    if (words.length !== 3 || !/^0x[0-9a-f]+$/i.test(words[0]!))
      throw new InfraError(
        `${where}: \`show map ${file}\` answered something other than map entries: ${bounded(answer, 300)}`,
        {
          hint: 'the map file must be named in haproxy.cfg (req.hdr(…),map(<file>)) when HAProxy starts',
        },
      );
    out.push([words[1]!, words[2]!]);
  }
  return out;
}

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
  readonly capabilities: TrafficCapabilities;
  private readonly versions: string[];
  private readonly header: string;
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
    if (config.headerMap !== undefined && !MAP_FILE.test(config.headerMap))
      throw new UsageError(
        `${where}: headerMap "${bounded(config.headerMap, 80)}" is not a file path the runtime API takes as one word`,
      );
    if (config.header !== undefined && !/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/.test(config.header))
      throw new UsageError(`${where}: header "${bounded(config.header, 60)}" is not a header name`);
    this.header = (config.header ?? DEFAULT_HEADER).toLowerCase();
    this.capabilities = {
      weights: true,
      mirror: false,
      headerRouting: config.headerMap !== undefined,
    };
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

  /** All traffic on one version: header routes go too (as with nginx and the HTTPRoute). */
  async setRoute(version: string, signal?: AbortSignal): Promise<void> {
    await this.setWeights(routeAll(this.name, this.versions, version), signal);
    if (this.config.headerMap !== undefined)
      await this.change(`clear map ${this.config.headerMap}`, signal);
  }

  /**
   * Header routes through a map HAProxy loaded from `headerMap`, changed over the runtime API
   * (no reload): header value → the version's server, which haproxy.cfg's `use-server <server> if
   * { req.hdr(<header>),map(<headerMap>) -m str <server> }` lines pick (weight 0 or not). The
   * header is the one haproxy.cfg names (`header`, default x-sluice-preview): another is refused.
   */
  async setHeaderRoutes(routes: HeaderRoute[], signal?: AbortSignal): Promise<void> {
    const file = this.config.headerMap;
    if (file === undefined)
      throw new UsageError(
        `${this.name}: routing by header needs headerMap (a map file haproxy.cfg's use-server rules read)`,
      );
    const seen = new Set<string>();
    for (const route of routes) {
      if (route.header.toLowerCase() !== this.header)
        throw new UsageError(
          `${this.name} routes by the header ${this.header} only (haproxy.cfg reads it), not ${bounded(route.header, 60)}`,
        );
      if (!HEADER_VALUE.test(route.value))
        throw new UsageError(
          `${this.name}: the header value "${bounded(route.value, 60)}" has characters the HAProxy router does not put in a map (letters, digits, . _ ~ : / + = -)`,
        );
      if (!this.versions.includes(route.version))
        throw new UsageError(`${this.name} has no version "${bounded(route.version, 60)}"`);
      if (seen.has(route.value))
        throw new UsageError(`${this.name}: two routes match ${route.header}: ${route.value}`);
      seen.add(route.value);
    }
    await this.change(`clear map ${file}`, signal);
    for (const route of routes)
      await this.change(
        `add map ${file} ${route.value} ${this.config.servers[route.version]}`,
        signal,
      );
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
    const state: TrafficState = { weights: percentsOf(effective) };
    if (this.config.headerMap !== undefined) {
      const file = this.config.headerMap;
      const entries = parseMapEntries(
        this.name,
        file,
        await this.command(`show map ${file}`, signal),
      );
      const routes = entries.map(([value, server]) => {
        const version = this.versions.find((v) => this.config.servers[v] === server);
        if (version === undefined)
          throw new InfraError(
            `${this.name}: the map ${file} routes ${this.header}: ${bounded(value, 60)} to ${bounded(server, 60)}, which is no version sluice knows`,
          );
        return { header: this.header, value, version };
      });
      if (routes.length) state.headerRoutes = routes;
    }
    return state;
  }
}
