/** Shorter forms would mask ordinary words; real secrets and their encodings are longer. */
export const MIN_SECRET = 4;
/** A base64 fragment shorter than this matches too much ordinary text to be worth masking. */
const MIN_BASE64_CORE = 8;

/**
 * Every form `secret` takes on the wire or in a server's echo: raw, URL-encoded, JSON-escaped,
 * and base64. A secret inside a longer base64 text (a password inside `Basic base64(user:pw)`)
 * encodes differently at each of the three byte offsets; the characters that depend on the
 * secret alone are kept for each offset, so any base64 text containing it loses them.
 */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret]);
  forms.add(encodeURIComponent(secret));
  forms.add(JSON.stringify(secret).slice(1, -1));
  const bytes = Buffer.from(secret, 'utf8');
  for (const alphabet of ['base64', 'base64url'] as const) {
    const whole = bytes.toString(alphabet);
    forms.add(whole);
    forms.add(whole.replace(/=+$/, ''));
    for (let offset = 0; offset < 3; offset += 1) {
      const padded = Buffer.concat([Buffer.alloc(offset), bytes]).toString(alphabet);
      // Characters of the first group mix in bytes before the secret (when offset > 0); those of
      // a last, partial group mix in bytes after it.
      const start = offset === 0 ? 0 : 4;
      const end = Math.floor((offset + bytes.length) / 3) * 4;
      const core = padded.slice(start, end);
      if (core.length >= MIN_BASE64_CORE) forms.add(core);
    }
  }
  return [...forms].filter((form) => form.length >= MIN_SECRET);
}

/** `text` with every form of every secret replaced by `***`, longest first. */
export function maskForms(text: string, forms: readonly string[]): string {
  let out = text;
  for (const form of forms) if (out.includes(form)) out = out.split(form).join('***');
  return out;
}
