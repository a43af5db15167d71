/**
 * What keeps an upload's memory flat in the blob's size: chunks land in two reused buffers, and
 * large request bodies reach fetch as streams (fetch copies a Buffer body whole).
 */
import { describe, expect, it } from 'vitest';
import { ChunkReader } from '../../../src/clients/oci/chunks.js';
import { RegistryHttp, type Fetch } from '../../../src/clients/oci/http.js';

async function* pieces(total: number, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < total; at += size)
    yield Uint8Array.from({ length: Math.min(size, total - at) }, (_, i) => (at + i) % 251);
}

describe('ChunkReader with a target buffer', () => {
  it('copies each chunk into the buffer it is given and returns a view of it', async () => {
    const reader = new ChunkReader(pieces(2500, 300));
    const target = Buffer.alloc(1000);
    const seen: number[] = [];
    for (;;) {
      const chunk = await reader.next(1000, target);
      if (!chunk) break;
      expect(chunk.buffer).toBe(target.buffer);
      seen.push(...chunk);
    }
    expect(seen).toEqual(Array.from({ length: 2500 }, (_, i) => i % 251));
  });
});

describe('RegistryHttp request bodies', () => {
  it('streams bodies of 1 MiB and more with their length, again on the retry after a 401', async () => {
    const bodies: { stream: boolean; length: string | null; bytes: number }[] = [];
    let calls = 0;
    const fetchImpl = (async (_input: string | URL | Request, init: RequestInit = {}) => {
      calls += 1;
      const headers = new Headers(init.headers);
      const body = init.body;
      let bytes = 0;
      if (body instanceof ReadableStream)
        for await (const chunk of body as unknown as AsyncIterable<Uint8Array>)
          bytes += chunk.length;
      else if (body) bytes = (body as Uint8Array).length;
      bodies.push({
        stream: body instanceof ReadableStream,
        length: headers.get('content-length'),
        bytes,
      });
      if (calls === 1)
        return new Response(null, { status: 401, headers: { 'www-authenticate': 'Basic' } });
      return new Response(null, { status: 202 });
    }) as Fetch;
    const http = new RegistryHttp({
      registry: '127.0.0.1:5000',
      fetch: fetchImpl,
      credentials: { username: 'u', password: 'p' },
    });
    const large = Buffer.alloc(3 * 1024 * 1024 + 5, 7);
    const response = await http.send({ method: 'PATCH', url: '/v2/x', scopes: [], body: large });
    expect(response.status).toBe(202);
    expect(bodies).toEqual([
      { stream: true, length: String(large.length), bytes: large.length },
      { stream: true, length: String(large.length), bytes: large.length },
    ]);
    bodies.length = 0;
    calls = 1;
    await http.send({ method: 'PUT', url: '/v2/y', scopes: [], body: Buffer.from('{}') });
    expect(bodies).toEqual([{ stream: false, length: null, bytes: 2 }]);
  });
});
