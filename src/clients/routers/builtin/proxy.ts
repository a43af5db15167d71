import http from 'node:http';
import https from 'node:https';
import { SmoothWeightedRoundRobin } from './balancer.js';
import type { RoutingState } from './state.js';

/** Limits of the built-in proxy; every one trips into a counted answer, never a hang. */
export interface ProxyLimits {
  /** Largest request body forwarded (413 beyond), bytes. Default 10 MiB. */
  maxRequestBytes: number;
  /** Largest upstream answer body passed on (502 before the answer starts, cut after), bytes. Default 64 MiB. */
  maxResponseBytes: number;
  /** Longest silence from an upstream (no answer, or no more of it), ms: 504. Default 30 s. */
  upstreamTimeoutMs: number;
  /** Mirror copies in flight at once; more are skipped (counted), never queued. Default 64. */
  maxMirrorInFlight: number;
  /** Connections per upstream (keep-alive pool). Default 256. */
  maxSocketsPerUpstream: number;
}

const DEFAULT_LIMITS: ProxyLimits = {
  maxRequestBytes: 10 * 1024 * 1024,
  maxResponseBytes: 64 * 1024 * 1024,
  upstreamTimeoutMs: 30_000,
  maxMirrorInFlight: 64,
  maxSocketsPerUpstream: 256,
};

/** Per version: what the proxy sent it and what came of it. */
interface VersionStats {
  requests: number;
  /** Answers passed on, by status class. */
  status2xx: number;
  status3xx: number;
  status4xx: number;
  status5xx: number;
  /** Upstream unreachable, reset, or its answer too large: answered 502 (or cut). */
  upstreamErrors: number;
  /** Upstream silent past the timeout: answered 504. */
  timeouts: number;
  mirrorSent: number;
  mirrorErrors: number;
  /** Copies not sent because `maxMirrorInFlight` were already in flight. */
  mirrorSkipped: number;
}

export interface ProxyStats {
  versions: Record<string, VersionStats>;
  /** Requests refused before any upstream: body too large (413), no version with weight (503). */
  refused: number;
  inFlight: number;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'trailers',
  'transfer-encoding',
  'upgrade',
]);

function forwardable(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((token) => token.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !HOP_BY_HOP.has(name) && !named.has(name)) out[name] = value;
  return out;
}

interface Upstream {
  name: string;
  url: URL;
  agent: http.Agent;
  mirrorAgent: http.Agent;
  request: typeof http.request;
}

/**
 * sluice's weighted reverse proxy: header routes first, then smooth weighted round-robin over
 * the versions' weights, with an optional mirror. The routing state is an immutable value
 * swapped whole by `setState`: a request keeps the upstream it was given, so a weight change
 * lets in-flight requests finish where they started.
 */
export class WeightedProxy {
  private state: RoutingState;
  private balancer: SmoothWeightedRoundRobin;
  private readonly upstreams = new Map<string, Upstream>();
  private readonly limits: ProxyLimits;
  private mirrorInFlight = 0;
  generation = 1;
  readonly stats: ProxyStats;

  constructor(
    versions: Readonly<Record<string, string>>,
    initial: RoutingState,
    limits: Partial<ProxyLimits> = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    const zero = (): VersionStats => ({
      requests: 0,
      status2xx: 0,
      status3xx: 0,
      status4xx: 0,
      status5xx: 0,
      upstreamErrors: 0,
      timeouts: 0,
      mirrorSent: 0,
      mirrorErrors: 0,
      mirrorSkipped: 0,
    });
    this.stats = { versions: {}, refused: 0, inFlight: 0 };
    for (const [name, address] of Object.entries(versions)) {
      const url = new URL(address);
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new Error(`version ${name}: ${address} is not an http(s) URL`);
      const secure = url.protocol === 'https:';
      const options = {
        keepAlive: true,
        maxSockets: this.limits.maxSocketsPerUpstream,
        maxFreeSockets: 64,
      };
      this.upstreams.set(name, {
        name,
        url,
        agent: secure ? new https.Agent(options) : new http.Agent(options),
        mirrorAgent: secure
          ? new https.Agent({ ...options, maxSockets: this.limits.maxMirrorInFlight })
          : new http.Agent({ ...options, maxSockets: this.limits.maxMirrorInFlight }),
        request: secure ? https.request : http.request,
      });
      this.stats.versions[name] = zero();
    }
    this.state = initial;
    this.balancer = new SmoothWeightedRoundRobin(initial.weights);
  }

  get versions(): string[] {
    return [...this.upstreams.keys()];
  }

  getState(): RoutingState {
    return this.state;
  }

  /** Swaps the routing state; requests already forwarded are not touched. */
  setState(next: RoutingState): void {
    this.state = next;
    this.balancer = new SmoothWeightedRoundRobin(next.weights);
    this.generation += 1;
  }

  /** The version this request goes to: a matching header route, else the next weighted pick. */
  choose(headers: http.IncomingHttpHeaders): string | undefined {
    for (const route of this.state.headerRoutes)
      if (headers[route.header] === route.value) return route.version;
    return this.balancer.next();
  }

  readonly handle = (incoming: http.IncomingMessage, outgoing: http.ServerResponse): void => {
    const declared = Number(incoming.headers['content-length'] ?? 0);
    if (declared > this.limits.maxRequestBytes) {
      this.stats.refused += 1;
      outgoing.writeHead(413, { 'content-type': 'text/plain', connection: 'close' });
      outgoing.end(`request body over ${this.limits.maxRequestBytes} bytes\n`);
      incoming.resume();
      return;
    }
    const version = this.choose(incoming.headers);
    const upstream = version === undefined ? undefined : this.upstreams.get(version);
    if (!upstream) {
      this.stats.refused += 1;
      outgoing.writeHead(503, { 'content-type': 'text/plain' }).end('no version has traffic\n');
      incoming.resume();
      return;
    }
    const stats = this.stats.versions[upstream.name]!;
    stats.requests += 1;
    this.stats.inFlight += 1;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      this.stats.inFlight -= 1;
    };
    outgoing.on('close', finish);

    const headers = forwardable(incoming.headers);
    headers.host = upstream.url.host;
    const forwardedFor = incoming.socket.remoteAddress;
    if (forwardedFor)
      headers['x-forwarded-for'] = incoming.headers['x-forwarded-for']
        ? `${String(incoming.headers['x-forwarded-for'])}, ${forwardedFor}`
        : forwardedFor;
    const path = `${upstream.url.pathname.replace(/\/$/, '')}${incoming.url ?? '/'}`;
    const mirror = this.startMirror(incoming, headers, upstream.name);

    const fail = (status: 502 | 504, counter: 'upstreamErrors' | 'timeouts', why: string) => {
      stats[counter] += 1;
      if (!outgoing.headersSent) {
        outgoing.writeHead(status, {
          'content-type': 'text/plain',
          'x-sluice-version': upstream.name,
        });
        outgoing.end(`${why}\n`);
      } else outgoing.destroy();
    };

    const forward = upstream.request(
      {
        protocol: upstream.url.protocol,
        hostname: upstream.url.hostname,
        port: upstream.url.port,
        method: incoming.method,
        path,
        headers,
        agent: upstream.agent,
      },
      (answer) => {
        const length = Number(answer.headers['content-length'] ?? 0);
        if (length > this.limits.maxResponseBytes) {
          answer.destroy();
          forward.destroy();
          fail(
            502,
            'upstreamErrors',
            `${upstream.name} answered more than ${this.limits.maxResponseBytes} bytes`,
          );
          return;
        }
        const status = answer.statusCode ?? 502;
        const out = forwardable(answer.headers);
        out['x-sluice-version'] = upstream.name;
        outgoing.writeHead(status, answer.statusMessage, out);
        let size = 0;
        answer.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.limits.maxResponseBytes) {
            answer.destroy();
            forward.destroy();
            stats.upstreamErrors += 1;
            outgoing.destroy();
            return;
          }
          if (!outgoing.write(chunk)) {
            answer.pause();
            outgoing.once('drain', () => answer.resume());
          }
        });
        answer.on('end', () => {
          const counter =
            status >= 500
              ? 'status5xx'
              : status >= 400
                ? 'status4xx'
                : status >= 300
                  ? 'status3xx'
                  : 'status2xx';
          stats[counter] += 1;
          outgoing.end();
        });
        answer.on('error', () => {
          if (!outgoing.writableEnded) {
            stats.upstreamErrors += 1;
            outgoing.destroy();
          }
        });
      },
    );
    forward.setTimeout(this.limits.upstreamTimeoutMs, () => {
      forward.destroy();
      fail(
        504,
        'timeouts',
        `${upstream.name} sent nothing for ${this.limits.upstreamTimeoutMs} ms`,
      );
    });
    forward.on('error', () => {
      // Also fires after a destroy above; by then the answer is written, so nothing is counted twice.
      if (!outgoing.writableEnded && !outgoing.destroyed)
        fail(502, 'upstreamErrors', `${upstream.name} could not be reached`);
    });
    outgoing.on('close', () => {
      if (!outgoing.writableFinished) forward.destroy();
    });

    let received = 0;
    incoming.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > this.limits.maxRequestBytes) {
        this.stats.refused += 1;
        forward.destroy();
        mirror?.destroy();
        if (!outgoing.headersSent) {
          outgoing.writeHead(413, { 'content-type': 'text/plain', connection: 'close' });
          outgoing.end(`request body over ${this.limits.maxRequestBytes} bytes\n`);
        } else outgoing.destroy();
        incoming.destroy();
        return;
      }
      mirror?.write(chunk);
      if (!forward.write(chunk)) {
        incoming.pause();
        forward.once('drain', () => incoming.resume());
      }
    });
    incoming.on('end', () => {
      forward.end();
      mirror?.end();
    });
    incoming.on('error', () => {
      forward.destroy();
      mirror?.destroy();
    });
  };

  /** A copy of the request to the mirror version, if one is set and it is not the chosen one. */
  private startMirror(
    incoming: http.IncomingMessage,
    headers: http.OutgoingHttpHeaders,
    chosen: string,
  ): http.ClientRequest | undefined {
    const name = this.state.mirror;
    if (name === undefined || name === chosen) return undefined;
    const target = this.upstreams.get(name);
    if (!target) return undefined;
    const stats = this.stats.versions[name]!;
    if (this.mirrorInFlight >= this.limits.maxMirrorInFlight) {
      stats.mirrorSkipped += 1;
      return undefined;
    }
    this.mirrorInFlight += 1;
    stats.mirrorSent += 1;
    let released = false;
    const release = () => {
      if (!released) {
        released = true;
        this.mirrorInFlight -= 1;
      }
    };
    const copy = target.request(
      {
        protocol: target.url.protocol,
        hostname: target.url.hostname,
        port: target.url.port,
        method: incoming.method,
        path: `${target.url.pathname.replace(/\/$/, '')}${incoming.url ?? '/'}`,
        headers: { ...headers, host: target.url.host, 'x-sluice-mirror': '1' },
        agent: target.mirrorAgent,
      },
      (answer) => {
        if ((answer.statusCode ?? 500) >= 500) stats.mirrorErrors += 1;
        answer.on('end', release);
        answer.on('error', release);
        answer.resume();
      },
    );
    copy.setTimeout(this.limits.upstreamTimeoutMs, () => copy.destroy());
    copy.on('error', () => {
      stats.mirrorErrors += 1;
      release();
    });
    copy.on('close', release);
    return copy;
  }

  /** Closes the upstream connection pools (after the server stopped taking requests). */
  destroy(): void {
    for (const upstream of this.upstreams.values()) {
      upstream.agent.destroy();
      upstream.mirrorAgent.destroy();
    }
  }
}
