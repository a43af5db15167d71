import http from 'node:http';
import { isIP } from 'node:net';
import { UsageError } from '../../../core/errors.js';
import { adminHandler } from './admin.js';
import { WeightedProxy, type ProxyLimits } from './proxy.js';
import { applyPatch, StateError, type RoutingState } from './state.js';

/** Where a server listens: `host:port` (`[::1]:port`), or a port on 127.0.0.1. Port 0 picks a free one. */
type ListenAddress = string | number | { host?: string; port?: number };

export interface BuiltinRouterOptions {
  /** Where users' traffic comes in. Default 127.0.0.1, a free port. */
  listen?: ListenAddress;
  /** The admin API; loopback only unless `allowRemoteAdmin`. Default 127.0.0.1, a free port. */
  admin?: ListenAddress;
  /** version name → base URL where it answers (http or https). */
  versions: Readonly<Record<string, string>>;
  /** The starting weights (default: all traffic on the first version). */
  weights?: Readonly<Record<string, number>>;
  /** Lets the admin API listen on a non-loopback address (it has no authentication). */
  allowRemoteAdmin?: boolean;
  limits?: Partial<ProxyLimits>;
  /** How long `close` lets in-flight requests finish before cutting them, ms. Default 10 s. */
  closeGraceMs?: number;
}

export interface RunningBuiltinRouter {
  /** http://host:port users send requests to. */
  address: string;
  /** http://host:port of the admin API (RouterConfig `{ type: 'builtin', admin }`). */
  adminAddress: string;
  proxy: WeightedProxy;
  /** Stops taking requests, lets in-flight ones finish (up to the grace), closes the pools. */
  close(): Promise<void>;
}

function parseListen(
  what: string,
  value: ListenAddress | undefined,
): { host: string; port: number } {
  if (value === undefined) return { host: '127.0.0.1', port: 0 };
  if (typeof value === 'number') return { host: '127.0.0.1', port: value };
  if (typeof value === 'object') return { host: value.host ?? '127.0.0.1', port: value.port ?? 0 };
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value.trim());
  if (!match)
    throw new UsageError(`${what} "${value}" is not host:port`, { hint: 'e.g. 127.0.0.1:8080' });
  return { host: match[1] ?? match[2]!, port: Number(match[3]) };
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

function listen(server: http.Server, address: { host: string; port: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      const bound = server.address();
      if (typeof bound !== 'object' || !bound) return reject(new Error('no address'));
      const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
      resolve(`http://${host}:${bound.port}`);
    });
  });
}

/** Starts sluice's built-in weighted reverse proxy and its admin API. */
export async function startBuiltinRouter(
  options: BuiltinRouterOptions,
): Promise<RunningBuiltinRouter> {
  const names = Object.keys(options.versions);
  if (names.length === 0) throw new UsageError('the built-in router needs at least one version');
  const adminAt = parseListen('admin', options.admin);
  if (!options.allowRemoteAdmin && !isLoopback(adminAt.host))
    throw new UsageError(
      `the built-in router's admin API would listen on ${adminAt.host}, which is not loopback`,
      {
        hint: 'it has no authentication: keep it on 127.0.0.1, or allow a remote admin explicitly',
      },
    );
  const listenAt = parseListen('listen', options.listen);
  let initial: RoutingState = {
    weights: Object.fromEntries(names.map((name, index) => [name, index === 0 ? 100 : 0])),
    mirror: undefined,
    headerRoutes: [],
  };
  if (options.weights) {
    try {
      initial = applyPatch(initial, names, { weights: options.weights });
    } catch (error) {
      if (error instanceof StateError) throw new UsageError(`built-in router: ${error.message}`);
      throw error;
    }
  }
  let proxy: WeightedProxy;
  try {
    proxy = new WeightedProxy(options.versions, initial, options.limits);
  } catch (error) {
    throw new UsageError(`built-in router: ${(error as Error).message}`);
  }
  const traffic = http.createServer({ keepAlive: true }, proxy.handle);
  traffic.keepAliveTimeout = 65_000;
  traffic.headersTimeout = 66_000;
  const admin = http.createServer(adminHandler(proxy, options.allowRemoteAdmin === true));
  const address = await listen(traffic, listenAt);
  let adminAddress: string;
  try {
    adminAddress = await listen(admin, adminAt);
  } catch (error) {
    traffic.close();
    throw error;
  }
  const grace = options.closeGraceMs ?? 10_000;
  return {
    address,
    adminAddress,
    proxy,
    close: async () => {
      const closed = Promise.all([
        new Promise<void>((resolve) => traffic.close(() => resolve())),
        new Promise<void>((resolve) => admin.close(() => resolve())),
      ]);
      traffic.closeIdleConnections();
      admin.closeIdleConnections();
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        closed,
        new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            traffic.closeAllConnections();
            admin.closeAllConnections();
            resolve();
          }, grace);
        }),
      ]);
      clearTimeout(timer);
      proxy.destroy();
    },
  };
}
