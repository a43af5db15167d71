import type { InputDef } from '../../src/inputs/types.js';

/** An input default as the text a YAML `default:` or a table cell shows; lists one item per line. */
export function defaultText(value: InputDef['default']): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.join('\n');
  return String(value);
}

/** The default GitHub Actions fills in: `actionDefault` wins over the plain default. */
export function actionDefaultText(input: InputDef): string | undefined {
  return input.actionDefault ?? defaultText(input.default);
}
