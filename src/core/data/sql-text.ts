import { isCollection, isPair, isScalar } from 'yaml';
import type { Node } from 'yaml';
import { UsageError } from '../errors.js';
import type { Place } from '../errors.js';

/**
 * DuckDB reads SQL as a C string: a NUL character ends it, so a name or value holding one
 * would cut the statement short (a parser error that looks like sluice's bug). Every text that
 * becomes SQL comes from a schema file or a data file's column names, and both are checked
 * here, where the mistake can still be named.
 */
export function holdsNul(text: string): boolean {
  return text.includes('\0');
}

/** The first scalar (key or value) of a schema document that holds a NUL character. */
export function refuseNulInSchema(root: unknown, placeOf: (node: Node) => Place): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isScalar(node)) {
      if (typeof node.value === 'string' && holdsNul(node.value))
        throw new UsageError('this value holds a NUL character (\\0)', {
          place: placeOf(node),
          hint: 'no column name, value, pattern or check can contain one: remove it',
        });
    } else if (isCollection(node)) {
      for (const item of node.items as unknown[]) {
        if (isPair(item)) stack.push(item.key, item.value);
        else stack.push(item);
      }
    }
  }
}

/** A data file whose column names hold a NUL character: named by its position in the file. */
export function refuseNulInColumns(names: readonly string[], file: string): void {
  const at = names.findIndex(holdsNul);
  if (at < 0) return;
  throw new UsageError(`column ${at + 1}'s name holds a NUL character (\\0)`, {
    place: { file },
    hint: 'a NUL in a header usually means the file is binary or not UTF-8 (UTF-16 files need converting); rename the column or convert the file',
  });
}
