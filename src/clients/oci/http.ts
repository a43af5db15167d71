import { InfraError, SluiceError, UsageError } from '../../core/errors.js';
import type { SecretMasker } from '../../core/ports.js';
import { shorten } from '../../core/registry/digest.js';
import { isLoopbackRegistry } from '../../core/registry/reference.js';
import { MIN_SECRET, maskForms, secretForms } from '../../core/secret-forms.js';
import { basicHeader, parseChallenge, type Challenge, type Credentials } from './auth.js';

export type Fetch = typeof fetch;

export interface RegistryHttpOptions {
  registry: string;
  /** Allow plain HTTP to a registry that is not on loopback. */
  insecure?: boolean;
  credentials?: Credentials;
  fetch?: Fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Attempts per request for network errors, timeouts, 5xx, 408 and 429. */
  maxAttempts?: number;
  baseDelayMs?: number;
  /** What to tell the user when access is denied: it depends on where credentials come from. */
  deniedHint?: string;
  /**
   * Told every secret this client sends or receives (the password, `user:password` whose base64
   * goes in the Basic header, identity tokens, bearer and refresh tokens the moment they arrive).
   */
  masker?: SecretMasker;
  /**
   * The longest one request may take, retries included, in ms (default 300 s). Transfers of a
   * large body (blob chunks) have no total limit, only the idle one.
   */
  timeoutMs?: number;
  /** The longest the server may stay silent (connect, answer, next byte), in ms (default: a fifth of timeoutMs, at most 60 s). */
  idleTimeoutMs?: number;
  /** What the user sets to change timeoutMs, for the hint of a timeout. */
  timeoutInput?: string;
}

export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** A path under the registry (`/v2/…`) or an absolute URL (an upload Location). */
  url: string;
  /** Token scopes the request needs, e.g. `repository:team/model:pull,push`. */
  scopes: readonly string[];
  headers?: Record<string, string>;
  body?: Buffer;
  /** Statuses to retry are retried; everything else comes back to the caller. */
  retry?: boolean;
  /**
   * The response body is a blob streamed by the caller: once the answer arrives, only silence
   * (the idle timeout) stops it, not the total time.
   */
  transfer?: boolean;
}

const DEFAULT_TIMEOUT_MS = 300_000;
const MAX_IDLE_MS = 60_000;
const MAX_REDIRECTS = 5;
/** Token answers and error bodies are small; anything larger is not read past this. */
const MAX_SMALL_BODY = 64 * 1024;
/** Characters of a server's error text that reach a message. */
const MAX_SERVER_TEXT = 200;

/** Bodies from this size up are streamed to fetch rather than handed over (and copied) whole. */
const LARGE_BODY = 1 << 20;
/** Pieces of a streamed body: each one taken by fetch shows the upload is moving. */
const BODY_PIECE = 256 * 1024;

function bufferStream(bytes: Buffer, onPull: () => void): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      onPull();
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      const end = Math.min(offset + BODY_PIECE, bytes.length);
      controller.enqueue(bytes.subarray(offset, end));
      offset = end;
    },
  });
}

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);
const REDIRECT = new Set([301, 302, 303, 307, 308]);
const NULL_BODY = new Set([101, 204, 205, 304]);

interface Token {
  header: string;
  expiresAt: number;
}

/** A server that stopped answering, or a request past its total time: retried like a network error. */
class Silence extends Error {}

/** A token service problem that another attempt may not have (network, timeout, 5xx). */
class TransientTokenProblem extends Error {}

/** Aborts a request when the server stays silent for the idle time, or at the deadline. */
class Watchdog {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly controller: AbortController,
    private readonly idleMs: number,
    private readonly deadline: number,
    private readonly host: string,
  ) {}

  arm(): void {
    this.clear();
    const untilDeadline = this.deadline - Date.now();
    const idle = untilDeadline >= this.idleMs;
    this.timer = setTimeout(
      () =>
        this.controller.abort(
          new Silence(
            idle
              ? `no answer from ${this.host} within ${seconds(this.idleMs)}`
              : `${this.host} did not answer before the time for the request ran out`,
          ),
        ),
      Math.max(0, Math.min(this.idleMs, untilDeadline)),
    );
  }

  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(ms < 10_000 ? 1 : 0))} s`;
}

interface Exchange {
  method: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** The body itself is a secret (a refresh token form): it never follows a redirect to another origin. */
  secretBody?: boolean;
  /** See RegistryRequest.transfer. */
  transfer?: boolean;
}

/**
 * HTTP to one registry: picks the scheme, answers auth challenges (basic, or a bearer token
 * fetched from the challenge's realm and cached per scope), and retries transient failures
 * with exponential backoff within a total time. Every request has an idle timeout; redirects
 * are followed a few times, and credentials go only to the origin they were meant for. Every
 * secret is registered with the masker, and no message carries one (in any encoding).
 */
export class RegistryHttp {
  readonly registry: string;
  readonly base: string;
  private readonly origin: string;
  private readonly fetchImpl: Fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly credentials: Credentials | undefined;
  private readonly deniedHint: string | undefined;
  private readonly masker: SecretMasker | undefined;
  readonly timeoutMs: number;
  readonly idleTimeoutMs: number;
  private readonly timeoutInput: string;
  private readonly secretForms: string[] = [];
  private basic = false;
  private readonly tokens = new Map<string, Token>();
  private readonly pendingAuth = new Map<string, Promise<string | undefined>>();

  constructor(options: RegistryHttpOptions) {
    this.registry = options.registry;
    const plain = options.insecure === true || isLoopbackRegistry(options.registry);
    this.base = `${plain ? 'http' : 'https'}://${options.registry}`;
    this.origin = new URL(this.base).origin;
    this.fetchImpl = options.fetch ?? fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.maxAttempts = options.maxAttempts ?? 5;
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.credentials = options.credentials;
    this.deniedHint = options.deniedHint;
    this.masker = options.masker;
    this.timeoutMs = Math.max(1, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.idleTimeoutMs = Math.max(
      1,
      options.idleTimeoutMs ?? Math.min(MAX_IDLE_MS, Math.ceil(this.timeoutMs / 5)),
    );
    this.timeoutInput = options.timeoutInput ?? 'network-timeout';
    const { username, password, identityToken } = options.credentials ?? {};
    this.protect(password);
    this.protect(identityToken);
    // What goes in the Basic header is base64 of `user:password`, not of the password alone.
    if (username !== undefined && password !== undefined) this.protect(`${username}:${password}`);
  }

  /** Registers a secret: masked in every message of this client, and by the run's masker. */
  protect(secret: string | undefined): void {
    if (secret === undefined || secret.length < MIN_SECRET) return;
    this.masker?.add(secret);
    let added = false;
    for (const form of secretForms(secret)) {
      if (this.secretForms.includes(form)) continue;
      this.secretForms.push(form);
      added = true;
    }
    if (added) this.secretForms.sort((a, b) => b.length - a.length);
  }

  /** `text` without any secret this client knows (nor any the run's masker knows). */
  mask(text: string): string {
    const own = maskForms(text, this.secretForms);
    return this.masker ? this.masker.mask(own) : own;
  }

  resolve(url: string): string {
    return new URL(url, this.base).toString();
  }

  async send(request: RegistryRequest): Promise<Response> {
    const attempts = request.retry === false ? 1 : this.maxAttempts;
    // A large body takes as long as the link needs: only silence stops it, not the clock.
    const transfer = (request.body?.length ?? 0) >= LARGE_BODY;
    const started = Date.now();
    const deadline = transfer ? Infinity : started + this.timeoutMs;
    let lastProblem = '';
    let made = 0;
    let outOfTime = false;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      if (attempt > 1) {
        // The backoff shrinks near the deadline so the last attempt still gets some time.
        const left = deadline - Date.now();
        if (left < 50) {
          outOfTime = true;
          break;
        }
        await this.sleep(Math.min(this.baseDelayMs * 2 ** (attempt - 2), left / 2));
      }
      made = attempt;
      let response: Response;
      try {
        response = await this.sendAuthorized(request, deadline);
      } catch (error) {
        if (error instanceof SluiceError) throw error;
        lastProblem = networkProblem(error);
        if (Date.now() >= deadline) {
          outOfTime = true;
          break;
        }
        continue;
      }
      if (!RETRYABLE.has(response.status)) return response;
      const detail = await this.serverText(response);
      lastProblem = `HTTP ${response.status}${detail ? ` ${detail}` : ''}`;
    }
    const tried = `${made} attempt${made === 1 ? '' : 's'}`;
    throw new InfraError(
      this.mask(
        `${request.method} ${this.describe(request.url)} failed after ${tried}${outOfTime ? ` in ${seconds(Date.now() - started)}` : ''}: ${lastProblem}`,
      ),
      {
        hint: outOfTime
          ? `Check that the registry ${this.registry} is up and reachable; ${this.timeoutInput} (now ${seconds(this.timeoutMs)}) bounds each request, retries included.`
          : `Check that the registry ${this.registry} is up and reachable.`,
      },
    );
  }

  private async sendAuthorized(request: RegistryRequest, deadline: number): Promise<Response> {
    const sent = this.cachedAuth(request.scopes);
    let response = await this.once(request, sent, deadline);
    if (response.status !== 401) return response;
    const challenge = parseChallenge(response.headers.get('www-authenticate'));
    await discard(response);
    if (!challenge)
      throw this.denied(request, 'the registry asked for authentication without saying how');
    // Requests in flight together all meet the same refused token: one new token serves them.
    const renewed = this.cachedAuth(request.scopes);
    const header =
      renewed !== undefined && renewed !== sent
        ? renewed
        : await this.authorizeOnce(challenge, request.scopes, deadline);
    response = await this.once(request, header, deadline);
    if (response.status === 401 || response.status === 403) {
      await discard(response);
      throw this.denied(
        request,
        this.credentials ? 'the credentials were refused' : 'the registry needs credentials',
      );
    }
    return response;
  }

  private once(
    request: RegistryRequest,
    authorization: string | undefined,
    deadline: number,
  ): Promise<Response> {
    const exchange: Exchange = {
      method: request.method,
      headers: { ...request.headers },
      transfer: request.transfer === true,
    };
    if (request.body !== undefined) exchange.body = request.body;
    return this.exchange(
      new URL(this.resolve(request.url)),
      exchange,
      authorization,
      this.origin,
      deadline,
    );
  }

  /**
   * One request with its redirects. `authorization` goes only to `authOrigin`: a redirect or an
   * upload Location on another host gets none. HTTPS never redirects to plain HTTP.
   */
  private async exchange(
    first: URL,
    request: Exchange,
    authorization: string | undefined,
    authOrigin: string,
    deadline: number,
  ): Promise<Response> {
    let url = first;
    let method = request.method;
    let body = request.body;
    for (let hop = 0; ; hop += 1) {
      const controller = new AbortController();
      const watchdog = new Watchdog(controller, this.idleTimeoutMs, deadline, url.host);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers))
        if (name.toLowerCase() !== 'authorization') headers[name] = value;
      if (authorization !== undefined && url.origin === authOrigin)
        headers.authorization = authorization;
      const init: RequestInit = {
        method,
        headers,
        redirect: 'manual',
        signal: controller.signal,
      };
      if (body !== undefined) {
        if (body.length >= LARGE_BODY) {
          // fetch copies a Buffer body before sending it; a stream over the same bytes is sent
          // as it is, so a 16 MiB chunk costs 16 MiB, not 32 (made anew for each attempt).
          headers['content-length'] = String(body.length);
          Object.assign(init, { body: bufferStream(body, () => watchdog.arm()), duplex: 'half' });
        } else init.body = body;
      }
      watchdog.arm();
      let response: Response;
      try {
        response = await this.fetchImpl(url.toString(), init);
      } catch (error) {
        watchdog.clear();
        throw controller.signal.aborted ? controller.signal.reason : error;
      }
      const location = REDIRECT.has(response.status) ? response.headers.get('location') : null;
      watchdog.clear();
      if (location === null) {
        const bodyDeadline = request.transfer ? Infinity : deadline;
        const reading = new Watchdog(controller, this.idleTimeoutMs, bodyDeadline, url.host);
        return this.watchBody(
          response,
          reading,
          controller,
          `${method} ${this.describe(url.toString())}`,
        );
      }
      await discard(response);
      if (hop >= MAX_REDIRECTS)
        throw new InfraError(
          `${url.host} redirected ${method} ${this.describe(first.toString())} more than ${MAX_REDIRECTS} times`,
        );
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new InfraError(`${url.host} redirected to an address that is not a URL`);
      }
      if (next.protocol !== 'https:' && next.protocol !== 'http:')
        throw new InfraError(`${url.host} redirected to a ${shorten(next.protocol, 20)} address`);
      if (url.protocol === 'https:' && next.protocol === 'http:')
        throw new InfraError(
          `${url.host} redirected from HTTPS to plain HTTP (${next.host}); refused`,
        );
      if (request.secretBody && next.origin !== url.origin)
        throw new InfraError(
          `${url.host} redirected a token request to another host (${next.host}); refused: it carries a secret`,
        );
      const toGet =
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) &&
          method !== 'GET' &&
          method !== 'HEAD');
      if (toGet) {
        method = 'GET';
        body = undefined;
      }
      url = next;
    }
  }

  /**
   * The response with its body under the idle timeout: a server that stops sending in the
   * middle of a body fails the read with an InfraError naming it, instead of hanging.
   */
  private watchBody(
    response: Response,
    watchdog: Watchdog,
    controller: AbortController,
    what: string,
  ): Response {
    const source = response.body;
    if (source === null || NULL_BODY.has(response.status)) {
      if (source !== null) void source.cancel().catch(() => undefined);
      return source === null
        ? response
        : new Response(null, { status: response.status, headers: response.headers });
    }
    const reader = source.getReader();
    const body = new ReadableStream<Uint8Array>(
      {
        pull: async (stream) => {
          watchdog.arm();
          try {
            const { done, value } = await reader.read();
            watchdog.clear();
            if (done) stream.close();
            else stream.enqueue(value);
          } catch (error) {
            watchdog.clear();
            const why = controller.signal.aborted
              ? networkProblem(controller.signal.reason)
              : networkProblem(error);
            stream.error(
              new InfraError(this.mask(`Reading the answer to ${what} failed: ${why}`), {
                hint: `Check that the registry ${this.registry} is up and reachable; a server silent for ${seconds(this.idleTimeoutMs)} is given up on (${this.timeoutInput}).`,
              }),
            );
          }
        },
        cancel: async (reason) => {
          watchdog.clear();
          await reader.cancel(reason).catch(() => undefined);
        },
      },
      { highWaterMark: 0 },
    );
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  }

  private cachedAuth(scopes: readonly string[]): string | undefined {
    if (this.basic && this.credentials) return basicHeader(this.credentials);
    const token = this.tokens.get(scopeKey(scopes));
    return token && token.expiresAt > Date.now() ? token.header : undefined;
  }

  private authorizeOnce(
    challenge: Challenge,
    scopes: readonly string[],
    deadline: number,
  ): Promise<string | undefined> {
    const key = scopeKey(scopes);
    let pending = this.pendingAuth.get(key);
    if (!pending) {
      pending = this.authorize(challenge, scopes, deadline).finally(() =>
        this.pendingAuth.delete(key),
      );
      this.pendingAuth.set(key, pending);
    }
    return pending;
  }

  private async authorize(
    challenge: Challenge,
    scopes: readonly string[],
    deadline: number,
  ): Promise<string | undefined> {
    if (challenge.scheme === 'basic') {
      this.basic = true;
      const header = this.credentials ? basicHeader(this.credentials) : undefined;
      if (!header) throw this.denied(undefined, 'the registry needs a username and password');
      return header;
    }
    const realm = challenge.params.realm;
    if (!realm) throw this.denied(undefined, 'the bearer challenge names no token realm');
    const wanted = [
      ...new Set([...scopes, ...(challenge.params.scope ? challenge.params.scope.split(' ') : [])]),
    ];
    const token = await this.fetchToken(realm, challenge.params.service, wanted, deadline);
    this.tokens.set(scopeKey(scopes), token);
    return token.header;
  }

  /** The Docker token protocol: GET realm?service&scope (basic auth), or the OAuth2 refresh-token POST. */
  private async fetchToken(
    realm: string,
    service: string | undefined,
    scopes: readonly string[],
    deadline: number,
  ): Promise<Token> {
    const url = this.tokenServiceUrl(realm);
    const service_ = `The token service of ${this.registry} (${url.host})`;
    const response = await this.requestToken(url, service, scopes, deadline, service_);
    if (response.status === 401 || response.status === 403) {
      await discard(response);
      throw this.denied(
        undefined,
        `the token service refused ${this.credentials ? 'the credentials' : 'anonymous access'}`,
      );
    }
    if (RETRYABLE.has(response.status)) {
      const detail = await this.serverText(response);
      throw new TransientTokenProblem(
        `${service_} answered HTTP ${response.status}${detail ? ` ${detail}` : ''}`,
      );
    }
    if (!response.ok) {
      const detail = await this.serverText(response);
      throw new InfraError(
        this.mask(`${service_} answered HTTP ${response.status}${detail ? `: ${detail}` : ''}`),
      );
    }
    return this.readToken(response, service_);
  }

  /** The realm a challenge names, refused unless it is HTTP(S) and no weaker than the registry. */
  private tokenServiceUrl(realm: string): URL {
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new InfraError(
        `${this.registry} names a token service "${shorten(this.mask(realm))}" that is not a URL`,
      );
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new InfraError(`${this.registry} names a token service that is not HTTP(S)`);
    if (url.protocol === 'http:' && this.base.startsWith('https:'))
      throw new InfraError(
        `${this.registry} sends token requests to plain HTTP (${url.host}); refused: credentials would travel unencrypted`,
      );
    return url;
  }

  /** Sends the token request: the refresh token in a POST form, else GET with basic auth. */
  private async requestToken(
    url: URL,
    service: string | undefined,
    scopes: readonly string[],
    deadline: number,
    service_: string,
  ): Promise<Response> {
    try {
      if (this.credentials?.identityToken) {
        const form = new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: this.credentials.identityToken,
          client_id: 'sluice',
        });
        if (service) form.set('service', service);
        if (scopes.length) form.set('scope', scopes.join(' '));
        return await this.exchange(
          url,
          {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: Buffer.from(form.toString()),
            secretBody: true,
          },
          undefined,
          url.origin,
          deadline,
        );
      } else {
        if (service) url.searchParams.set('service', service);
        for (const scope of scopes) url.searchParams.append('scope', scope);
        const basic = this.credentials ? basicHeader(this.credentials) : undefined;
        return await this.exchange(
          url,
          { method: 'GET', headers: {} },
          basic,
          url.origin,
          deadline,
        );
      }
    } catch (error) {
      if (error instanceof SluiceError) throw error;
      throw new TransientTokenProblem(`${service_} is unreachable: ${networkProblem(error)}`);
    }
  }

  /** The token in the service's answer, each secret in it masked before anything can print it. */
  private async readToken(response: Response, service_: string): Promise<Token> {
    const text = (
      await readCapped(response, MAX_SMALL_BODY, `${service_}`, 'a token answer')
    ).toString('utf8');
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      throw new InfraError(`${service_} answered with something that is not a JSON object`);
    }
    // Every secret in the answer is registered before anything else can print it.
    for (const key of ['token', 'access_token', 'refresh_token', 'id_token'])
      if (typeof body[key] === 'string') this.protect(body[key]);
    const token =
      typeof body.token === 'string' && body.token !== ''
        ? body.token
        : typeof body.access_token === 'string'
          ? body.access_token
          : '';
    if (!token) throw new InfraError(`${service_} returned no token`);
    if (!/^[\x21-\x7e]+$/.test(token))
      throw new InfraError(`${service_} returned a token that cannot go in an HTTP header`);
    const expiresIn =
      typeof body.expires_in === 'number' && Number.isFinite(body.expires_in)
        ? body.expires_in
        : 60;
    // Renew a little early so a token does not expire between the check and the request.
    const lifetime = Math.min(Math.max(10, expiresIn - 5), 86_400) * 1000;
    return { header: `Bearer ${token}`, expiresAt: Date.now() + lifetime };
  }

  private denied(request: RegistryRequest | undefined, why: string): UsageError {
    const what = request
      ? `${request.method} ${this.describe(request.url)}`
      : `Access to ${this.registry}`;
    return new UsageError(`${what} was denied: ${why}`, {
      hint:
        this.deniedHint ??
        'Give registry-username/registry-password, or log in with `docker login` so the Docker config holds the credentials.',
    });
  }

  /**
   * A server's error text, for a message: at most 64 KiB read, the first `errors[]` entry when it
   * is the registry's JSON, masked, then cut to a few hundred characters on one line.
   */
  async serverText(response: Response): Promise<string> {
    let text: string;
    try {
      text = (await readCapped(response, MAX_SMALL_BODY, this.registry, 'an error')).toString(
        'utf8',
      );
    } catch {
      await discard(response);
      return '';
    }
    let detail = text;
    try {
      const parsed = JSON.parse(text) as { errors?: unknown };
      const first: unknown = Array.isArray(parsed.errors) ? parsed.errors[0] : undefined;
      if (first && typeof first === 'object') {
        const { code, message } = first as { code?: unknown; message?: unknown };
        detail = [code, message].filter((part) => typeof part === 'string').join(' ');
      }
    } catch {
      // not JSON: the text itself
    }
    return shorten(this.mask(detail).replace(/\s+/g, ' ').trim(), MAX_SERVER_TEXT);
  }

  /** Host and path only: upload URLs carry state in the query string. */
  describe(url: string): string {
    const parsed = new URL(url, this.base);
    return shorten(`${parsed.host}${parsed.pathname}`, 200);
  }
}

function scopeKey(scopes: readonly string[]): string {
  return [...scopes].sort().join(' ');
}

async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

export function networkProblem(error: unknown): string {
  if (error instanceof Silence || error instanceof TransientTokenProblem) return error.message;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * A response body read whole, but never more than `cap` bytes: a larger one (by its
 * Content-Length, or by what arrives) is cancelled there and is an InfraError naming `from`.
 */
export async function readCapped(
  response: Response,
  cap: number,
  from: string,
  what: string,
): Promise<Buffer> {
  const tooBig = () =>
    new InfraError(
      `${from} sent ${what} larger than ${cap >= 1 << 20 ? `${cap / (1 << 20)} MiB` : `${cap / 1024} KiB`}; reading stopped there`,
    );
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > cap) {
    await discard(response);
    throw tooBig();
  }
  if (response.body === null) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > cap) {
      await reader.cancel().catch(() => undefined);
      throw tooBig();
    }
    parts.push(value);
  }
  return Buffer.concat(parts, total);
}
