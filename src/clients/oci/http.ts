import { InfraError, SluiceError, UsageError } from '../../core/errors.js';
import type { SecretMasker } from '../../core/ports.js';
import { shorten } from '../../core/registry/digest.js';
import { isLoopbackRegistry } from '../../core/registry/reference.js';
import { MIN_SECRET, maskForms, secretForms } from '../../core/secret-forms.js';
import { parseChallenge, type Credentials } from './auth.js';
import { LARGE_BODY, discard, networkProblem, readCapped, seconds } from './http-body.js';
import { RETRYABLE, exchange, type Exchange, type Fetch } from './http-exchange.js';
import { RegistryAuth } from './token-service.js';

export type { Fetch } from './http-exchange.js';

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
/** Error bodies are small; anything larger is not read past this. */
const MAX_SMALL_BODY = 64 * 1024;
/** Characters of a server's error text that reach a message. */
const MAX_SERVER_TEXT = 200;

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
  private readonly auth: RegistryAuth;

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
    this.auth = new RegistryAuth({
      registry: this.registry,
      base: this.base,
      credentials: this.credentials,
      exchange: (...args) => this.exchange(...args),
      protect: (secret) => this.protect(secret),
      mask: (text) => this.mask(text),
      denied: (why) => this.denied(undefined, why),
      serverText: (response) => this.serverText(response),
    });
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
    const sent = this.auth.cached(request.scopes);
    let response = await this.once(request, sent, deadline);
    if (response.status !== 401) return response;
    const challenge = parseChallenge(response.headers.get('www-authenticate'));
    await discard(response);
    if (!challenge)
      throw this.denied(request, 'the registry asked for authentication without saying how');
    // Requests in flight together all meet the same refused token: one new token serves them.
    const renewed = this.auth.cached(request.scopes);
    const header =
      renewed !== undefined && renewed !== sent
        ? renewed
        : await this.auth.authorizeOnce(challenge, request.scopes, deadline);
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

  /** One request with its redirects (see http-exchange.ts), its answer read under the idle time. */
  private exchange(
    first: URL,
    request: Exchange,
    authorization: string | undefined,
    authOrigin: string,
    deadline: number,
  ): Promise<Response> {
    return exchange(
      {
        fetch: this.fetchImpl,
        idleTimeoutMs: this.idleTimeoutMs,
        describe: (url) => this.describe(url),
        readFailed: (what, why) =>
          new InfraError(this.mask(`Reading the answer to ${what} failed: ${why}`), {
            hint: `Check that the registry ${this.registry} is up and reachable; a server silent for ${seconds(this.idleTimeoutMs)} is given up on (${this.timeoutInput}).`,
          }),
      },
      first,
      request,
      authorization,
      authOrigin,
      deadline,
    );
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
