import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InfraError, UsageError } from '../errors.js';
import type { Exec } from '../ports.js';
import type { BlobSource, Descriptor, ImageSource, ManifestBytes } from '../registry/model.js';
import { DockerArchiveSource } from './docker-archive-source.js';

/**
 * An image in the local Docker engine (`docker-daemon:<name>:<tag>`) as a base image or a copy
 * source: `docker save` writes it to a temporary archive, read without unpacking by the
 * docker-archive reader, and removed on `close`. A temporary file, not a pipe: the engine writes
 * `manifest.json` after the layers, so no layer can be placed in a manifest until the whole
 * stream has gone by, and the layers would have to be held somewhere anyway.
 */
export class DockerDaemonSource implements ImageSource {
  readonly name: string;
  /** The engine wrote the image out (`docker save`): a bad document is the engine's. */
  readonly origin = 'remote';
  private archive: Promise<DockerArchiveSource> | undefined;
  private dir: string | undefined;

  constructor(
    private readonly reference: string,
    private readonly exec: Exec,
    private readonly tempDir: string,
  ) {
    this.name = `docker-daemon:${reference}`;
  }

  async getManifest(): Promise<ManifestBytes> {
    return (await this.save()).getManifest();
  }

  getBlob(descriptor: Descriptor): BlobSource {
    const blob: BlobSource = {
      mediaType: descriptor.mediaType,
      digest: descriptor.digest,
      size: descriptor.size,
      open: (offset) => this.openBlob(descriptor, offset),
    };
    return blob;
  }

  async readBlob(descriptor: Descriptor): Promise<Buffer> {
    return (await this.save()).readBlob(descriptor);
  }

  /** Removes the temporary archive. */
  async close(): Promise<void> {
    const dir = this.dir;
    this.archive = undefined;
    this.dir = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
  }

  private async *openBlob(descriptor: Descriptor, offset: number): AsyncGenerator<Uint8Array> {
    yield* (await this.save()).getBlob(descriptor).open(offset);
  }

  private save(): Promise<DockerArchiveSource> {
    this.archive ??= this.runSave();
    return this.archive;
  }

  private async runSave(): Promise<DockerArchiveSource> {
    const dir = await mkdtemp(join(this.tempDir, 'sluice-save-'));
    this.dir = dir;
    const file = join(dir, 'image.tar');
    const result = await this.exec
      .run('docker', ['save', '-o', file, this.reference], { allowFailure: true })
      .catch(async (error: unknown) => {
        await this.close();
        throw error;
      });
    if (result.exitCode !== 0) {
      await this.close();
      const output = result.stderr.trim().slice(0, 500);
      if (/no such image|not found|reference does not exist/i.test(output)) {
        throw new UsageError(`${this.name} is not in the Docker engine: ${output}`, {
          hint: `Build or pull it first; \`docker image ls ${this.reference.split(/[:@]/)[0]}\` lists what the engine has.`,
        });
      }
      throw new InfraError(`docker save ${this.reference} failed: ${output}`, {
        hint: 'Check that the Docker engine is running and DOCKER_HOST points at it.',
      });
    }
    return new DockerArchiveSource(file, this.reference);
  }
}
