import type { Logger } from '../../../src/core/ports.js';

export const quietLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  group: (_title, run) => run(),
};

/** Requests a model server answered, from its own /metrics (all status codes). */
export async function servedBy(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let total = 0;
  for (const match of text.matchAll(/^model_requests_total\{[^}]*\} (\d+)$/gm))
    total += Number(match[1]);
  return total;
}
