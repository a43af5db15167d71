/** Parsing `WWW-Authenticate` challenges and the credentials a registry may ask for. */

import type { RegistryCredentials } from '../../core/ports.js';

export type Credentials = RegistryCredentials;

export interface Challenge {
  scheme: 'basic' | 'bearer';
  params: Record<string, string>;
}

/** `Bearer realm="https://auth/token",service="registry",scope="repository:a:pull"` → parts. */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const match = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const scheme = (match[1] ?? '').toLowerCase();
  if (scheme !== 'basic' && scheme !== 'bearer') return undefined;
  const params: Record<string, string> = {};
  const pattern = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;
  for (const part of (match[2] ?? '').matchAll(pattern)) {
    const key = (part[1] ?? '').toLowerCase();
    params[key] = part[2] !== undefined ? part[2].replace(/\\(.)/g, '$1') : (part[3] ?? '');
  }
  return { scheme, params };
}

export function basicHeader(credentials: Credentials): string | undefined {
  if (credentials.username === undefined || credentials.password === undefined) return undefined;
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}
