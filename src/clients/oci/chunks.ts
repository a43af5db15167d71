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

  /**
   * The next `size` bytes, fewer at the end, undefined once the stream is exhausted. With `into`
   * (at least `size` bytes) the bytes are copied there and a view of it is returned: an upload
   * then reuses the same two buffers for every chunk instead of leaving one behind per chunk
   * for the garbage collector, which is what made the peak memory grow with the model's size.
   */
  async next(size: number, into?: Buffer): Promise<Buffer | undefined> {
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
      if (into) into.set(chunk, length);
      else parts.push(chunk);
      length += chunk.length;
    }
    if (length === 0) return undefined;
    if (into) return into.subarray(0, length);
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
