import { InfraError, SluiceError, type UsageError } from '../../core/errors.js';
import { shorten } from '../../core/registry/digest.js';
import { basicHeader, type Challenge, type Credentials } from './auth.js';
import { StatedProblem, discard, networkProblem, readCapped } from './http-body.js';
import { RETRYABLE, type Exchange } from './http-exchange.js';

/** Token answers are small; anything larger is not read past this. */
const MAX_TOKEN_BODY = 64 * 1024;

interface Token {
  header: string;
  expiresAt: number;
}

/** A token service problem that another attempt may not have (network, timeout, 5xx). */
class TransientTokenProblem extends StatedProblem {}

/** What the registry's client lends the authorizer. */
export interface AuthHost {
  registry: string;
  /** The registry's base URL: its scheme bounds the token service's. */
  base: string;
  credentials: Credentials | undefined;
  exchange(
    first: URL,
    request: Exchange,
    authorization: string | undefined,
    authOrigin: string,
    deadline: number,
  ): Promise<Response>;
  /** Registers a secret the moment it arrives. */
  protect(secret: string | undefined): void;
  mask(text: string): string;
  /** Access refused (exit 2, with the hint for where credentials come from). */
  denied(why: string): UsageError;
  serverText(response: Response): Promise<string>;
}

/**
 * Answers a registry's auth challenge: basic, or a bearer token from the challenge's realm (the
 * Docker token protocol, or the OAuth2 refresh-token POST), cached per scope until it expires.
 * Requests that meet the same challenge together share one token request.
 */
export class RegistryAuth {
  private basic = false;
  private readonly tokens = new Map<string, Token>();
  private readonly pendingAuth = new Map<string, Promise<string | undefined>>();

  constructor(private readonly host: AuthHost) {}

  /** The Authorization header already known for these scopes, if any. */
  cached(scopes: readonly string[]): string | undefined {
    const credentials = this.host.credentials;
    if (this.basic && credentials) return basicHeader(credentials);
    const token = this.tokens.get(scopeKey(scopes));
    return token && token.expiresAt > Date.now() ? token.header : undefined;
  }

  /** The Authorization header that answers `challenge`; one token request per scope at a time. */
  authorizeOnce(
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
      const header = this.host.credentials ? basicHeader(this.host.credentials) : undefined;
      if (!header) throw this.host.denied('the registry needs a username and password');
      return header;
    }
    const realm = challenge.params.realm;
    if (!realm) throw this.host.denied('the bearer challenge names no token realm');
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
    const service_ = `The token service of ${this.host.registry} (${url.host})`;
    const response = await this.requestToken(url, service, scopes, deadline, service_);
    if (response.status === 401 || response.status === 403) {
      await discard(response);
      throw this.host.denied(
        `the token service refused ${this.host.credentials ? 'the credentials' : 'anonymous access'}`,
      );
    }
    if (RETRYABLE.has(response.status)) {
      const detail = await this.host.serverText(response);
      throw new TransientTokenProblem(
        `${service_} answered HTTP ${response.status}${detail ? ` ${detail}` : ''}`,
      );
    }
    if (!response.ok) {
      const detail = await this.host.serverText(response);
      throw new InfraError(
        this.host.mask(
          `${service_} answered HTTP ${response.status}${detail ? `: ${detail}` : ''}`,
        ),
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
        `${this.host.registry} names a token service "${shorten(this.host.mask(realm))}" that is not a URL`,
      );
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new InfraError(`${this.host.registry} names a token service that is not HTTP(S)`);
    if (url.protocol === 'http:' && this.host.base.startsWith('https:'))
      throw new InfraError(
        `${this.host.registry} sends token requests to plain HTTP (${url.host}); refused: credentials would travel unencrypted`,
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
      if (this.host.credentials?.identityToken) {
        const form = new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: this.host.credentials.identityToken,
          client_id: 'sluice',
        });
        if (service) form.set('service', service);
        if (scopes.length) form.set('scope', scopes.join(' '));
        return await this.host.exchange(
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
        const basic = this.host.credentials ? basicHeader(this.host.credentials) : undefined;
        return await this.host.exchange(
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
      await readCapped(response, MAX_TOKEN_BODY, `${service_}`, 'a token answer')
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
      if (typeof body[key] === 'string') this.host.protect(body[key]);
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
}

function scopeKey(scopes: readonly string[]): string {
  return [...scopes].sort().join(' ');
}
