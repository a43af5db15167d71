import { createHash, type Hash } from 'node:crypto';
import { UsageError } from '../errors.js';

/**
 * OCI content digests, `algorithm:encoded`. Every digest that comes from outside (a manifest, an
 * index, a header, a reference the user typed) is checked here before it reaches a URL or a path:
 * `sha256:../../x` must never become a request or a file name.
 */

/** The OCI grammar of the algorithm part: `[a-z0-9]+([+._-][a-z0-9]+)*`. */
const ALGORITHM = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*$/;
/** The encoded part of any algorithm: `[a-zA-Z0-9=_-]+`. */
const ENCODED = /^[a-zA-Z0-9=_-]+$/;
/** The algorithms sluice can verify, and the exact form of their encoded part. */
const KNOWN: Readonly<Record<string, RegExp>> = {
  sha256: /^[a-f0-9]{64}$/,
  sha512: /^[a-f0-9]{128}$/,
};
/** Longer than any digest: the check stops here before running patterns over megabytes. */
const MAX_LENGTH = 256;

export interface Digest {
  algorithm: 'sha256' | 'sha512';
  encoded: string;
}

/** Why `text` is not a digest sluice can use, or undefined when it is one. */
export function digestProblem(text: unknown): string | undefined {
  if (typeof text !== 'string') return 'is not a string';
  if (text.length > MAX_LENGTH) return `is longer than ${MAX_LENGTH} characters`;
  const colon = text.indexOf(':');
  if (colon < 0) return 'has no `algorithm:` prefix';
  const algorithm = text.slice(0, colon);
  const encoded = text.slice(colon + 1);
  if (!ALGORITHM.test(algorithm)) return 'has an invalid algorithm';
  if (!ENCODED.test(encoded)) return 'has an invalid encoded part';
  const form = KNOWN[algorithm];
  if (!form)
    return `uses the algorithm "${algorithm}", which sluice cannot verify (sha256, sha512)`;
  if (!form.test(encoded))
    return `is not ${algorithm}: and ${algorithm === 'sha256' ? 64 : 128} lowercase hex digits`;
  return undefined;
}

export function isDigest(text: unknown): text is string {
  return digestProblem(text) === undefined;
}

/**
 * A digest the user wrote (an image reference, an input): a UsageError naming the input when
 * it is not one. Server digests go through {@link digestProblem} and become InfraErrors.
 */
export function parseDigest(text: string, key = 'digest'): Digest {
  const problem = digestProblem(text);
  if (problem !== undefined) {
    throw new UsageError(`Digest "${shorten(text)}" ${problem}`, {
      place: { key },
      hint: 'A digest is `sha256:` and 64 lowercase hex digits (or `sha512:` and 128).',
    });
  }
  const colon = text.indexOf(':');
  return { algorithm: text.slice(0, colon) as Digest['algorithm'], encoded: text.slice(colon + 1) };
}

/** A hash for checking bytes against `digest` (which must be valid). */
export function hashFor(digest: string): Hash {
  return createHash(digest.slice(0, digest.indexOf(':')));
}

/** The digest of `bytes` with the algorithm of `like` (sha256 by default). */
export function digestOf(bytes: Uint8Array, like = 'sha256:'): string {
  const algorithm = like.slice(0, like.indexOf(':'));
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** At most `max` characters of a value from outside, for a message. */
export function shorten(text: string, max = 80): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is replaced
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
