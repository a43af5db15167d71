import type { Logger } from '../../core/ports.js';
import type { SecretMasker } from '../../core/ports.js';
import { annotation, workflowCommand } from './workflow-commands.js';

/** Logger on GitHub Actions: annotations for warnings/errors, groups, debug via `::debug::`. */
export function githubLogger(write: (line: string) => void, masker: SecretMasker): Logger {
  const out = (line: string) => write(masker.mask(line));
  return {
    debug: (message) => out(workflowCommand('debug', message)),
    info: (message) => out(message),
    warn: (message, place) => out(annotation('warning', message, place)),
    error: (message, place) => out(annotation('error', message, place)),
    annotate: (level, message, place) => out(annotation(level, message, place)),
    async group(title, run) {
      out(workflowCommand('group', title));
      try {
        return await run();
      } finally {
        out('::endgroup::');
      }
    },
  };
}
