/**
 * Misbehaving registries on 127.0.0.1 for the hostile OCI tests, and push-image run in-process
 * the way the CLI runs it (same masker, same error printing), with stderr captured.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IMPLEMENTATIONS } from '../../src/app/commands.js';
import { runCommand } from '../../src/app/run-command.js';
import { pushImage } from '../../src/inputs/push-image.js';
import { localPlatform } from '../../src/platforms/local/platform.js';

export interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

export interface HostileServer {
  /** `127.0.0.1:<port>` */
  host: string;
  port: number;
  seen: Seen[];
  stop(): Promise<void>;
}

export type Handler = (
  request: IncomingMessage & { bodyText: string },
  response: ServerResponse,
  server: HostileServer,
) => void | Promise<void>;

/** An HTTP server on 127.0.0.1 that records every request and answers with `handler`. */
export async function startServer(handler: Handler): Promise<HostileServer> {
  const sockets = new Set<Socket>();
  const seen: Seen[] = [];
  const ref: { self?: HostileServer } = {};
  const server: Server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on('data', (chunk: Buffer) => parts.push(chunk));
    request.on('end', () => {
      const bodyText = Buffer.concat(parts).toString('utf8');
      seen.push({
        method: request.method ?? '',
        url: request.url ?? '',
        authorization: request.headers.authorization,
        body: bodyText,
      });
      void Promise.resolve(
        handler(Object.assign(request, { bodyText }), response, ref.self!),
      ).catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(599);
        response.end(String(error));
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  ref.self = {
    host: `127.0.0.1:${port}`,
    port,
    seen,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return ref.self;
}

export const sha256 = (bytes: Buffer | string): string =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** A small valid image: a config, one layer, and the manifest naming them. */
export function smallImage(): {
  config: Buffer;
  layer: Buffer;
  manifest: Buffer;
  blobs: Map<string, Buffer>;
} {
  const layer = Buffer.from('not really a tarball, but blobs are only bytes to a copy');
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [sha256(layer)] },
    }),
  );
  const manifest = imageManifest({
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: sha256(config),
      size: config.length,
    },
    layers: [
      {
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        digest: sha256(layer),
        size: layer.length,
      },
    ],
  });
  return {
    config,
    layer,
    manifest,
    blobs: new Map([
      [sha256(config), config],
      [sha256(layer), layer],
    ]),
  };
}

export function imageManifest(parts: { config: unknown; layers: unknown[] }): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...parts,
    }),
  );
}

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** Answers a registry's manifest and blob GETs from `image`; false for anything else. */
export function serveImage(
  request: IncomingMessage,
  response: ServerResponse,
  image: { manifest: Buffer; blobs: Map<string, Buffer> },
): boolean {
  const url = request.url ?? '';
  if (/^\/v2\/[^/]+(?:\/[^/]+)*\/manifests\//.test(url)) {
    response.writeHead(200, {
      'content-type': OCI_MANIFEST,
      'content-length': image.manifest.length,
    });
    response.end(request.method === 'HEAD' ? undefined : image.manifest);
    return true;
  }
  const blob = /\/blobs\/(sha256:[a-f0-9]{64})$/.exec(url);
  if (blob && image.blobs.has(blob[1]!)) {
    const bytes = image.blobs.get(blob[1]!)!;
    response.writeHead(200, { 'content-length': bytes.length });
    response.end(request.method === 'HEAD' ? undefined : bytes);
    return true;
  }
  return false;
}

export function scratchDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** push-image as the CLI runs it on a terminal: exit code and everything written to stderr. */
export async function runPushImage(
  inputs: Record<string, string>,
): Promise<{ exitCode: number; stderr: string; seconds: number }> {
  const lines: string[] = [];
  const cwd = scratchDir('sluice-hostile-cwd-');
  try {
    const platform = localPlatform(cwd.path, (line) => lines.push(line), false, 100);
    const started = Date.now();
    const exitCode = await runCommand({
      def: pushImage,
      impl: await IMPLEMENTATIONS['push-image']!(),
      platform,
      // No Docker config of the machine running the tests is ever read.
      readInput: (name) =>
        inputs[name] ?? (name === 'docker-config' ? join(cwd.path, 'no-docker-config') : undefined),
      stdout: (text) => lines.push(text),
      color: false,
    });
    return { exitCode, stderr: lines.join('\n'), seconds: (Date.now() - started) / 1000 };
  } finally {
    cwd.remove();
  }
}
