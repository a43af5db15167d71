/**
 * Registries that hang, stall in the middle of a body, or redirect elsewhere: every request
 * ends within network-timeout with exit 3 naming the host, and credentials never follow a
 * redirect to another origin.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  OCI_MANIFEST,
  runPushImage,
  scratchDir,
  serveImage,
  smallImage,
  startServer,
  type HostileServer,
} from './oci-support.js';

const servers: { stop(): Promise<void> }[] = [];
const dirs: { remove(): void }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
  for (const dir of dirs.splice(0)) dir.remove();
});

/** Accepts connections and never says a word. */
async function silentServer(): Promise<{
  host: string;
  accepted: () => number;
  stop(): Promise<void>;
}> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    host: `127.0.0.1:${port}`,
    accepted: () => accepted,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function outDir(): string {
  const dir = scratchDir('sluice-hostile-out-');
  dirs.push(dir);
  return dir.path;
}

describe('a registry that never answers', () => {
  it('fails with exit 3 naming the host within network-timeout, after retries', async () => {
    const server = await silentServer();
    servers.push(server);
    const result = await runPushImage({
      from: `${server.host}/team/model:1`,
      to: `oci:${outDir()}:v1`,
      'network-timeout': '2',
    });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(server.host);
    expect(result.stderr).toMatch(/network-timeout/);
    // Two seconds for the request, retries included; a little slack for the machine.
    expect(result.seconds).toBeLessThan(6);
    expect(server.accepted()).toBeGreaterThan(1); // it was retried, not given up at once
  });

  it('a manifest body that stops half-way fails with exit 3, not a hang', async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': OCI_MANIFEST, 'content-length': '5000' });
      response.write('{"schemaVersion": 2, "layers": [');
      // …and nothing more, ever.
    });
    servers.push(server);
    const result = await runPushImage({
      from: `${server.host}/team/model:1`,
      to: `oci:${outDir()}:v1`,
      'network-timeout': '2',
    });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(server.host);
    expect(result.seconds).toBeLessThan(6);
  });

  it('a blob download that stalls fails on the idle timeout with exit 3', async () => {
    const image = smallImage();
    const server = await startServer((request, response) => {
      if (
        request.url?.includes('/blobs/') &&
        request.url.includes(image.layer.length ? 'sha256' : '')
      ) {
        const digest = /sha256:[a-f0-9]{64}/.exec(request.url)?.[0] ?? '';
        if (image.blobs.get(digest) === image.layer) {
          response.writeHead(200, { 'content-length': String(image.layer.length) });
          response.write(image.layer.subarray(0, 5));
          return; // stalls
        }
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
      'network-timeout': '2',
    });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(server.host);
    expect(result.seconds).toBeLessThan(6);
  });

  it('refuses a network-timeout that is not a positive number, before any request', async () => {
    const result = await runPushImage({
      from: '127.0.0.1:9/team/model:1',
      to: `oci:${outDir()}:v1`,
      'network-timeout': '0',
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('network-timeout');
  });
});

describe('redirects', () => {
  const USER = 'reader';
  const PASSWORD = 'redirect-secret-9a8b7c';

  async function dockerConfigFor(host: string): Promise<string> {
    const dir = scratchDir('sluice-hostile-docker-');
    dirs.push(dir);
    writeFileSync(
      join(dir.path, 'config.json'),
      JSON.stringify({
        auths: { [host]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } },
      }),
    );
    return dir.path;
  }

  it('never sends the credentials to the other host a registry redirects to', async () => {
    const image = smallImage();
    const other: HostileServer = await startServer((request, response) => {
      if (!serveImage(request, response, image)) {
        response.writeHead(404);
        response.end();
      }
    });
    servers.push(other);
    const registry = await startServer((request, response) => {
      if (!request.headers.authorization) {
        response.writeHead(401, { 'www-authenticate': 'Basic realm="r"' });
        response.end();
        return;
      }
      // Every read goes to "storage" on another port (another origin), as S3 redirects do.
      response.writeHead(307, { location: `http://${other.host}${request.url}` });
      response.end();
    });
    servers.push(registry);
    const result = await runPushImage({
      from: `${registry.host}/team/model:1`,
      to: `oci:${outDir()}:v1`,
      'docker-config': await dockerConfigFor(registry.host),
    });
    expect(result.stderr).not.toContain(PASSWORD);
    expect(result.exitCode).toBe(0);
    expect(registry.seen.some((seen) => seen.authorization?.startsWith('Basic '))).toBe(true);
    expect(other.seen.length).toBeGreaterThanOrEqual(3); // manifest, config, layer
    expect(other.seen.map((seen) => seen.authorization)).toEqual(other.seen.map(() => undefined));
  });

  it('follows a bounded number of redirects, then fails with exit 3 naming the host', async () => {
    const loop = await startServer((request, response) => {
      response.writeHead(302, { location: `${request.url}x` });
      response.end();
    });
    servers.push(loop);
    const result = await runPushImage({
      from: `${loop.host}/team/model:1`,
      to: `oci:${outDir()}:v1`,
      'network-timeout': '5',
    });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(loop.host);
    expect(result.stderr).toMatch(/redirected/);
    expect(loop.seen.length).toBeLessThanOrEqual(6);
  });
});
