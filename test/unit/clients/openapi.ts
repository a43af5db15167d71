import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type nock from 'nock';

/**
 * Checks requests a test sent to a mocked GitHub against GitHub's published OpenAPI
 * description (@octokit/openapi), so the mocks cannot drift from the real API: the
 * path must match a templated path, the method must exist there, query parameters and
 * JSON body keys must be the operation's, and required body keys must be present.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  $ref?: string;
  oneOf?: Schema[];
  anyOf?: Schema[];
}
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: Schema;
  $ref?: string;
}
interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema: Schema }>; $ref?: string };
}
interface Spec {
  paths: Record<string, Record<string, Operation>>;
}

export interface RecordedRequest {
  method: string;
  /** Path and query as sent, e.g. `/api/v3/repos/o/r/issues/1/comments?per_page=100`. */
  path: string;
  body?: unknown;
}

let cached: Spec | undefined;
function spec(): Spec {
  if (!cached) {
    const file = createRequire(import.meta.url).resolve(
      '@octokit/openapi/generated/api.github.com.json',
    );
    cached = JSON.parse(readFileSync(file, 'utf8')) as Spec;
  }
  return cached;
}

function resolve<T>(node: T & { $ref?: string }): T {
  let current: unknown = node;
  for (let depth = 0; depth < 20; depth += 1) {
    const ref = (current as { $ref?: string }).$ref;
    if (!ref) return current as T;
    current = ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>(
        (at, key) => (at as Record<string, unknown>)[key.replace(/~1/g, '/').replace(/~0/g, '~')],
        spec(),
      );
  }
  throw new Error('$ref chain too deep');
}

/** Asserts the request is one GitHub documents; returns the operation it matched. */
export function assertGitHubRequest(
  request: RecordedRequest,
  basePath = '',
): { operationId: string; template: string } {
  const url = new URL(request.path, 'http://spec.check');
  let pathname = decodeURIComponent(url.pathname);
  if (basePath) {
    if (!pathname.startsWith(basePath))
      throw new Error(`${pathname} does not start with the base path ${basePath}`);
    pathname = pathname.slice(basePath.length);
  }
  const segments = pathname.split('/');

  const candidates = Object.keys(spec().paths)
    .map((template) => ({ template, parts: template.split('/') }))
    .filter(({ parts }) => parts.length === segments.length)
    .filter(({ parts }) => parts.every((part, i) => part.startsWith('{') || part === segments[i]))
    // The most literal segments wins: /issues/comments/{id} over /issues/{number}/{x}.
    .sort((a, b) => literalCount(b.parts) - literalCount(a.parts));
  const match = candidates[0];
  if (!match) throw new Error(`GitHub's API has no path matching ${pathname}`);

  const method = request.method.toLowerCase();
  const operation = spec().paths[match.template]![method];
  if (!operation) {
    const methods = Object.keys(spec().paths[match.template]!).filter((m) => m !== 'parameters');
    throw new Error(
      `${request.method} is not an operation of ${match.template} (it has: ${methods.join(', ')})`,
    );
  }
  const parameters = (operation.parameters ?? []).map((p) => resolve(p));

  match.parts.forEach((part, i) => {
    if (!part.startsWith('{')) return;
    const name = part.slice(1, -1);
    const parameter = parameters.find((p) => p.in === 'path' && p.name === name);
    if (!parameter) throw new Error(`${match.template}: path parameter ${name} is not declared`);
    checkScalar(`path parameter ${name}`, segments[i]!, resolve(parameter.schema ?? {}));
  });

  for (const [name, value] of url.searchParams) {
    const parameter = parameters.find((p) => p.in === 'query' && p.name === name);
    if (!parameter) {
      const known = parameters.filter((p) => p.in === 'query').map((p) => p.name);
      throw new Error(
        `${operation.operationId}: unknown query parameter ${name} (known: ${known.join(', ')})`,
      );
    }
    checkScalar(`query parameter ${name}`, value, resolve(parameter.schema ?? {}));
  }

  checkBody(operation, request.body);
  return { operationId: operation.operationId, template: match.template };
}

function literalCount(parts: string[]): number {
  return parts.filter((part) => !part.startsWith('{')).length;
}

function checkScalar(what: string, value: string, schema: Schema): void {
  const types = [schema.type ?? []].flat();
  if (types.includes('integer') && !types.includes('string') && !/^-?\d+$/.test(value)) {
    throw new Error(`${what} must be an integer, got "${value}"`);
  }
}

function checkBody(operation: Operation, body: unknown): void {
  const hasBody = body !== undefined && body !== null && body !== '';
  if (!operation.requestBody) {
    if (hasBody)
      throw new Error(
        `${operation.operationId} takes no request body, got ${JSON.stringify(body)}`,
      );
    return;
  }
  const requestBody = resolve(operation.requestBody);
  if (!hasBody) {
    if (requestBody.required) throw new Error(`${operation.operationId} requires a request body`);
    return;
  }
  const json = requestBody.content?.['application/json'];
  if (!json) throw new Error(`${operation.operationId} does not take a JSON body`);
  checkObject(operation.operationId, body as Json, resolve(json.schema));
}

function checkObject(where: string, value: Json, schema: Schema): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${where}: the body must be a JSON object, got ${JSON.stringify(value)}`);
  }
  const properties = schema.properties ?? {};
  for (const [key, item] of Object.entries(value)) {
    const property = properties[key];
    if (!property) {
      if (schema.additionalProperties) continue;
      throw new Error(
        `${where}: body key "${key}" is not in the schema (known: ${Object.keys(properties).join(', ')})`,
      );
    }
    const resolved = resolve(property);
    const types = [resolved.type ?? []].flat();
    const actual = item === null ? 'null' : Array.isArray(item) ? 'array' : typeof item;
    const fits =
      types.length === 0 ||
      types.some((t) => t === actual || (t === 'integer' && Number.isInteger(item)));
    if (!fits)
      throw new Error(`${where}: body key "${key}" must be ${types.join(' | ')}, got ${actual}`);
  }
  for (const key of schema.required ?? []) {
    if (!(key in value)) throw new Error(`${where}: required body key "${key}" is missing`);
  }
}

/** Collects every request a nock scope answers, body parsed as JSON when it is JSON. */
export function recordRequests(scope: nock.Scope): RecordedRequest[] {
  const seen: RecordedRequest[] = [];
  scope.on(
    'request',
    (req: { method: string; url?: string; path?: string }, _interceptor: unknown, body: string) => {
      const url = new URL(req.url ?? req.path ?? '/', 'http://spec.check');
      let parsed: unknown = body === '' || body === undefined ? undefined : body;
      try {
        if (typeof parsed === 'string') parsed = JSON.parse(parsed);
      } catch {
        // not JSON: checked as it is
      }
      seen.push({ method: req.method, path: `${url.pathname}${url.search}`, body: parsed });
    },
  );
  return seen;
}
