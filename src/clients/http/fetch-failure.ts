import { FetchBoundError } from './bounded-fetch.js';

/**
 * Why a fetch failed, in words: Node's fetch says only "fetch failed" and keeps the reason in
 * its `cause` chain (a system error code such as ECONNREFUSED, or undici's own). `host` is
 * host:port as the caller names it.
 */
export function describeFetchFailure(error: unknown, host: string): string {
  if (error instanceof FetchBoundError) return error.message;
  let current: unknown = error;
  let message = error instanceof Error ? error.message : String(error);
  for (let depth = 0; depth < 6 && typeof current === 'object' && current !== null; depth += 1) {
    const {
      code,
      message: text,
      cause,
      name,
    } = current as {
      code?: unknown;
      message?: unknown;
      cause?: unknown;
      name?: unknown;
    };
    if (current instanceof FetchBoundError) return current.message;
    if (name === 'AbortError' || name === 'TimeoutError')
      return name === 'TimeoutError'
        ? `no answer from ${host} in time`
        : 'the request was cancelled';
    if (typeof code === 'string') return explain(code, host);
    if (typeof text === 'string' && text && text !== 'fetch failed') message = text;
    current = cause;
  }
  return message;
}

function explain(code: string, host: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused: nothing listens on ${host}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name of ${host} does not resolve (${code})`;
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `connecting to ${host} timed out (${code})`;
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return `${host} did not answer in time (${code})`;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
    case 'EPIPE':
      return `${host} closed the connection (${code})`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${host} is unreachable from here (${code})`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'CERT_HAS_EXPIRED':
      return `the TLS certificate of ${host} is not trusted (${code})`;
    default:
      return `${code} from ${host}`;
  }
}
