/** Cuts a byte stream into buffers of a fixed size (the last may be shorter). */
export class ChunkReader {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private leftover: Uint8Array | undefined;
  private done = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  get ended(): boolean {
    return this.done && this.leftover === undefined;
  }

  /** The next `size` bytes, fewer at the end, undefined once the stream is exhausted. */
  async next(size: number): Promise<Buffer | undefined> {
    const parts: Uint8Array[] = [];
    let length = 0;
    while (length < size) {
      let chunk = this.leftover;
      this.leftover = undefined;
      if (!chunk) {
        if (this.done) break;
        const result = await this.iterator.next();
        if (result.done) {
          this.done = true;
          break;
        }
        chunk = result.value;
      }
      const room = size - length;
      if (chunk.length > room) {
        this.leftover = chunk.subarray(room);
        chunk = chunk.subarray(0, room);
      }
      parts.push(chunk);
      length += chunk.length;
    }
    if (length === 0) return undefined;
    return parts.length === 1
      ? Buffer.from(parts[0]!.buffer, parts[0]!.byteOffset, parts[0]!.length)
      : Buffer.concat(parts, length);
  }

  /** Stops the source early (an abandoned upload must not leave a file open). */
  async close(): Promise<void> {
    this.done = true;
    await this.iterator.return?.();
  }
}

/**
 * Runs `work` over `items` with at most `limit` in flight. The first failure stops new work and
 * rejects once the work in flight has settled, so no write (or its cleanup) outlives the call.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  let firstError: unknown;
  async function worker(): Promise<void> {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index]!, index);
      } catch (error) {
        if (!failed) firstError = error;
        failed = true;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed) throw firstError;
  return results;
}
