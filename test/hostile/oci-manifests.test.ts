/**
 * Registries that send what no registry should: huge manifests, manifests that are not JSON or
 * not a manifest, digests that climb out of the blob path, blobs whose bytes are not their
 * digest, endless token answers and error bodies. Each is exit 3 naming the host; nothing is
 * read past its bound and no request leaves `/v2/<name>/(manifests|blobs)/…`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  OCI_MANIFEST,
  imageManifest,
  runPushImage,
  scratchDir,
  serveImage,
  sha256,
  smallImage,
  startServer,
  type HostileServer,
} from './oci-support.js';

const MiB = 1024 * 1024;
const servers: HostileServer[] = [];
const dirs: { remove(): void }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
  for (const dir of dirs.splice(0)) dir.remove();
});

function outDir(): string {
  const dir = scratchDir('sluice-hostile-out-');
  dirs.push(dir);
  return dir.path;
}

/**
 * Streams `total` bytes of a JSON-looking body as fast as the client takes them, and records
 * how many it managed to write before the client hung up.
 */
function endless(
  total: number,
  head: Record<string, string>,
  status = 200,
): { handler: Parameters<typeof startServer>[0]; written: () => number; closed: Promise<void> } {
  let written = 0;
  let closed!: () => void;
  const done = new Promise<void>((resolve) => (closed = resolve));
  return {
    written: () => written,
    closed: done,
    handler: (_request, response) => {
      response.writeHead(status, head);
      const piece = Buffer.alloc(64 * 1024, 0x20);
      response.write('{"schemaVersion":2,"pad":"');
      const pump = () => {
        while (written < total) {
          written += piece.length;
          if (!response.write(piece)) {
            response.once('drain', pump);
            return;
          }
        }
        response.end('"}');
      };
      response.on('close', () => closed());
      pump();
    },
  };
}

describe('size bounds', () => {
  it('stops reading a 200 MB manifest at 4 MiB: exit 3 naming the host and what was too big', async () => {
    const body = endless(200 * MiB, { 'content-type': OCI_MANIFEST });
    const server = await startServer(body.handler);
    servers.push(server);
    const result = await runPushImage({
      from: `${server.host}/team/model:1`,
      to: `oci:${outDir()}:v1`,
    });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(server.host);
    expect(result.stderr).toMatch(/manifest .*larger than 4 MiB/);
    await body.closed;
    // What the socket buffers took, not the 200 MB the server wanted to send.
    expect(body.written()).toBeLessThan(40 * MiB);
  });

  it('refuses a manifest whose Content-Length says it is too big without reading it', async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(200, {
        'content-type': OCI_MANIFEST,
        'content-length': String(300 * MiB),
      });
      response.write('{');
    });
    servers.push(server);
    const result = await runPushImage({
      from: `${server.host}/team/model:1`,
      to: `oci:${outDir()}:v1`,
    });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/larger than 4 MiB/);
  });

  it('stops reading an endless token answer at 64 KiB', async () => {
    const token = endless(100 * MiB, { 'content-type': 'application/json' });
    const server = await startServer((request, response, self) => {
      if (request.url?.startsWith('/token')) return token.handler(request, response, self);
      response.writeHead(401, {
        'www-authenticate': `Bearer realm="http://${self.host}/token",service="s"`,
      });
      response.end();
    });
    servers.push(server);
    const result = await runPushImage({
      from: `${server.host}/team/model:1`,
      to: `oci:${outDir()}:v1`,
    });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/token .*larger than 64 KiB/);
    await token.closed;
    expect(token.written()).toBeLessThan(40 * MiB);
  });

  it('reads at most 64 KiB of an endless error body, and prints a few hundred characters of it', async () => {
    const errorBody = endless(100 * MiB, { 'content-type': 'text/plain' }, 400);
    const server = await startServer(errorBody.handler);
    servers.push(server);
    const result = await runPushImage({
      from: `${server.host}/team/model:1`,
      to: `oci:${outDir()}:v1`,
    });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('HTTP 400');
    expect(result.stderr.length).toBeLessThan(2000);
    await errorBody.closed;
    expect(errorBody.written()).toBeLessThan(40 * MiB);
  });
});

describe('manifests that are not manifests', () => {
  it.each([
    ['not JSON', Buffer.from('<html>503 from the proxy</html>'), /not JSON/],
    ['JSON, not an object', Buffer.from('[1,2,3]'), /not a JSON object/],
    ['no schemaVersion', Buffer.from('{"layers":[]}'), /schemaVersion/],
    [
      'layers not a list',
      Buffer.from(
        '{"schemaVersion":2,"config":{"mediaType":"x/y","digest":"sha256:' +
          'a'.repeat(64) +
          '","size":1},"layers":"all of them"}',
      ),
      /layers/,
    ],
    [
      'a negative size',
      imageManifest({
        config: { mediaType: 'x/y', digest: `sha256:${'a'.repeat(64)}`, size: -1 },
        layers: [],
      }),
      /size/,
    ],
    [
      'an index entry without digest',
      Buffer.from('{"schemaVersion":2,"manifests":[{"mediaType":"x/y","size":3}]}'),
      /digest/,
    ],
  ])(
    '%s: exit 3 naming the host and the media type, never a crash',
    async (_what, bytes, message) => {
      const server = await startServer((_request, response) => {
        response.writeHead(200, { 'content-type': OCI_MANIFEST });
        response.end(bytes);
      });
      servers.push(server);
      const result = await runPushImage({
        from: `${server.host}/team/model:1`,
        to: `oci:${outDir()}:v1`,
      });
      expect(result.exitCode).toBe(3);
      expect(result.stderr).toContain(server.host);
      expect(result.stderr).toContain(OCI_MANIFEST);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/internal error|SyntaxError|TypeError/);
    },
  );
});

/** Only requests a well-behaved client makes for `team/model`. */
const ALLOWED =
  /^\/v2\/team\/model\/(?:manifests\/(?:1|sha256:[a-f0-9]{64})|blobs\/sha256:[a-f0-9]{64})$/;

describe('digests from a hostile registry', () => {
  const traversals = [
    'sha256:../../../x',
    '../../../../etc/passwd',
    `sha256:${'A'.repeat(64)}`,
    `sha256:${'a'.repeat(63)}/`,
    `sha256:%2e%2e%2f%2e%2e%2f${'a'.repeat(50)}`,
    `sha256:${'a'.repeat(64)}?x=1`,
    `sha256:${'a'.repeat(64)}#frag`,
    `sha512:${'a'.repeat(64)}`,
    'md5:d41d8cd98f00b204e9800998ecf8427e',
    `sha256:${'a'.repeat(64)}\r\nX-Injected: 1`,
  ];

  it.each(traversals)('a layer digest %j never becomes a request; exit 3', async (digest) => {
    const image = smallImage();
    const manifest = imageManifest({
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha256(image.config),
        size: image.config.length,
      },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest, size: 10 }],
    });
    const server = await startServer((request, response) => {
      if (!serveImage(request, response, { manifest, blobs: image.blobs })) {
        response.writeHead(404);
        response.end();
      }
    });
    servers.push(server);
    const result = await runPushImage({
      from: `${server.host}/team/model:1`,
      to: `oci:${outDir()}:v1`,
    });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(server.host);
    expect(result.stderr).toMatch(/layers\[0\]\.digest/);
    for (const seen of server.seen) expect(seen.url).toMatch(ALLOWED);
  });

  it('an index entry or config with a traversal digest never becomes a request', async () => {
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          {
            mediaType: OCI_MANIFEST,
            digest: 'sha256:../../../../v2/other/secret',
            size: 10,
            platform: { os: 'linux', architecture: 'amd64' },
          },
        ],
      }),
    );
    const server = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json' });
      response.end(index);
    });
    servers.push(server);
    const result = await runPushImage({
      from: `${server.host}/team/model:1`,
      to: `oci:${outDir()}:v1`,
    });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/manifests\[0\]\.digest/);
    for (const seen of server.seen) expect(seen.url).toMatch(ALLOWED);
  });

  it('a Docker-Content-Digest header that is not a digest is refused', async () => {
    const image = smallImage();
    const server = await startServer((_request, response) => {
      response.writeHead(200, {
        'content-type': OCI_MANIFEST,
        'docker-content-digest': 'sha256:../../x',
      });
      response.end(image.manifest);
    });
    servers.push(server);
    const result = await runPushImage({
      from: `${server.host}/team/model:1`,
      to: `oci:${outDir()}:v1`,
    });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/Docker-Content-Digest/);
  });

  it('a blob whose bytes are not its digest fails with exit 3 naming the host', async () => {
    const image = smallImage();
    const server = await startServer((request, response) => {
      const url = request.url ?? '';
      if (url.endsWith(sha256(image.layer))) {
        const forged = Buffer.from(image.layer);
        forged[0] = forged[0]! ^ 1;
        response.writeHead(200, { 'content-length': String(forged.length) });
        response.end(forged);
        return;
      }
      if (!serveImage(request, response, image)) {
        response.writeHead(404);
        response.end();
      }
    });
    servers.push(server);
    const result = await runPushImage({
      from: `${server.host}/team/model:1`,
      to: `oci:${outDir()}:v1`,
    });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(server.host);
    expect(result.stderr).toMatch(/hash to/);
  });

  it('a config larger than its descriptor says is not read past that size', async () => {
    const image = smallImage();
    const server = await startServer((request, response) => {
      if (request.url?.endsWith(sha256(image.config))) {
        response.writeHead(200);
        response.write(image.config);
        response.end(Buffer.alloc(5 * MiB, 0x20));
        return;
      }
      if (!serveImage(request, response, image)) {
        response.writeHead(404);
        response.end();
      }
    });
    servers.push(server);
    const result = await runPushImage({
      from: `${server.host}/team/model:1`,
      to: `oci:${outDir()}:v1`,
    });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/larger than the \d+ bytes its descriptor says/);
  });

  it('a well-formed image copies (the checks let an honest registry through)', async () => {
    const image = smallImage();
    const server = await startServer((request, response) => {
      if (!serveImage(request, response, image)) {
        response.writeHead(404);
        response.end();
      }
    });
    servers.push(server);
    const result = await runPushImage({
      from: `${server.host}/team/model:1`,
      to: `oci:${outDir()}:v1`,
    });
    expect(result.stderr).toBe(result.stderr); // printed below on failure
    expect(result.exitCode, result.stderr).toBe(0);
    for (const seen of server.seen) expect(seen.url).toMatch(ALLOWED);
  });
});

describe('digests in a local OCI layout', () => {
  it('an index.json digest that climbs out of blobs/ is refused (exit 2), never read', async () => {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const layout = scratchDir('sluice-hostile-layout-');
    dirs.push(layout);
    mkdirSync(join(layout.path, 'blobs', 'sha256'), { recursive: true });
    // What a successful read would copy: a file beside the layout, not in it.
    writeFileSync(join(layout.path, 'outside.json'), imageManifest({ config: {}, layers: [] }));
    writeFileSync(
      join(layout.path, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: OCI_MANIFEST,
            digest: 'sha256:../../outside.json',
            size: 10,
            annotations: { 'org.opencontainers.image.ref.name': 'v1' },
          },
        ],
      }),
    );
    const result = await runPushImage({ from: `oci:${layout.path}:v1`, to: `oci:${outDir()}:v1` });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/digest/);
  });
});
