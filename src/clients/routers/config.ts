/**
 * The router shapes of the shared rollout plan (ROLLOUT.md). R-core owns them in
 * src/core/rollout/model.ts; until that is merged they are written here exactly as the plan says,
 * plus optional fields this package reads (marked "R-routers"). At merge these become re-exports.
 */
import type { Exec, Logger } from '../../core/ports.js';

export interface VersionRef {
  name: string;
  /** Where the version answers directly. */
  url?: string;
}

export interface BuiltinRouterConfig {
  type: 'builtin';
  /** http://127.0.0.1:PORT of the built-in proxy's admin API. */
  admin: string;
  /** R-routers: the longest one admin call may take, in ms (default 5000). */
  timeoutMs?: number;
}

export interface NginxRouterConfig {
  type: 'nginx';
  /** The include file sluice writes (http context): it holds the `upstream` block. */
  upstreamFile: string;
  /** The upstream's name, as the user's `proxy_pass http://NAME` uses it. */
  upstream: string;
  /** version → host:port. */
  servers: Record<string, string>;
  /** argv; default `nginx [-p prefix] [-c conf] -s reload`. */
  reload?: string[];
  prefix?: string;
  /** R-routers: the main configuration file (`nginx -c`). */
  conf?: string;
  /** R-routers: argv of the configuration test; default `nginx [-p prefix] [-c conf] -t`. */
  test?: string[];
  /**
   * R-routers: an include file in the `server` context of the user's server block, which sluice
   * fills with a `mirror` directive and its internal location while a version is mirrored (empty
   * otherwise). Without it the nginx router cannot mirror.
   */
  mirrorFile?: string;
  /**
   * R-routers: nginx's pid file, to check that its master started new workers after a reload
   * (default `<prefix>/logs/nginx.pid` with a prefix). Without a readable one the check is skipped.
   */
  pidFile?: string;
  /** R-routers: how long a reload may take to show new workers, in ms (default 10000). */
  reloadTimeoutMs?: number;
}

export interface HaproxyRouterConfig {
  type: 'haproxy';
  /** Unix socket path, or host:port, of HAProxy's runtime API. */
  socket: string;
  backend: string;
  /** version → server name in the backend. */
  servers: Record<string, string>;
  /** R-routers: the longest one runtime API call may take, in ms (default 5000). */
  timeoutMs?: number;
}

export type RouterConfig = BuiltinRouterConfig | NginxRouterConfig | HaproxyRouterConfig;

export interface RouterDeps {
  exec: Exec;
  logger: Logger;
  signal?: AbortSignal;
}
