import type { SecretMasker } from '../core/ports.js';
import { MIN_SECRET, maskForms, secretForms } from '../core/secret-forms.js';

/**
 * Replaces every registered secret with `***`, in every form it takes on the wire: raw,
 * URL-encoded, JSON-escaped and base64 (also inside a longer base64 text, such as a password
 * inside `Basic base64(user:password)`); see secretForms.
 */
export function createMasker(onAdd?: (secret: string) => void): SecretMasker {
  const added = new Set<string>();
  const forms = new Set<string>();
  let ordered: string[] = [];
  return {
    add(secret) {
      if (secret.length < MIN_SECRET || added.has(secret)) return;
      added.add(secret);
      for (const form of secretForms(secret)) forms.add(form);
      ordered = [...forms].sort((a, b) => b.length - a.length);
      // The runner (GitHub's add-mask) derives its own encodings from the raw value.
      onAdd?.(secret);
    },
    mask(text) {
      return maskForms(text, ordered);
    },
  };
}
