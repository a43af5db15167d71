import { InfraError } from '../../core/errors.js';
import { shorten } from '../../core/registry/digest.js';
import { LARGE_BODY, Watchdog, bufferStream, discard, watchBody } from './http-body.js';

export type Fetch = typeof fetch;

/** Statuses another attempt may not get: network trouble on the server's side, or a rate limit. */
export const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);
const REDIRECT = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

export interface Exchange {
  method: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** The body itself is a secret (a refresh token form): it never follows a redirect to another origin. */
  secretBody?: boolean;
  /** See RegistryRequest.transfer. */
  transfer?: boolean;
}

export interface ExchangeOptions {
  fetch: Fetch;
  idleTimeoutMs: number;
  /** A URL for a message (host and path only). */
  describe(url: string): string;
  /** The error for an answer whose body stopped arriving (`what`: the method and URL). */
  readFailed(what: string, why: string): Error;
}

/**
 * One request with its redirects. `authorization` goes only to `authOrigin`: a redirect or an
 * upload Location on another host gets none. HTTPS never redirects to plain HTTP. The server's
 * silence (idle time) and the deadline abort it; the body of the answer stays under the idle time.
 */
export async function exchange(
  options: ExchangeOptions,
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
    const watchdog = new Watchdog(controller, options.idleTimeoutMs, deadline, url.host);
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
      response = await options.fetch(url.toString(), init);
    } catch (error) {
      watchdog.clear();
      throw controller.signal.aborted ? controller.signal.reason : error;
    }
    const location = REDIRECT.has(response.status) ? response.headers.get('location') : null;
    watchdog.clear();
    if (location === null) {
      const bodyDeadline = request.transfer ? Infinity : deadline;
      const reading = new Watchdog(controller, options.idleTimeoutMs, bodyDeadline, url.host);
      const what = `${method} ${options.describe(url.toString())}`;
      return watchBody(response, reading, controller, (why) => options.readFailed(what, why));
    }
    await discard(response);
    if (hop >= MAX_REDIRECTS)
      throw new InfraError(
        `${url.host} redirected ${method} ${options.describe(first.toString())} more than ${MAX_REDIRECTS} times`,
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
