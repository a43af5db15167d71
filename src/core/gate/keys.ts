/**
 * Path segments of a flattened metric key. Dots separate segments except inside an OpenMetrics
 * label set, so `http_latency_ms{quantile="0.5"}` is one segment and `eval.slices.us.recall` four.
 */
export function splitKey(key: string): string[] {
  if (!key.includes('{')) return key.split('.');
  const segments: string[] = [];
  let current = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < key.length; i++) {
    const c = key[i]!;
    if (quoted) {
      if (c === '\\') {
        current += c + (key[i + 1] ?? '');
        i++;
        continue;
      }
      if (c === '"') quoted = false;
    } else if (c === '"' && depth > 0) quoted = true;
    else if (c === '{') depth++;
    else if (c === '}') depth = Math.max(0, depth - 1);
    else if (c === '.' && depth === 0) {
      segments.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  segments.push(current);
  return segments;
}

/** The last segment without an OpenMetrics label set: what a metric's name says it measures. */
export function leafName(key: string): string {
  const segments = splitKey(key);
  const last = segments[segments.length - 1] ?? key;
  const brace = last.indexOf('{');
  return brace >= 0 ? last.slice(0, brace) : last;
}
