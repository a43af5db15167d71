import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';

/**
 * Folders this process made for itself (DuckDB's copies of the data, a Docker config holding
 * registry credentials), removed when a signal ends the process: a cancelled CI job gets
 * SIGINT or SIGTERM, `finally` blocks do not run then, and self-hosted runners keep /tmp.
 */
const folders = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let listening = false;

export function trackScratchFolder(dir: string): void {
  folders.add(dir);
  if (listening) return;
  listening = true;
  for (const signal of SIGNALS) process.once(signal, () => endBy(signal));
}

/** Removes a tracked folder now (the normal end of its use). */
export async function removeScratchFolder(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  folders.delete(dir);
}

function endBy(signal: (typeof SIGNALS)[number]): void {
  removeTrackedNow();
  // Then end as the signal would have without us: its default action, by the same signal.
  for (const other of SIGNALS) process.removeAllListeners(other);
  process.kill(process.pid, signal);
}

/**
 * Removes every tracked folder at once. DuckDB's threads may still be writing spill files:
 * each removal retries, and one that fails never keeps the others from going.
 */
export function removeTrackedNow(
  remove: (dir: string) => void = (dir) =>
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 }),
): void {
  for (const dir of folders) {
    try {
      remove(dir);
      folders.delete(dir);
    } catch {
      // Left behind: nothing better can be done while the process ends.
    }
  }
}
