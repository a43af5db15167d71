import { decideComment } from '../../core/comment/decide.js';
import { placePrefix } from '../../core/errors.js';
import type { Logger, SecretMasker } from '../../core/ports.js';
import type { Platform } from '../types.js';
import { createMasker } from '../masker.js';
import { fileStateStore } from '../state-file.js';
import { terminalWidth } from '../terminal-width.js';

/** A terminal (laptop, Jenkins, any CI without an adapter): stderr logging, no forge. */
export function localPlatform(
  cwd: string,
  write: (line: string) => void,
  color: boolean,
  width: number | undefined = terminalWidth(process.stdout, process.env),
): Platform {
  const masker = createMasker();
  return {
    name: 'local',
    ...(width !== undefined ? { terminalWidth: width } : {}),
    logger: terminalLogger(write, masker, color),
    masker,
    summaryLimit: undefined,
    state: fileStateStore(cwd),
    runContext: () => ({ platform: 'local', cwd }),
    setOutputs: async () => undefined,
    writeSummary: async () => undefined,
    async createForge() {
      // A terminal has no change request: decideComment says so in the words every platform uses.
      const decision = decideComment({
        platform: 'local',
        hasChangeRequest: false,
        hasToken: false,
        isFork: false,
      });
      return { reason: decision.post ? 'no forge on a terminal' : decision.reason };
    },
  };
}

function terminalLogger(
  write: (line: string) => void,
  masker: SecretMasker,
  color: boolean,
): Logger {
  const paint = (code: string, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const out = (line: string) => write(masker.mask(line));
  return {
    debug: () => undefined,
    info: (message) => out(message),
    warn: (message, place) => out(`${paint('33', 'warning:')} ${placePrefix(place)}${message}`),
    error: (message, place) => out(`${paint('31', 'error:')} ${placePrefix(place)}${message}`),
    async group(title, run) {
      out(paint('1', title));
      return run();
    },
  };
}
