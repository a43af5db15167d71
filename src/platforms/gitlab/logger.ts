import { placePrefix } from '../../core/errors.js';
import type { Logger, SecretMasker } from '../../core/ports.js';

const YELLOW = '\u001b[33m';
const RED = '\u001b[31m';
const RESET = '\u001b[0m';

/** Logger in a GitLab job log: coloured levels and collapsible sections. */
export function gitlabLogger(write: (line: string) => void, masker: SecretMasker): Logger {
  const out = (line: string) => write(masker.mask(line));
  let sections = 0;
  return {
    debug: () => undefined,
    info: (message) => out(message),
    warn: (message, place) => out(`${YELLOW}warning:${RESET} ${placePrefix(place)}${message}`),
    error: (message, place) => out(`${RED}error:${RESET} ${placePrefix(place)}${message}`),
    async group(title, run) {
      const name = `sluice_${++sections}`;
      const now = () => Math.floor(Date.now() / 1000);
      out(`\u001b[0Ksection_start:${now()}:${name}[collapsed=true]\r\u001b[0K${title}`);
      try {
        return await run();
      } finally {
        out(`\u001b[0Ksection_end:${now()}:${name}\r\u001b[0K`);
      }
    },
  };
}
