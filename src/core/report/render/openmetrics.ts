import type { Measurement, Report } from '../model.js';

const PREFIX = 'sluice_';

/** A metric family name: `sluice_` + the name with every character outside `[a-zA-Z0-9_:]` as `_`. */
export function metricName(name: string): string {
  return PREFIX + name.replace(/[^a-zA-Z0-9_:]/g, '_');
}

/** A label name: `[a-zA-Z_][a-zA-Z0-9_]*`, and never the reserved `__` prefix. */
export function labelName(name: string): string {
  let out = name.replace(/[^a-zA-Z0-9_]/g, '_');
  if (out === '' || /^[0-9]/.test(out)) out = `_${out}`;
  if (out.startsWith('__')) out = `l${out}`;
  return out;
}

/** OpenMetrics escapes exactly three characters in label values and HELP text. */
function escapeValue(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\r\n|\r|\n/g, '\\n');
}

/** Shortest exact decimal; NaN, +Inf and -Inf as OpenMetrics spells them. */
export function sampleValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** The exact decimal text when the report carries one (digits a double would round), else sampleValue. */
function sampleText(value: number, text: string | undefined): string {
  if (text !== undefined && Number.isFinite(value) && /^-?\d+(\.\d+)?(e-?\d+)?$/.test(text))
    return text;
  return sampleValue(value);
}

function labelSet(labels: Record<string, string> | undefined): string {
  const entries = Object.entries(labels ?? {}).map(
    ([name, value]) => [labelName(name), value] as const,
  );
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const [name, value] of entries) {
    if (seen.has(name)) continue;
    seen.add(name);
    parts.push(`${name}="${escapeValue(value)}"`);
  }
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

interface Family {
  name: string;
  help?: string;
  samples: { labels: string; value: number; text: string | undefined }[];
}

/**
 * OpenMetrics text for GitLab's `artifacts:reports:metrics` (GitLab reads `name value` and
 * `name{labels} value` lines and shows changes in the MR). Samples of one family sit
 * together under one HELP/TYPE; two names that sanitise alike (`a.b`, `a_b`) with the same
 * labels would be one series, so the later one gets `_2`, `_3`, … Ends with `# EOF`.
 */
export function renderOpenMetrics(report: Report): string {
  const families = new Map<string, Family>();
  const ownerOf = new Map<string, string>(); // sanitised name + labels → original name
  const suffixFor = (measurement: Measurement, labels: string): string => {
    const base = metricName(measurement.name);
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? base : `${base}_${n}`;
      const owner = ownerOf.get(candidate + labels);
      if (owner === undefined || owner === measurement.name) {
        ownerOf.set(candidate + labels, measurement.name);
        return candidate;
      }
    }
  };
  for (const measurement of report.measurements) {
    const labels = labelSet(measurement.labels);
    const name = suffixFor(measurement, labels);
    const family = families.get(name) ?? { name, samples: [] };
    if (family.help === undefined && measurement.help !== undefined) family.help = measurement.help;
    family.samples.push({ labels, value: measurement.value, text: measurement.text });
    families.set(name, family);
  }
  const lines: string[] = [];
  for (const family of families.values()) {
    if (family.help !== undefined) lines.push(`# HELP ${family.name} ${escapeValue(family.help)}`);
    lines.push(`# TYPE ${family.name} gauge`);
    const seen = new Set<string>();
    for (const sample of family.samples) {
      if (seen.has(sample.labels)) continue; // OpenMetrics forbids a repeated series in one family
      seen.add(sample.labels);
      lines.push(`${family.name}${sample.labels} ${sampleText(sample.value, sample.text)}`);
    }
  }
  lines.push('# EOF');
  return lines.join('\n') + '\n';
}
