import type { Node } from 'yaml';
import { UsageError } from '../errors.js';
import { parsePromqlTemplate } from './spec-promql.js';
import type { YamlReader } from './yaml-reader.js';

/**
 * Spec values that end up on the wire (HTTP header names and values, request paths, URLs, PromQL
 * templates), checked when the spec is read: a value the HTTP client or the server would refuse
 * is exit 2 naming the file, line and key, before any traffic moves, never a failed request
 * (retried, after the first weight) in the middle of a rollout.
 */

/** RFC 9110 `token`: what a header (field) name is. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * RFC 9110 `field-value` as fetch sends it: visible ASCII, spaces and tabs inside, and obs-text
 * (bytes 0x80-0xFF); no CR, LF, NUL or other control character, nothing beyond one byte.
 */
const FIELD_VALUE = /^(?:[\x21-\x7e\x80-\xff](?:[\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?$/;
/** Headers the HTTP client writes itself (framing, connection): fetch refuses or overrides them. */
const MANAGED_HEADERS = new Set([
  'host',
  'content-length',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'expect',
  'te',
  'trailer',
  'proxy-connection',
]);
const MAX_HEADERS = 64;
const MAX_HEADER_VALUE = 8192;

/** `headers:` of a provider: header name → value, each a valid field on the wire. */
export function readHeaders(
  y: YamlReader,
  node: Node | null,
  path: string,
  example: string,
): Record<string, string> {
  const entries = y.freeEntries(node, path, example);
  if (entries.length > MAX_HEADERS)
    throw y.error(
      `${path} has ${entries.length} headers; at most ${MAX_HEADERS}`,
      node,
      path,
      'keep the headers the server needs (an org id, an authorization)',
    );
  const out: Record<string, string> = {};
  const seen = new Map<string, string>();
  for (const [name, value, keyNode] of entries) {
    const where = `${path}.${name}`;
    if (!TOKEN.test(name))
      throw y.error(
        `${path} has ${JSON.stringify(name.slice(0, 80))}, which is not a header name`,
        keyNode,
        path,
        `a header name is letters, digits and !#$%&'*+-.^_\`|~ with no spaces or ':', e.g. ${example}`,
      );
    const lower = name.toLowerCase();
    if (MANAGED_HEADERS.has(lower))
      throw y.error(
        `${path} sets ${name}, which the HTTP client writes itself`,
        keyNode,
        where,
        `drop ${name}: (host, content-length, connection, transfer-encoding, upgrade, expect and te come from the request)`,
      );
    const earlier = seen.get(lower);
    if (earlier !== undefined)
      throw y.error(
        `${path} sets ${name} twice (as ${earlier} too): header names are not case-sensitive`,
        keyNode,
        where,
        'keep one of them',
      );
    seen.set(lower, name);
    // Non-text values (a number, a boolean) are written as YAML wrote them.
    const text = y.string(value, where, 'team-a');
    if (text.length > MAX_HEADER_VALUE || !FIELD_VALUE.test(text))
      throw y.error(
        `${where} is not a header value: ${describeBadText(text, MAX_HEADER_VALUE)}`,
        value,
        where,
        'a header value is one line of printable characters (no line breaks, no leading or trailing spaces)',
      );
    out[name] = text;
  }
  return out;
}

/** Why a header value or path is refused, in words (never the value itself: it may be a secret). */
function describeBadText(text: string, max: number): string {
  if (text.length > max) return `it is longer than ${max} characters`;
  const chars = [...text];
  const bad = chars.findIndex((ch) => (ch < ' ' && ch !== '\t') || ch === '\x7f');
  if (bad >= 0) {
    const code = chars[bad]!.codePointAt(0)!;
    const name =
      code === 10 ? 'a line feed' : code === 13 ? 'a carriage return' : 'a control character';
    return `it has ${name} (U+${code.toString(16).toUpperCase().padStart(4, '0')}) at character ${bad + 1}`;
  }
  const wide = chars.findIndex((ch) => ch.codePointAt(0)! > 0xff);
  if (wide >= 0)
    return `character ${wide + 1} is beyond Latin-1 (HTTP sends header values as bytes)`;
  return 'it starts or ends with a space or tab';
}

/** A request path under an endpoint (`/predict`, `/v1/models/m:predict?x=1`). */
export function readHttpPath(
  y: YamlReader,
  node: Node | null,
  path: string,
  example: string,
): string {
  const text = y.string(node, path, example);
  if (text.length > 2048 || !/^\/[\x21-\x7e]*$/.test(text) || text.includes('#'))
    throw y.error(
      `${path} must be a request path starting with /, not ${JSON.stringify(text.slice(0, 80))}`,
      node,
      path,
      `e.g. ${example} (no spaces, line breaks or #; percent-encode other characters)`,
    );
  return text;
}

/**
 * A PromQL template (`{{version}}`, `{{stable}}`, `{{canary}}` inside quoted label values),
 * checked as the Prometheus provider will fill it.
 */
export function checkPromqlTemplate(
  y: YamlReader,
  text: string,
  node: Node | null | undefined,
  path: string,
): void {
  try {
    parsePromqlTemplate(text, path);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    throw y.error(
      error.message,
      node,
      path,
      error.hint ??
        'a PromQL expression with balanced brackets and closed strings, e.g. sum(rate(errors{version="{{version}}"}[1m]))',
    );
  }
}
