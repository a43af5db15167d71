/**
 * The parsers of what users type and registries send, against any input: an image reference
 * or a digest is parsed or refused with a UsageError (exit 2, naming the input), a manifest is
 * a document or a problem, and nothing they accept can leave the blob path of a URL.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blobPath, manifestPath } from '../../src/clients/oci/paths.js';
import { UsageError } from '../../src/core/errors.js';
import { digestProblem, isDigest, parseDigest } from '../../src/core/registry/digest.js';
import { checkManifest } from '../../src/core/registry/manifest.js';
import { isRepository, parseImageRef } from '../../src/core/registry/reference.js';
import { maskForms, secretForms } from '../../src/core/secret-forms.js';

const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });

/** Strings near the grammar, where parsers go wrong, plus anything at all. */
const referenceLike = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc
    .tuple(
      fc.constantFrom('', 'docker://', 'oci:', 'docker-daemon:', 'docker-archive:'),
      fc.constantFrom('127.0.0.1', 'localhost', 'reg.example', '[::1]', 'a..b', 'UP.CASE', ''),
      fc.oneof(
        fc.constant(''),
        fc.integer({ min: -5, max: 200_000 }).map((port) => `:${port}`),
        fc.string({ maxLength: 6 }).map((port) => `:${port}`),
      ),
      fc.array(fc.constantFrom('team', 'Model', 'a', '', '..', 'x_y', 'a--b', '-a', 'a.'), {
        maxLength: 4,
      }),
      fc.oneof(
        fc.constant(''),
        fc.string({ maxLength: 140 }).map((tag) => `:${tag}`),
      ),
      fc.oneof(
        fc.constant(''),
        hex(64).map((h) => `@sha256:${h}`),
        fc.string({ maxLength: 80 }).map((d) => `@${d}`),
      ),
    )
    .map(
      ([scheme, host, port, parts, tag, digest]) =>
        `${scheme}${host}${port}/${parts.join('/')}${tag}${digest}`,
    ),
);

describe('parseImageRef on any string', () => {
  it('parses or throws a UsageError naming the input, nothing else', () => {
    fc.assert(
      fc.property(referenceLike, (text) => {
        let parsed;
        try {
          parsed = parseImageRef(text, 'from');
        } catch (error) {
          expect(error).toBeInstanceOf(UsageError);
          expect((error as UsageError).place?.key).toBe('from');
          expect((error as Error).message.length).toBeLessThan(800);
          return;
        }
        if (parsed.transport !== 'registry') return;
        // What the parser lets through is safe to put in a URL.
        const port = /:(\d+)$/.exec(parsed.registry)?.[1];
        if (port !== undefined) {
          expect(Number(port)).toBeGreaterThanOrEqual(1);
          expect(Number(port)).toBeLessThanOrEqual(65535);
        }
        expect(isRepository(parsed.repository)).toBe(true);
        expect(parsed.registry).not.toMatch(/[/\s@?#]/);
        if (parsed.digest !== undefined)
          expect(() => blobPath(parsed.repository, parsed.digest!)).not.toThrow();
        if (parsed.tag !== undefined)
          expect(() => manifestPath(parsed.repository, parsed.tag!)).not.toThrow();
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    ['127.0.0.1:99999/model:1', /port "99999"/],
    ['127.0.0.1:0/model:1', /port "0"/],
    ['127.0.0.1:/model:1', /port ""/],
    ['127.0.0.1:http/model:1', /invalid registry host/],
    ['127.0.0.1:5000/Team/model:1', /invalid repository/],
    ['127.0.0.1:5000/team//model:1', /invalid repository/],
    ['127.0.0.1:5000/:1', /invalid repository/],
    [`127.0.0.1:5000/${'a'.repeat(300)}:1`, /at most 255/],
    [`127.0.0.1:5000/model:${'t'.repeat(129)}`, /invalid tag/],
    ['127.0.0.1:5000/model:.tag', /invalid tag/],
    ['127.0.0.1:5000/model:1\nX: y', /control character/],
    ['127.0.0.1:5000/model@sha256:../../x', /digest/],
    [`127.0.0.1:5000/model@sha256:${'A'.repeat(64)}`, /digest/],
    ['[zz::1]:5000/model:1', /invalid/],
  ])('refuses %j at parse with exit 2', (text, message) => {
    let caught: unknown;
    try {
      parseImageRef(text, 'from');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as Error).message).toMatch(message);
  });

  it('accepts a sha512 digest and an IPv6 registry with a port', () => {
    expect(parseImageRef(`[::1]:5000/m@sha512:${'b'.repeat(128)}`)).toMatchObject({
      registry: '[::1]:5000',
      digest: `sha512:${'b'.repeat(128)}`,
    });
  });
});

describe('digests on any string', () => {
  const digestLike = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc
      .tuple(
        fc.constantFrom('sha256', 'sha512', 'SHA256', 'sha256+b64', 'md5', '', 'a..b'),
        fc.constantFrom(':', '', '::'),
        fc.oneof(hex(64), hex(128), fc.string({ maxLength: 130 })),
      )
      .map(([algorithm, colon, encoded]) => `${algorithm}${colon}${encoded}`),
  );

  it('parseDigest returns a digest or throws a UsageError; what passes is safe in a path', () => {
    fc.assert(
      fc.property(digestLike, (text) => {
        let parsed;
        try {
          parsed = parseDigest(text, 'digest');
        } catch (error) {
          expect(error).toBeInstanceOf(UsageError);
          expect(isDigest(text)).toBe(false);
          return;
        }
        expect(isDigest(text)).toBe(true);
        expect(parsed.encoded).toMatch(
          parsed.algorithm === 'sha256' ? /^[a-f0-9]{64}$/ : /^[a-f0-9]{128}$/,
        );
        expect(blobPath('team/model', text)).toBe(`/v2/team/model/blobs/${text}`);
      }),
      { numRuns: 3000 },
    );
  });

  it('digestProblem never throws, whatever the value', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(typeof (digestProblem(value) ?? '')).toBe('string');
      }),
    );
  });
});

describe('checkManifest on any JSON', () => {
  it('returns a document or a problem, never throws; every digest of a document is valid', () => {
    const descriptor = fc.record(
      {
        mediaType: fc.oneof(fc.constant('application/vnd.oci.image.layer.v1.tar'), fc.anything()),
        digest: fc.oneof(
          hex(64).map((h) => `sha256:${h}`),
          fc.string(),
          fc.anything(),
        ),
        size: fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.anything()),
      },
      { requiredKeys: [] },
    );
    const documents = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          schemaVersion: fc.oneof(fc.constant(2), fc.anything()),
          config: fc.oneof(descriptor, fc.anything()),
          layers: fc.oneof(fc.array(descriptor, { maxLength: 4 }), fc.anything()),
          manifests: fc.array(descriptor, { maxLength: 3 }),
        },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(
        documents,
        fc.constantFrom(undefined, 'application/vnd.oci.image.index.v1+json'),
        (doc, mediaType) => {
          const text = JSON.stringify(doc) ?? 'undefined';
          const checked = checkManifest(Buffer.from(text), mediaType);
          if ('problem' in checked) return;
          const descriptors =
            checked.kind === 'index'
              ? checked.index.manifests
              : [checked.manifest.config, ...checked.manifest.layers];
          for (const entry of descriptors) expect(isDigest(entry.digest)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('secret forms', () => {
  it('a secret inside any base64 text is masked out of it', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 12, maxLength: 40 }),
        fc.string({ maxLength: 20 }),
        fc.string({ maxLength: 20 }),
        (secret, before, after) => {
          const forms = secretForms(secret).sort((a, b) => b.length - a.length);
          const encoded = Buffer.from(`${before}${secret}${after}`).toString('base64');
          expect(maskForms(encoded, forms)).not.toBe(encoded);
          expect(maskForms(secret, forms)).toBe('***');
          expect(maskForms(encodeURIComponent(secret), forms)).toBe('***');
        },
      ),
      { numRuns: 1000 },
    );
  });
});
