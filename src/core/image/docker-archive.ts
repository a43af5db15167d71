import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InfraError } from '../errors.js';
import type { Exec } from '../ports.js';
import type { BlobSource, ImageManifest, ImageSink, ManifestBytes } from '../registry/model.js';
import { OciLayoutSink } from './oci-layout.js';
import { tarStream, type TarEntry } from './tar.js';

/**
 * A `docker save`-style archive (`docker-archive:<path>[:<name>:<tag>]`): an OCI layout
 * plus the `manifest.json` that `docker load` reads, written as one tar when the sink closes.
 */
export class DockerArchiveSink implements ImageSink {
  readonly name: string;
  private layoutDir: string | undefined;
  /** One folder for every blob, even when blobs arrive in parallel. */
  private layout: Promise<OciLayoutSink> | undefined;
  private manifest: ImageManifest | undefined;

  constructor(
    private readonly path: string,
    private readonly repoTags: string[],
    private readonly tempDir: string,
  ) {
    this.name = `docker-archive:${path}`;
  }

  private open(): Promise<OciLayoutSink> {
    this.layout ??= mkdtemp(join(this.tempDir, 'sluice-archive-')).then((dir) => {
      this.layoutDir = dir;
      return new OciLayoutSink(dir);
    });
    return this.layout;
  }

  async hasBlob(digest: string): Promise<boolean> {
    return (await this.open()).hasBlob(digest);
  }

  async putBlob(
    blob: BlobSource,
    progress?: (bytes: number) => void,
  ): Promise<{ digest: string; size: number; uploaded: number }> {
    return (await this.open()).putBlob(blob, progress);
  }

  async putManifest(manifest: ManifestBytes, tags: readonly string[]): Promise<string> {
    await (await this.open()).putManifest(manifest, tags);
    this.manifest = JSON.parse(manifest.bytes.toString('utf8')) as ImageManifest;
    return manifest.digest;
  }

  async close(): Promise<void> {
    if (!this.layoutDir || !this.manifest) return;
    const dir = this.layoutDir;
    const blob = (digest: string): string => `blobs/sha256/${digest.replace(/^sha256:/, '')}`;
    await writeFile(
      join(dir, 'manifest.json'),
      JSON.stringify([
        {
          Config: blob(this.manifest.config.digest),
          RepoTags: this.repoTags,
          Layers: this.manifest.layers.map((layer) => blob(layer.digest)),
        },
      ]),
    );
    const entries: TarEntry[] = [
      { path: 'blobs', type: 'dir', mode: 0o755 },
      { path: 'blobs/sha256', type: 'dir', mode: 0o755 },
    ];
    for (const name of (await readdir(join(dir, 'blobs', 'sha256'))).sort()) {
      const source = join(dir, 'blobs', 'sha256', name);
      entries.push({
        path: `blobs/sha256/${name}`,
        type: 'file',
        mode: 0o644,
        size: (await stat(source)).size,
        source,
      });
    }
    for (const name of ['index.json', 'manifest.json', 'oci-layout']) {
      const source = join(dir, name);
      entries.push({
        path: name,
        type: 'file',
        mode: 0o644,
        size: (await stat(source)).size,
        source,
      });
    }
    const temp = `${this.path}.partial`;
    try {
      await pipeline(Readable.from(tarStream(entries)), createWriteStream(temp));
      await rename(temp, this.path);
    } catch (error) {
      await rm(temp, { force: true });
      const code = (error as NodeJS.ErrnoException).code;
      throw new InfraError(
        `Could not write ${this.path}: ${code === 'ENOSPC' ? 'the disk is full' : (error as Error).message}`,
        { cause: error },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
      this.layout = undefined;
      this.layoutDir = undefined;
    }
  }
}

/** The local Docker engine (`docker-daemon:<name>:<tag>`): an archive handed to `docker load`. */
export class DockerDaemonSink implements ImageSink {
  readonly name: string;
  private readonly archive: DockerArchiveSink;
  private readonly file: string;

  constructor(
    private readonly reference: string,
    private readonly exec: Exec,
    tempDir: string,
  ) {
    this.name = `docker-daemon:${reference}`;
    // A name no other run or sink shares: random, so it depends on no clock.
    this.file = join(tempDir, `sluice-load-${randomBytes(8).toString('hex')}.tar`);
    this.archive = new DockerArchiveSink(this.file, [reference], tempDir);
  }

  hasBlob(digest: string): Promise<boolean> {
    return this.archive.hasBlob(digest);
  }

  putBlob(
    blob: BlobSource,
    progress?: (bytes: number) => void,
  ): Promise<{ digest: string; size: number; uploaded: number }> {
    return this.archive.putBlob(blob, progress);
  }

  putManifest(manifest: ManifestBytes, tags: readonly string[]): Promise<string> {
    return this.archive.putManifest(manifest, tags);
  }

  async close(): Promise<void> {
    await this.archive.close();
    try {
      const result = await this.exec.run('docker', ['load', '-i', this.file], {
        allowFailure: true,
      });
      if (result.exitCode !== 0) {
        throw new InfraError(
          `docker load of ${this.reference} failed: ${result.stderr.trim().slice(0, 500)}`,
          {
            hint: 'Check that the Docker engine is running and DOCKER_HOST points at it.',
          },
        );
      }
    } finally {
      await rm(this.file, { force: true });
    }
  }
}
