import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import {
  formatImageRef,
  isLoopbackRegistry,
  parseImageRef,
} from '../../../src/core/registry/reference.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('parseImageRef', () => {
  it.each([
    ['scratch', { transport: 'scratch' }],
    [
      '127.0.0.1:5000/team/model:1.0',
      { transport: 'registry', registry: '127.0.0.1:5000', repository: 'team/model', tag: '1.0' },
    ],
    [
      `localhost/model@${DIGEST}`,
      { transport: 'registry', registry: 'localhost', repository: 'model', digest: DIGEST },
    ],
    [
      'docker://ghcr.example/org/m:latest',
      { transport: 'registry', registry: 'ghcr.example', repository: 'org/m', tag: 'latest' },
    ],
    ['oci:/tmp/layout:v1', { transport: 'oci', dir: '/tmp/layout', tag: 'v1' }],
    ['oci:/tmp/layout', { transport: 'oci', dir: '/tmp/layout' }],
    [
      'docker-archive:/tmp/m.tar:model:1.0',
      { transport: 'docker-archive', path: '/tmp/m.tar', name: 'model:1.0' },
    ],
    ['docker-daemon:model:1.0', { transport: 'docker-daemon', name: 'model:1.0' }],
  ])('parses %s', (text, expected) => {
    const parsed = parseImageRef(text);
    expect(parsed).toEqual(expected);
    if (parsed.transport !== 'registry' || !text.startsWith('docker://'))
      expect(formatImageRef(parsed)).toBe(text);
  });

  it.each([
    ['model:1.0', /names no registry host/],
    ['127.0.0.1:5000/Model:1', /invalid repository/],
    ['127.0.0.1:5000/model:bad tag', /invalid tag|invalid repository/],
    ['127.0.0.1:5000/model@sha256:abc', /digest/],
    ['docker-daemon:model', /needs a name and a tag/],
  ])('rejects %s with a usage error', (text, message) => {
    expect(() => parseImageRef(text, 'tag')).toThrow(UsageError);
    expect(() => parseImageRef(text, 'tag')).toThrow(message);
  });

  it('allows plain HTTP for loopback registries only', () => {
    expect(isLoopbackRegistry('127.0.0.1:5000')).toBe(true);
    expect(isLoopbackRegistry('localhost:5000')).toBe(true);
    expect(isLoopbackRegistry('[::1]:5000')).toBe(true);
    expect(isLoopbackRegistry('registry.example:5000')).toBe(false);
  });
});
