import type { SqlEngine } from './engine.js';

export interface ProgressOptions {
  /** Where lines go (the command routes them to the logger). */
  log: (line: string) => void;
  clockMs: () => number;
  /** How often a running query reports; the first line waits this long too, so short queries stay quiet. */
  intervalMs?: number;
}

/** An engine that also says which pass runs now and how many bytes it reads. */
export interface ProgressEngine extends SqlEngine {
  /**
   * `compressed`: the files are gzip/zstd, whose read position DuckDB reports as done long
   * before the rows inside are: the lines then show time, no percentage.
   */
  phase(name: string, bytes?: number, compressed?: boolean): void;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}

/**
 * Wraps an engine so a long query prints a line every interval: the pass, its percentage and,
 * when the files' size is known, the bytes read so far and the read rate. Rows per second come
 * at the end of the scan (the engine only knows the row count then).
 */
export function withProgress(engine: SqlEngine, options: ProgressOptions): ProgressEngine {
  const interval = options.intervalMs ?? 2000;
  let phase = 'scan';
  let bytes: number | undefined;
  let packed = false;
  return {
    phase(name: string, size?: number, compressed = false): void {
      phase = name;
      bytes = size;
      packed = compressed;
    },
    progress: () => engine.progress?.(),
    close: () => engine.close(),
    confine: (readable: readonly string[]) => engine.confine(readable),
    streamNumbers(sql: string) {
      // A stream runs on a connection of its own, which reports no percentage: count values.
      const inner = engine.streamNumbers(sql);
      return (async function* () {
        const started = options.clockMs();
        let values = 0;
        const timer = setInterval(() => {
          const seconds = Math.max(options.clockMs() - started, 1) / 1000;
          options.log(
            `${phase}: ${values.toLocaleString('en-US')} sorted values read · ${seconds.toFixed(0)} s`,
          );
        }, interval);
        try {
          for await (const chunk of inner) {
            values += chunk.values.length;
            yield chunk;
          }
        } finally {
          clearInterval(timer);
        }
      })();
    },
    query: (sql: string) => ticking(() => engine.query(sql)),
    keep: (name: string, select: string) => ticking(() => engine.keep(name, select)),
  };

  async function ticking<T>(run: () => Promise<T>): Promise<T> {
    const started = options.clockMs();
    const timer = setInterval(() => {
      const seconds = Math.max(options.clockMs() - started, 1) / 1000;
      if (packed) {
        const size = bytes === undefined ? '' : ` of ${formatBytes(bytes)}`;
        options.log(
          `${phase}: reading compressed data${size} (no percentage inside compressed files) · ${seconds.toFixed(0)} s`,
        );
        return;
      }
      const percentage = engine.progress?.();
      const parts = [`${phase}: ${percentage === undefined ? '…' : `${percentage.toFixed(0)}%`}`];
      if (percentage !== undefined && bytes !== undefined) {
        const read = (bytes * percentage) / 100;
        parts.push(
          `${formatBytes(read)} of ${formatBytes(bytes)}`,
          `${formatBytes(read / seconds)}/s`,
        );
      }
      parts.push(`${seconds.toFixed(0)} s`);
      options.log(parts.join(' · '));
    }, interval);
    try {
      return await run();
    } finally {
      clearInterval(timer);
    }
  }
}

export { formatBytes };
