import { describe, expect, it } from 'vitest';
import { imageRefsBlocks, parseRefs } from '../../../src/core/image/command-support.js';

describe('the references an image was written to', () => {
  it('lists every tag first, then each repository once by digest', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const blocks = imageRefsBlocks(
      digest,
      parseRefs(['127.0.0.1:5000/team/m:1', '127.0.0.1:5000/team/m:latest', 'oci:out:v1'], 'to'),
      [],
    );
    const written = blocks.find((b, i) => b.type === 'code' && i > 1);
    expect(written?.type === 'code' ? written.text.split('\n') : []).toEqual([
      '127.0.0.1:5000/team/m:1',
      '127.0.0.1:5000/team/m:latest',
      'oci:out:v1',
      `127.0.0.1:5000/team/m@${digest}`,
    ]);
  });
});
