import { UsageError } from '../core/errors.js';
import { REPORT_FORMATS, type ReportFormat } from '../inputs/shared.js';

export interface OutputTarget {
  format: ReportFormat;
  path: string;
}

/** `--output json=report.json` → {format: 'json', path: 'report.json'}; every item checked. */
export function parseOutputTargets(
  items: readonly string[] | undefined,
  key = 'output',
): OutputTarget[] {
  return (items ?? []).map((item) => {
    const eq = item.indexOf('=');
    const format = item.slice(0, Math.max(eq, 0)).trim();
    const path = item.slice(eq + 1).trim();
    if (eq < 0 || !path || !(REPORT_FORMATS as readonly string[]).includes(format)) {
      throw new UsageError(`${key} \`${item}\` is not <format>=<path>`, {
        place: { key },
        hint: `formats: ${REPORT_FORMATS.join(', ')}; e.g. \`json=report.json\``,
      });
    }
    return { format: format as ReportFormat, path };
  });
}
