import { UsageError } from '../../errors.js';
import type { MetricValue } from '../model.js';
import { numberFromText } from '../scalar.js';

/**
 * OpenMetrics / Prometheus text exposition: `name{label="v",...} value [timestamp]`.
 *
 * Key choice: a sample's metric key is its series as Prometheus prints it, `name` or
 * `name{label="v",other="w"}` (labels in written order, values re-escaped). Prometheus names
 * cannot contain dots, so these keys never collide with flattened keys, and a rule can name a
 * series exactly. Label values may contain dots; pattern matching (gate/pattern.ts) and direction
 * inference look at the part before `{`, so `latency_ms{quantile="0.5"}` is still a latency.
 * `# HELP`, `# TYPE`, `# UNIT`, `# EOF` and other comments are ignored; timestamps are dropped.
 */
export function parseOpenMetrics(text: string, file: string): Map<string, MetricValue> {
  const values = new Map<string, MetricValue>();
  const lines = new Map<string, number>();
  text.split('\n').forEach((raw, index) => {
    const lineNumber = index + 1;
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    const sample = parseSample(line, file, lineNumber);
    const first = lines.get(sample.key);
    if (first !== undefined) {
      throw new UsageError(`series ${sample.key} appears twice`, {
        place: { file, line: lineNumber, key: sample.key },
        hint: `each series may have one sample (the other is on line ${first})`,
      });
    }
    values.set(sample.key, sample.value);
    lines.set(sample.key, lineNumber);
  });
  return values;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseSample(
  line: string,
  file: string,
  lineNumber: number,
): { key: string; value: MetricValue } {
  const fail = (message: string): never => {
    throw new UsageError(`malformed OpenMetrics line: ${message}`, {
      place: { file, line: lineNumber },
      hint: 'each sample reads `name{label="value"} 0.91`; comments start with #',
    });
  };
  const name = NAME.exec(line)?.[0];
  if (!name)
    return fail(`expected a metric name at the start of ${JSON.stringify(line.slice(0, 40))}`);
  let rest = line.slice(name.length);
  const labels: string[] = [];
  if (rest.startsWith('{')) {
    rest = rest.slice(1).trimStart();
    while (!rest.startsWith('}')) {
      const label = LABEL_NAME.exec(rest)?.[0];
      if (!label) return fail('expected a label name inside {}');
      rest = rest.slice(label.length).trimStart();
      if (!rest.startsWith('="') && !rest.startsWith('= "'))
        return fail(`expected ="..." after label ${label}`);
      rest = rest.slice(rest.indexOf('"') + 1);
      let value = '';
      let closed = false;
      for (let i = 0; i < rest.length; i++) {
        const c = rest[i]!;
        if (c === '\\') {
          const next = rest[++i];
          value += next === 'n' ? '\n' : (next ?? '');
        } else if (c === '"') {
          rest = rest.slice(i + 1).trimStart();
          closed = true;
          break;
        } else value += c;
      }
      if (!closed) return fail(`label ${label} has no closing quote`);
      labels.push(`${label}="${escapeLabel(value)}"`);
      if (rest.startsWith(',')) rest = rest.slice(1).trimStart();
      else if (!rest.startsWith('}')) return fail('expected , or } after a label');
    }
    rest = rest.slice(1);
  }
  if (!/^\s/.test(rest)) return fail(`expected a space and a value after ${name}`);
  const fields = rest.trim().split(/\s+/);
  const valueText = fields[0];
  if (!valueText) return fail(`sample ${name} has no value`);
  if (fields.length > 2) return fail(`unexpected text after the value of ${name}`);
  const value = numberFromText(valueText);
  if (!value) return fail(`value ${JSON.stringify(valueText)} of ${name} is not a number`);
  const key = labels.length > 0 ? `${name}{${labels.join(',')}}` : name;
  return { key, value };
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
