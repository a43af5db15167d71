import { isMap, isScalar, type Node } from 'yaml';
import { UsageError } from '../errors.js';
import type { AnalysisSpec, CanaryStep } from './model.js';
import { parseDuration, type YamlReader } from './yaml-reader.js';

/** The canary steps: `steps:` of the spec, the `steps` input, and the default when neither is given. */

const DEFAULT_PAUSE_MS = 60_000;
const DEFAULT_WEIGHTS = [10, 25, 50] as const;

export function defaultSteps(file: string): CanaryStep[] {
  return DEFAULT_WEIGHTS.flatMap((weight): CanaryStep[] => [
    { setWeight: weight, place: { file } },
    { pause: { durationMs: DEFAULT_PAUSE_MS }, place: { file } },
  ]);
}

/** The `steps` input: `10:1m,25:1m,50:30s` (weight, then an optional pause after it). */
export function parseStepsInput(text: string): CanaryStep[] {
  const file = '--steps';
  const steps: CanaryStep[] = [];
  for (const part of text.split(/[\s,]+/).filter(Boolean)) {
    const [weightText, pauseText, extra] = part.split(':');
    const weight = Number(weightText);
    const pause = pauseText === undefined ? undefined : parseDuration(pauseText);
    if (
      extra !== undefined ||
      !/^\d+$/.test(weightText ?? '') ||
      weight < 0 ||
      weight > 100 ||
      (pauseText !== undefined && pause === undefined)
    ) {
      throw new UsageError(`steps: ${JSON.stringify(part)} is not <weight>[:<pause>]`, {
        place: { key: 'steps' },
        hint: 'write weights 0-100 with an optional pause after each, e.g. 10:1m,25:1m,50:1m',
      });
    }
    steps.push({ setWeight: weight, place: { file } });
    if (pause !== undefined) steps.push({ pause: { durationMs: pause }, place: { file } });
  }
  if (steps.length === 0) {
    throw new UsageError('steps is empty', {
      place: { key: 'steps' },
      hint: 'e.g. 10:1m,25:1m,50:1m',
    });
  }
  return steps;
}

/** `steps:` of the spec; an analysis step is read by `analysis`. */
export function readSteps(
  y: YamlReader,
  node: Node | null,
  analysis: (node: Node | null, path: string) => AnalysisSpec,
): CanaryStep[] {
  const example = '[{ setWeight: 10 }, { pause: { duration: 1m } }]';
  const steps = y.items(node, 'steps', example).map((item, i): CanaryStep => {
    const path = `steps[${i}]`;
    const entries = y.entries(item, path, ['setWeight', 'pause', 'analysis'], '{ setWeight: 10 }');
    if (entries.length !== 1)
      throw y.error(
        `${path} must have exactly one of setWeight, pause, analysis`,
        item,
        path,
        'write each on its own list item',
      );
    const [key, value] = entries[0]!;
    const place = {
      file: y.file,
      ...(y.line(item) !== undefined ? { line: y.line(item)! } : {}),
    };
    if (key === 'setWeight')
      return {
        setWeight: y.number(value, `${path}.setWeight`, { min: 0, max: 100, integer: true }, '25'),
        place,
      };
    if (key === 'pause') {
      if (y.isEmpty(value) || (isMap(value) && value.items.length === 0))
        return { pause: {}, place };
      if (isScalar(value))
        return { pause: { durationMs: y.duration(value, `${path}.pause`) }, place };
      let durationMs: number | undefined;
      for (const [k, v] of y.entries(value, `${path}.pause`, ['duration'], '{ duration: 1m }')) {
        if (k === 'duration') durationMs = y.duration(v, `${path}.pause.duration`);
      }
      return { pause: durationMs === undefined ? {} : { durationMs }, place };
    }
    return { analysis: analysis(value, `${path}.analysis`), place };
  });
  if (steps.length === 0) throw y.error('steps is empty', node, 'steps', `e.g. steps: ${example}`);
  return steps;
}
