import { Document } from 'yaml';

export const GENERATED_NOTE =
  ' Generated from src/inputs by `npm run generate`: do not edit by hand.';

/** Deterministic YAML: no line folding, keys in insertion order, one trailing newline. */
export function yamlDocument(value: unknown, comment?: string): string {
  const doc = new Document(value);
  if (comment !== undefined) doc.commentBefore = comment;
  return doc.toString({ lineWidth: 0 });
}
