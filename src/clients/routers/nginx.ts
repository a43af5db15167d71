import { randomBytes } from 'node:crypto';
import { readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InfraError, UsageError } from '../../core/errors.js';
import type { TrafficCapabilities, TrafficRouter, TrafficState } from '../../core/ports.js';
import type { NginxRouterConfig, RouterDeps } from './config.js';
import { bounded, completeWeights, percentsOf, routeAll, type HeaderRoute } from './weights.js';

const UPSTREAM_NAME = /^[A-Za-z0-9_]{1,64}$/;
const SERVER_ADDRESS = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9a-fA-F:.]{2,45}\]):\d{1,5}$/;
const VERSION_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** A header a route may match (nginx's `$http_<name>`), and the values it may match, literally. */
const HEADER_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;
const HEADER_VALUE = /^[A-Za-z0-9._~:/+=-]{1,128}$/;
/** Largest upstream file read back, bytes: ours are a few hundred. */
const MAX_FILE_BYTES = 256 * 1024;

/** What sluice's upstream file says: server weights (0 = down) and the mirror upstream. */
export interface NginxUpstreamFile {
  generation: number | undefined;
  /** host:port → weight, 0 for `down`. */
  servers: Map<string, number>;
  /** host:port of the mirror upstream, if the file has one. */
  mirror: string | undefined;
  /** The header routes of the route map (`headerRoutes: true`): header, value → host:port. */
  routes: { header: string; value: string; server: string }[];
}

/** nginx weights from percents: the percents themselves when whole, else scaled by 10 or 100. */
export function nginxWeights(percents: Readonly<Record<string, number>>): Record<string, number> {
  const values = Object.values(percents);
  const scale =
    [1, 10, 100].find((factor) =>
      values.every((value) => Math.abs(value * factor - Math.round(value * factor)) < 1e-9),
    ) ?? 100;
  return Object.fromEntries(
    Object.entries(percents).map(([name, value]) => [name, Math.round(value * scale)]),
  );
}

function mirrorUpstreamName(upstream: string): string {
  return `${upstream}__sluice_mirror`;
}

/** The variable the user's `proxy_pass http://$…` names when the router routes by header. */
export function routeVariable(upstream: string): string {
  return `${upstream}__sluice_route`;
}

function headerUpstreamName(upstream: string, index: number): string {
  return `${upstream}__sluice_h${index}`;
}

/** The header routes nginx can do with one `map`: one header, literal values, known versions. */
export function checkHeaderRoutes(
  where: string,
  versions: readonly string[],
  routes: readonly HeaderRoute[],
): void {
  const headers = new Set(routes.map((r) => r.header.toLowerCase()));
  if (headers.size > 1)
    throw new UsageError(
      `${where}: nginx routes by one header (one map); these routes match ${[...headers].map((h) => bounded(h, 40)).join(', ')}`,
    );
  const values = new Set<string>();
  for (const route of routes) {
    if (!HEADER_NAME.test(route.header))
      throw new UsageError(
        `${where}: "${bounded(route.header, 60)}" is not a header name nginx can match (letters, digits, -)`,
      );
    if (!HEADER_VALUE.test(route.value))
      throw new UsageError(
        `${where}: the header value "${bounded(route.value, 60)}" has characters the nginx router does not put in a map (letters, digits, . _ ~ : / + = -)`,
      );
    if (!versions.includes(route.version))
      throw new UsageError(`${where} has no version "${bounded(route.version, 60)}"`);
    if (values.has(route.value))
      throw new UsageError(`${where}: two routes match ${route.header}: ${route.value}`);
    values.add(route.value);
  }
}

/** The upstream include file (http context): the weighted upstream, and the mirror's if any. */
export function renderUpstreamFile(
  config: Pick<NginxRouterConfig, 'upstream' | 'servers' | 'headerRoutes'>,
  weights: Readonly<Record<string, number>>,
  mirror: string | undefined,
  generation: number,
  routes: readonly HeaderRoute[] = [],
): string {
  const lines = [
    `# Written by sluice (rollout), generation ${generation}. Replaced whole on every change: do not edit.`,
    `upstream ${config.upstream} {`,
  ];
  for (const [version, weight] of Object.entries(nginxWeights(weights)))
    // nginx refuses weight=0: a version without traffic is `down`.
    lines.push(
      `    server ${config.servers[version]} ${weight > 0 ? `weight=${weight}` : 'down'}; # version ${version}`,
    );
  lines.push('}');
  if (mirror !== undefined)
    lines.push(
      `upstream ${mirrorUpstreamName(config.upstream)} {`,
      `    server ${config.servers[mirror]}; # version ${mirror}`,
      '}',
    );
  if (config.headerRoutes) {
    // The user's location proxies to http://$<upstream>__sluice_route: the weighted upstream,
    // unless the request carries a routed header value (then that version's own upstream).
    routes.forEach((route, i) =>
      lines.push(
        `upstream ${headerUpstreamName(config.upstream, i)} {`,
        `    server ${config.servers[route.version]}; # version ${route.version}`,
        '}',
      ),
    );
    const source = routes[0]
      ? `$http_${routes[0].header.toLowerCase().replace(/-/g, '_')}`
      : '$host';
    lines.push(
      `map ${source} $${routeVariable(config.upstream)} {`,
      `    default ${config.upstream};`,
    );
    routes.forEach((route, i) =>
      lines.push(`    "${route.value}" ${headerUpstreamName(config.upstream, i)};`),
    );
    lines.push('}');
  }
  return `${lines.join('\n')}\n`;
}

/** The mirror include file (server context): a `mirror` to an internal location, or nothing. */
export function renderMirrorFile(upstream: string, mirror: string | undefined): string {
  if (mirror === undefined) return '# Written by sluice (rollout): no mirror.\n';
  const location = `/__sluice_mirror_${upstream}`;
  return [
    `# Written by sluice (rollout): a copy of every request goes to version ${mirror}; its answers are dropped.`,
    `mirror ${location};`,
    'mirror_request_body on;',
    `location = ${location} {`,
    '    internal;',
    `    proxy_pass http://${mirrorUpstreamName(upstream)}$request_uri;`,
    '    proxy_set_header X-Sluice-Mirror 1;',
    '    proxy_connect_timeout 2s;',
    '    proxy_read_timeout 10s;',
    '}',
    '',
  ].join('\n');
}

/**
 * Reads sluice's upstream file back, strictly: comments dropped, then only `upstream NAME { server
 * ADDR weight=N|down; }` blocks. Anything else means someone else wrote it: an InfraError.
 */
export function parseUpstreamFile(
  where: string,
  upstream: string,
  text: string,
): NginxUpstreamFile {
  const fail = (why: string) =>
    new InfraError(`${where}: the upstream file ${why}`, {
      hint: 'sluice writes that file whole; let it rewrite it (setRoute) or restore it',
    });
  const generation = /^# Written by sluice \(rollout\), generation (\d+)\./m.exec(text)?.[1];
  let code = text.replace(/#[^\n]*/g, '');
  // The route map, if any: `map $http_<header>|$host $<upstream>__sluice_route { default
  // <upstream>; "value" <upstream>__sluice_h<i>; }`.
  const routeMaps = [
    ...code.matchAll(/\bmap\s+\$([a-z0-9_]+)\s+\$([A-Za-z0-9_]+)\s*\{([^{}]*)\}/g),
  ];
  if (routeMaps.length > 1) throw fail('has more than one map');
  const routeTargets: { value: string; upstream: string }[] = [];
  let routeHeader: string | undefined;
  if (routeMaps[0]) {
    const [whole, source, variable, body] = routeMaps[0] as unknown as [
      string,
      string,
      string,
      string,
    ];
    if (variable !== routeVariable(upstream))
      throw fail(`has a map sluice did not write ($${variable})`);
    if (source !== 'host') {
      if (!source.startsWith('http_')) throw fail(`maps $${source}, which is no request header`);
      routeHeader = source.slice('http_'.length).replace(/_/g, '-');
    }
    let sawDefault = false;
    for (const statement of body
      .split(';')
      .map((x) => x.trim())
      .filter(Boolean)) {
      const m = /^(?:default|"([A-Za-z0-9._~:/+=-]{1,128})")\s+([A-Za-z0-9_]+)$/.exec(statement);
      if (!m) throw fail(`has a map entry sluice did not write: ${bounded(statement, 120)}`);
      if (m[1] === undefined) {
        if (m[2] !== upstream) throw fail(`maps by default to ${m[2]}, not ${upstream}`);
        sawDefault = true;
      } else routeTargets.push({ value: m[1], upstream: m[2]! });
    }
    if (!sawDefault) throw fail('has a route map without its default');
    if (routeTargets.length && routeHeader === undefined)
      throw fail('has header routes in a map of no header');
    code = code.replace(whole, '');
  }
  const blocks = new Map<string, string>();
  const block = /upstream\s+([A-Za-z0-9_]+)\s*\{([^{}]*)\}/g;
  let rest = code;
  for (const match of code.matchAll(block)) {
    if (blocks.has(match[1]!)) throw fail(`defines upstream ${match[1]} twice`);
    blocks.set(match[1]!, match[2]!);
    rest = rest.replace(match[0], '');
  }
  if (rest.trim() !== '')
    throw fail(`has something besides upstream blocks: ${bounded(rest.trim(), 120)}`);
  const servers = (name: string, body: string) => {
    const out = new Map<string, number>();
    for (const statement of body
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const words = statement.split(/\s+/);
      if (words[0] !== 'server' || !words[1] || !SERVER_ADDRESS.test(words[1]))
        throw fail(
          `has a statement in upstream ${name} sluice did not write: ${bounded(statement, 120)}`,
        );
      let weight = 1;
      for (const parameter of words.slice(2)) {
        const match = /^weight=(\d{1,6})$/.exec(parameter);
        if (match && Number(match[1]) > 0) weight = Number(match[1]);
        else if (parameter === 'down') weight = 0;
        else throw fail(`has a server parameter sluice did not write: ${bounded(parameter, 60)}`);
      }
      if (out.has(words[1])) throw fail(`lists ${words[1]} twice in upstream ${name}`);
      out.set(words[1], weight);
    }
    return out;
  };
  const main = blocks.get(upstream);
  if (main === undefined) throw fail(`has no upstream ${upstream}`);
  const mirrorBody = blocks.get(mirrorUpstreamName(upstream));
  const headerUpstream = new RegExp(`^${upstream}__sluice_h\\d{1,3}$`);
  for (const name of blocks.keys())
    if (name !== upstream && name !== mirrorUpstreamName(upstream) && !headerUpstream.test(name))
      throw fail(`defines an upstream sluice did not write (${name})`);
  const routes = routeTargets.map(({ value, upstream: target }) => {
    const body = blocks.get(target);
    const listed = body === undefined ? [] : [...servers(target, body).keys()];
    if (listed.length !== 1) throw fail(`routes ${value} to ${target}, which is not one server`);
    return { header: routeHeader!, value, server: listed[0]! };
  });
  const mirrorServers =
    mirrorBody === undefined
      ? undefined
      : [...servers(mirrorUpstreamName(upstream), mirrorBody).keys()];
  if (mirrorServers && mirrorServers.length !== 1)
    throw fail('has a mirror upstream without exactly one server');
  return {
    generation: generation === undefined ? undefined : Number(generation),
    servers: servers(upstream, main),
    mirror: mirrorServers?.[0],
    routes,
  };
}

async function readIfThere(file: string): Promise<string | undefined> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new UsageError(`${file} is not a regular file`);
    if (info.size > MAX_FILE_BYTES)
      throw new InfraError(`${file} is over ${MAX_FILE_BYTES} bytes: not a file sluice wrote`);
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Writes a file so that readers see the old or the new content, never half: temp file + rename. */
async function writeAtomically(file: string, content: string): Promise<void> {
  const temp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.sluice-${randomBytes(6).toString('hex')}`,
  );
  try {
    await writeFile(temp, content, { flag: 'wx', mode: 0o644 });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Linux: the pids whose parent is `parent`, and whether each is a worker shutting down. */
async function childrenOf(parent: number): Promise<{ pid: number; shuttingDown: boolean }[]> {
  const out: { pid: number; shuttingDown: boolean }[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const statText = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
    const ppid = Number(statText.slice(statText.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid !== parent) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    out.push({ pid: Number(entry), shuttingDown: cmdline.includes('shutting down') });
  }
  return out;
}

/**
 * nginx with a weighted upstream in an include file. Each change writes the file atomically,
 * runs `nginx -t`, then `nginx -s reload`, and (when nginx's pid file can be read, on Linux)
 * waits for the master to start new workers, which it does only after loading the new
 * configuration, and for the old workers to stop taking connections. Any failure puts the previous file back (and reloads if nginx may have taken
 * the new one) and throws an InfraError naming the step. A reload is graceful: old workers finish
 * their requests; idle keep-alive connections to them are closed.
 */
export class NginxTrafficRouter implements TrafficRouter {
  readonly name: string;
  readonly capabilities: TrafficCapabilities;
  private readonly versions: string[];
  private readonly binary: string[];

  constructor(
    private readonly config: NginxRouterConfig,
    private readonly deps: RouterDeps,
  ) {
    const where = 'router (nginx)';
    if (!UPSTREAM_NAME.test(config.upstream))
      throw new UsageError(
        `${where}: upstream "${bounded(config.upstream, 60)}" is not an nginx upstream name`,
        { hint: 'letters, digits and _ only' },
      );
    this.versions = Object.keys(config.servers);
    if (this.versions.length === 0) throw new UsageError(`${where}: servers names no version`);
    for (const [version, address] of Object.entries(config.servers)) {
      if (!VERSION_NAME.test(version))
        throw new UsageError(
          `${where}: version name "${bounded(version, 60)}" may hold only letters, digits, _ . -`,
        );
      if (!SERVER_ADDRESS.test(address))
        throw new UsageError(
          `${where}: server "${bounded(address, 80)}" of version ${version} is not host:port`,
        );
    }
    if (new Set(Object.values(config.servers)).size !== this.versions.length)
      throw new UsageError(`${where}: two versions have the same server address`);
    this.name = `nginx (upstream ${config.upstream} in ${config.upstreamFile})`;
    this.capabilities = {
      weights: true,
      mirror: config.mirrorFile !== undefined,
      headerRouting: config.headerRoutes === true,
    };
    this.binary = [
      ...(config.prefix ? ['-p', config.prefix] : []),
      ...(config.conf ? ['-c', config.conf] : []),
    ];
  }

  private async run(argv: readonly string[], step: string, signal?: AbortSignal): Promise<void> {
    const [command, ...args] = argv;
    if (!command) throw new UsageError(`${this.name}: the ${step} command is empty`);
    let result: { exitCode: number; stdout: string; stderr: string };
    try {
      result = await this.deps.exec.run(command, args, {
        allowFailure: true,
        timeoutMs: 30_000,
        signal: signal ?? this.deps.signal,
      });
    } catch (error) {
      throw new InfraError(
        `${this.name}: ${step} (\`${argv.join(' ')}\`) did not run: ${bounded((error as Error).message, 200)}`,
        { cause: error },
      );
    }
    if (result.exitCode !== 0)
      throw new InfraError(
        `${this.name}: ${step} (\`${argv.join(' ')}\`) failed with exit ${result.exitCode}: ${bounded(result.stderr || result.stdout, 400)}`,
      );
  }

  private pidFile(): string | undefined {
    return (
      this.config.pidFile ??
      (this.config.prefix ? path.join(this.config.prefix, 'logs/nginx.pid') : undefined)
    );
  }

  private async master(): Promise<number | undefined> {
    const file = this.pidFile();
    if (!file) return undefined;
    const text = await readFile(file, 'utf8').catch(() => undefined);
    const pid = Number(text?.trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }

  /** Writes both files, tests, reloads, checks; on any failure restores what was there. */
  private async apply(
    weights: Record<string, number>,
    mirror: string | undefined,
    routes: readonly HeaderRoute[],
    signal?: AbortSignal,
  ): Promise<void> {
    const previous = await readIfThere(this.config.upstreamFile);
    const previousMirror = this.config.mirrorFile
      ? await readIfThere(this.config.mirrorFile)
      : undefined;
    const generation = (previous ? (parseUpstreamFileLoose(previous) ?? 0) : 0) + 1;
    const previousTimes = await stat(this.config.upstreamFile).catch(() => undefined);
    const restore = async () => {
      if (previous === undefined) await rm(this.config.upstreamFile, { force: true });
      else {
        await writeAtomically(this.config.upstreamFile, previous);
        // Its old times too: the same bytes nginx loaded still read back as loaded (checkLoaded),
        // so a rollback after a failed test or reload can say what nginx does.
        if (previousTimes)
          await utimes(this.config.upstreamFile, previousTimes.atime, previousTimes.mtime).catch(
            () => undefined,
          );
      }
      if (this.config.mirrorFile) {
        if (previousMirror === undefined) await rm(this.config.mirrorFile, { force: true });
        else await writeAtomically(this.config.mirrorFile, previousMirror);
      }
    };
    await writeAtomically(
      this.config.upstreamFile,
      renderUpstreamFile(this.config, weights, mirror, generation, routes),
    );
    if (this.config.mirrorFile)
      await writeAtomically(this.config.mirrorFile, renderMirrorFile(this.config.upstream, mirror));
    try {
      await this.run(
        this.config.test ?? ['nginx', ...this.binary, '-t'],
        'the configuration test',
        signal,
      );
    } catch (error) {
      await restore();
      throw withNote(
        error,
        'the previous upstream file is back; nginx was not reloaded and routes as before',
      );
    }
    const master = await this.master();
    const before =
      master === undefined
        ? undefined
        : new Set((await childrenOf(master)).map((child) => child.pid));
    try {
      await this.run(
        this.config.reload ?? ['nginx', ...this.binary, '-s', 'reload'],
        'the reload',
        signal,
      );
      if (master !== undefined && before !== undefined)
        await this.waitForNewWorkers(master, before, signal);
      else
        this.deps.logger.debug(
          `${this.name}: no readable pid file; the reload is not checked beyond its exit code`,
        );
    } catch (error) {
      await restore();
      // nginx may have taken the new file before the failure showed: make it load the old one again.
      await this.run(
        this.config.reload ?? ['nginx', ...this.binary, '-s', 'reload'],
        'the reload of the restored file',
        signal,
      ).catch(() => undefined);
      throw withNote(error, 'the previous upstream file is back and nginx was asked to reload it');
    }
  }

  private async waitForNewWorkers(
    master: number,
    before: Set<number>,
    signal?: AbortSignal,
  ): Promise<void> {
    const timeout = this.config.reloadTimeoutMs ?? 10_000;
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline) {
      signal?.throwIfAborted();
      const now = await childrenOf(master);
      // Done when a new worker runs and no old one still takes connections: an old worker
      // accepts until it handles the master's signal, then shows "shutting down" and only
      // finishes the requests it has.
      const fresh = now.some((child) => !before.has(child.pid) && !child.shuttingDown);
      const oldAccepting = now.some((child) => before.has(child.pid) && !child.shuttingDown);
      if (fresh && !oldAccepting) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new InfraError(
      `${this.name}: nginx's master (pid ${master}) started no new workers within ${timeout} ms of the reload, so it did not load the new configuration`,
      {
        hint: "see nginx's error log: a reload that fails after `nginx -t` (a port in use, a file it cannot open) is logged there",
      },
    );
  }

  async setWeights(weights: Readonly<Record<string, number>>, signal?: AbortSignal): Promise<void> {
    const full = completeWeights(this.name, this.versions, weights);
    const current = await this.current();
    await this.apply(full, current.mirror, current.routes, signal);
  }

  /** All traffic on one version: header routes go too (as the gateway-api router does). */
  async setRoute(version: string, signal?: AbortSignal): Promise<void> {
    await this.apply(
      routeAll(this.name, this.versions, version),
      (await this.current()).mirror,
      [],
      signal,
    );
  }

  /** Requests carrying `header: value` go to that version's server alone (`headerRoutes: true`). */
  async setHeaderRoutes(routes: HeaderRoute[], signal?: AbortSignal): Promise<void> {
    if (!this.config.headerRoutes)
      throw new UsageError(
        `${this.name}: routing by header needs headerRoutes: true (and proxy_pass http://$${routeVariable(this.config.upstream)} in the location)`,
      );
    checkHeaderRoutes(this.name, this.versions, routes);
    const state = await this.readBack(signal);
    await this.apply(state.weights, state.mirror, routes, signal);
  }

  async setMirror(version: string | undefined, signal?: AbortSignal): Promise<void> {
    if (!this.config.mirrorFile)
      throw new UsageError(
        `${this.name}: mirroring needs a mirror file included in the nginx server block`,
      );
    if (version !== undefined && !this.versions.includes(version))
      throw new UsageError(`${this.name} has no version "${bounded(version, 60)}"`);
    const state = await this.readBack(signal);
    await this.apply(state.weights, version, state.headerRoutes ?? [], signal);
  }

  /** The mirror and header routes the file holds now, kept by a change of weights. */
  private async current(): Promise<{ mirror: string | undefined; routes: HeaderRoute[] }> {
    const none = { mirror: undefined, routes: [] };
    if (!this.config.mirrorFile && !this.config.headerRoutes) return none;
    const text = await readIfThere(this.config.upstreamFile);
    if (text === undefined) return none;
    let parsed: NginxUpstreamFile;
    try {
      parsed = parseUpstreamFile(this.name, this.config.upstream, text);
    } catch (error) {
      // A file someone else changed must not block a change (a rollback above all): it is
      // rewritten whole, without a mirror or header routes.
      this.deps.logger.warn(
        `${(error as Error).message}; rewriting it without a mirror or header routes`,
      );
      return none;
    }
    const versionAt = (address: string | undefined) =>
      this.versions.find((version) => this.config.servers[version] === address);
    return {
      mirror: this.config.mirrorFile ? versionAt(parsed.mirror) : undefined,
      routes: this.config.headerRoutes
        ? parsed.routes.flatMap((r) => {
            const version = versionAt(r.server);
            return version ? [{ header: r.header, value: r.value, version }] : [];
          })
        : [],
    };
  }

  /**
   * Parses the upstream file and checks, where it can (Linux, a readable pid file), that nginx
   * loaded it: a file changed after the newest worker started is not what nginx is running.
   */
  async readBack(_signal?: AbortSignal): Promise<TrafficState> {
    const text = await readIfThere(this.config.upstreamFile);
    if (text === undefined)
      throw new InfraError(
        `${this.name}: the upstream file does not exist, so nginx is not routing through it`,
      );
    const parsed = parseUpstreamFile(this.name, this.config.upstream, text);
    const raw: Record<string, number> = {};
    for (const [address, weight] of parsed.servers) {
      const version = this.versions.find((name) => this.config.servers[name] === address);
      if (version === undefined)
        throw new InfraError(
          `${this.name}: the upstream file routes to ${address}, which is no version sluice knows`,
        );
      raw[version] = weight;
    }
    for (const version of this.versions) raw[version] ??= 0;
    await this.checkLoaded();
    const state: TrafficState = { weights: percentsOf(raw) };
    if (parsed.mirror !== undefined) {
      const mirror = this.versions.find(
        (version) => this.config.servers[version] === parsed.mirror,
      );
      const mirrorOn = this.config.mirrorFile
        ? /^\s*mirror\s+\//m.test((await readIfThere(this.config.mirrorFile)) ?? '')
        : false;
      if (mirror !== undefined && mirrorOn) state.mirror = mirror;
    }
    const routes = parsed.routes.map((route) => {
      const version = this.versions.find((name) => this.config.servers[name] === route.server);
      if (version === undefined)
        throw new InfraError(
          `${this.name}: the upstream file routes ${route.header}: ${route.value} to ${route.server}, which is no version sluice knows`,
        );
      return { header: route.header, value: route.value, version };
    });
    if (routes.length) state.headerRoutes = routes;
    return state;
  }

  private async checkLoaded(): Promise<void> {
    const master = await this.master();
    if (master === undefined) {
      const file = this.pidFile();
      const text = file === undefined ? undefined : await readIfThere(file);
      // A pid file the spec names, gone: nginx removed it on exit (or never started). Any pid
      // file without a pid: nginx is not running (`nginx -t` creates an empty one), or is
      // writing or removing it.
      if (file !== undefined && (text !== undefined || this.config.pidFile !== undefined))
        throw new InfraError(
          text === undefined
            ? `${this.name}: nginx is not running (its pid file ${file} does not exist), so it routes nothing`
            : `${this.name}: nginx's pid file ${file} holds no pid: nginx is not running, or is starting or stopping (nginx -t leaves an empty one), so what it routes is unknown`,
          { hint: 'start nginx, then run `sluice rollout abort` to put traffic on stable' },
        );
      return;
    }
    const workers = (await childrenOf(master)).filter((child) => !child.shuttingDown);
    if (workers.length === 0)
      throw new InfraError(
        `${this.name}: nginx's master (pid ${master}) has no workers: is nginx running?`,
      );
    const ticks = 100; // USER_HZ on Linux
    const boot = Number(
      /^btime (\d+)$/m.exec(await readFile('/proc/stat', 'utf8').catch(() => ''))?.[1],
    );
    if (!Number.isFinite(boot)) return;
    let newest = 0;
    for (const worker of workers) {
      const statText = await readFile(`/proc/${worker.pid}/stat`, 'utf8').catch(() => '');
      const start = Number(statText.slice(statText.lastIndexOf(')') + 2).split(' ')[19]);
      if (Number.isFinite(start)) newest = Math.max(newest, boot * 1000 + (start / ticks) * 1000);
    }
    const written = (await stat(this.config.upstreamFile)).mtimeMs;
    // The worker start time is rounded to whole seconds of boot time plus 10 ms ticks.
    if (newest > 0 && written > newest + 1000)
      throw new InfraError(
        `${this.name}: the upstream file changed after nginx's newest worker started: nginx may still route by an older file`,
        { hint: 'reload nginx, or let sluice rewrite the file (setRoute)' },
      );
  }
}

function parseUpstreamFileLoose(text: string): number | undefined {
  const match = /^# Written by sluice \(rollout\), generation (\d+)\./m.exec(text);
  return match ? Number(match[1]) : undefined;
}

function withNote(error: unknown, note: string): unknown {
  if (error instanceof InfraError)
    return new InfraError(`${error.message} (${note})`, { hint: error.hint, cause: error });
  return error;
}
