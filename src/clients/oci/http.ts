import { InfraError, UsageError } from '../../core/errors.js';
import { isLoopbackRegistry } from '../../core/registry/reference.js';
import { basicHeader, parseChallenge, type Challenge, type Credentials } from './auth.js';

export type Fetch = typeof fetch;

export interface RegistryHttpOptions {
  registry: string;
  /** Allow plain HTTP to a registry that is not on loopback. */
  insecure?: boolean;
  credentials?: Credentials;
  fetch?: Fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Attempts per request for network errors, 5xx, 408 and 429. */
  maxAttempts?: number;
  baseDelayMs?: number;
  /** What to tell the user when access is denied: it depends on where credentials come from. */
  deniedHint?: string;
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
}

/** Bodies from this size up are streamed to fetch rather than handed over (and copied) whole. */
const LARGE_BODY = 1 << 20;

function bufferStream(bytes: Buffer): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      const end = Math.min(offset + LARGE_BODY, bytes.length);
      controller.enqueue(bytes.subarray(offset, end));
      offset = end;
    },
  });
}

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

interface Token {
  header: string;
  expiresAt: number;
}

/**
 * HTTP to one registry: picks the scheme, answers auth challenges (basic, or a bearer token
 * fetched from the challenge's realm and cached per scope), and retries transient failures
 * with exponential backoff. Credentials never appear in an error message.
 */
export class RegistryHttp {
  readonly registry: string;
  readonly base: string;
  private readonly fetchImpl: Fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly credentials: Credentials | undefined;
  private readonly deniedHint: string | undefined;
  private basic = false;
  private readonly tokens = new Map<string, Token>();
  private readonly pendingAuth = new Map<string, Promise<string | undefined>>();

  constructor(options: RegistryHttpOptions) {
    this.registry = options.registry;
    const plain = options.insecure === true || isLoopbackRegistry(options.registry);
    this.base = `${plain ? 'http' : 'https'}://${options.registry}`;
    this.fetchImpl = options.fetch ?? fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.maxAttempts = options.maxAttempts ?? 5;
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.credentials = options.credentials;
    this.deniedHint = options.deniedHint;
  }

  resolve(url: string): string {
    return new URL(url, this.base).toString();
  }

  async send(request: RegistryRequest): Promise<Response> {
    const attempts = request.retry === false ? 1 : this.maxAttempts;
    let lastProblem = '';
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      if (attempt > 1) await this.sleep(this.baseDelayMs * 2 ** (attempt - 2));
      let response: Response;
      try {
        response = await this.sendAuthorized(request);
      } catch (error) {
        if (error instanceof UsageError || error instanceof InfraError) throw error;
        lastProblem = networkProblem(error);
        continue;
      }
      if (!RETRYABLE.has(response.status)) return response;
      lastProblem = `HTTP ${response.status}${await errorDetail(response)}`;
    }
    throw new InfraError(
      `${request.method} ${this.describe(request.url)} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${lastProblem}`,
      {
        hint: `Check that the registry ${this.registry} is up and reachable.`,
      },
    );
  }

  private async sendAuthorized(request: RegistryRequest): Promise<Response> {
    const sent = this.cachedAuth(request.scopes);
    let response = await this.once(request, sent);
    if (response.status !== 401) return response;
    const challenge = parseChallenge(response.headers.get('www-authenticate'));
    await response.body?.cancel();
    if (!challenge)
      throw this.denied(request, 'the registry asked for authentication without saying how');
    // Requests in flight together all meet the same refused token: one new token serves them.
    const renewed = this.cachedAuth(request.scopes);
    const header =
      renewed !== undefined && renewed !== sent
        ? renewed
        : await this.authorizeOnce(challenge, request.scopes);
    response = await this.once(request, header);
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      throw this.denied(
        request,
        this.credentials ? 'the credentials were refused' : 'the registry needs credentials',
      );
    }
    return response;
  }

  private once(request: RegistryRequest, authorization: string | undefined): Promise<Response> {
    const headers: Record<string, string> = { ...request.headers };
    if (authorization) headers.authorization = authorization;
    const init: RequestInit = { method: request.method, headers, redirect: 'follow' };
    if (request.body !== undefined) {
      if (request.body.length >= LARGE_BODY) {
        // fetch copies a Buffer body before sending it; a stream over the same bytes is sent as
        // it is, so a 16 MiB chunk costs 16 MiB, not 32 (made anew for each attempt: replayable).
        headers['content-length'] = String(request.body.length);
        Object.assign(init, { body: bufferStream(request.body), duplex: 'half' });
      } else init.body = request.body;
    }
    return this.fetchImpl(this.resolve(request.url), init);
  }

  private cachedAuth(scopes: readonly string[]): string | undefined {
    if (this.basic && this.credentials) return basicHeader(this.credentials);
    const token = this.tokens.get(scopeKey(scopes));
    return token && token.expiresAt > Date.now() ? token.header : undefined;
  }

  private authorizeOnce(
    challenge: Challenge,
    scopes: readonly string[],
  ): Promise<string | undefined> {
    const key = scopeKey(scopes);
    let pending = this.pendingAuth.get(key);
    if (!pending) {
      pending = this.authorize(challenge, scopes).finally(() => this.pendingAuth.delete(key));
      this.pendingAuth.set(key, pending);
    }
    return pending;
  }

  private async authorize(
    challenge: Challenge,
    scopes: readonly string[],
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
    const token = await this.fetchToken(realm, challenge.params.service, wanted);
    this.tokens.set(scopeKey(scopes), token);
    return token.header;
  }

  /** The Docker token protocol: GET realm?service&scope (basic auth), or the OAuth2 refresh-token POST. */
  private async fetchToken(
    realm: string,
    service: string | undefined,
    scopes: readonly string[],
  ): Promise<Token> {
    const url = new URL(realm);
    let response: Response;
    try {
      if (this.credentials?.identityToken) {
        const form = new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: this.credentials.identityToken,
          client_id: 'sluice',
        });
        if (service) form.set('service', service);
        if (scopes.length) form.set('scope', scopes.join(' '));
        response = await this.fetchImpl(url, { method: 'POST', body: form });
      } else {
        if (service) url.searchParams.set('service', service);
        for (const scope of scopes) url.searchParams.append('scope', scope);
        const headers: Record<string, string> = {};
        const basic = this.credentials ? basicHeader(this.credentials) : undefined;
        if (basic) headers.authorization = basic;
        response = await this.fetchImpl(url, { headers });
      }
    } catch (error) {
      throw new InfraError(
        `The token service of ${this.registry} (${url.origin}) is unreachable: ${networkProblem(error)}`,
      );
    }
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      throw this.denied(
        undefined,
        `the token service refused ${this.credentials ? 'the credentials' : 'anonymous access'}`,
      );
    }
    if (!response.ok)
      throw new InfraError(
        `The token service of ${this.registry} answered HTTP ${response.status}`,
      );
    const body = (await response.json()) as {
      token?: string;
      access_token?: string;
      expires_in?: number;
    };
    const token = body.token ?? body.access_token;
    if (!token) throw new InfraError(`The token service of ${this.registry} returned no token`);
    // Renew a little early so a token does not expire between the check and the request.
    const lifetime = Math.max(10, (body.expires_in ?? 60) - 5) * 1000;
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

  /** Host and path only: upload URLs carry state in the query string. */
  describe(url: string): string {
    const parsed = new URL(url, this.base);
    return `${parsed.host}${parsed.pathname}`;
  }
}

function scopeKey(scopes: readonly string[]): string {
  return [...scopes].sort().join(' ');
}

export function networkProblem(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return error instanceof Error ? error.message : String(error);
}

async function errorDetail(response: Response): Promise<string> {
  try {
    const text = (await response.text()).slice(0, 300);
    const parsed = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    const first = parsed.errors?.[0];
    return first ? ` ${first.code ?? ''} ${first.message ?? ''}`.trimEnd() : '';
  } catch {
    return '';
  }
}
