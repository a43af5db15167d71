import type { SecretMasker } from '../core/ports.js';

/** Replaces every registered secret (and its URL-encoded form) with `***`. */
export function createMasker(onAdd?: (secret: string) => void): SecretMasker {
  const secrets = new Set<string>();
  return {
    add(secret) {
      // Short strings would mask ordinary words; real tokens are long.
      if (secret.length < 4 || secrets.has(secret)) return;
      secrets.add(secret);
      const encoded = encodeURIComponent(secret);
      if (encoded !== secret) secrets.add(encoded);
      onAdd?.(secret);
    },
    mask(text) {
      let out = text;
      for (const secret of [...secrets].sort((a, b) => b.length - a.length))
        out = out.split(secret).join('***');
      return out;
    },
  };
}
