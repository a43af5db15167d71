import { UsageError } from '../../core/errors.js';
import { serverText } from '../http/bounded-fetch.js';

/** version → base URL, checked where it is read: http(s), no credentials in it. */
export function parseEndpoints(
  endpoints: Record<string, string>,
  provider: string,
): Map<string, URL> {
  const out = new Map<string, URL>();
  for (const [version, raw] of Object.entries(endpoints ?? {})) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new UsageError(
        `the ${provider} endpoint of ${version} is not a URL: ${serverText(String(raw), 100)}`,
        { place: { key: `endpoints.${version}` }, hint: 'write it as http://host:port' },
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new UsageError(`the ${provider} endpoint of ${version} must be http or https`, {
        place: { key: `endpoints.${version}` },
      });
    if (url.username || url.password)
      throw new UsageError(
        `the ${provider} endpoint of ${version} has credentials in its URL; sluice does not send them`,
        { place: { key: `endpoints.${version}` } },
      );
    out.set(version, url);
  }
  if (out.size === 0)
    throw new UsageError(`the ${provider} provider has no endpoints`, {
      place: { key: 'endpoints' },
    });
  return out;
}

/** `path` (with its query) resolved under the endpoint's own path. */
export function joinPath(base: URL, path: string | undefined): URL {
  const url = new URL(base.href);
  if (!path) return url;
  const [p, query] = path.split('?', 2) as [string, string | undefined];
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${p.replace(/^\/+/, '')}`;
  if (query !== undefined) url.search = query;
  return url;
}

export function endpointFor(endpoints: Map<string, URL>, version: string, provider: string): URL {
  const url = endpoints.get(version);
  if (!url)
    throw new UsageError(
      `the ${provider} provider has no endpoint for version ${serverText(version, 80)} (it has ${[...endpoints.keys()].join(', ')})`,
      { place: { key: 'endpoints' } },
    );
  return url;
}
