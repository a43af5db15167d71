import {
  Composer,
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  LineCounter,
  Parser,
  type Alias,
  type Document,
  type Node,
} from 'yaml';
import type { Place } from '../errors.js';
import { UsageError } from '../errors.js';

/**
 * The one YAML reader for every YAML file sluice reads (metrics, rules, schemas). A file from a
 * pull request is hostile, so the reader bounds what a small file can cost before anything
 * walks it:
 * - size: documents over `maxChars` characters are refused unread;
 * - depth: nesting deeper than `maxDepth` (counted through aliases) is refused before the
 *   `yaml` package's recursive composer sees it, so no walker can overflow the stack;
 * - aliases: the nodes reached through aliases (a "billion laughs" file doubles them at each
 *   level) are counted, and more than `maxAliasNodes` is refused; an alias inside the node it
 *   names (`a: &x [*x]`) is refused as a cycle.
 * Each refusal is a UsageError naming the file, the line, which limit tripped and its value.
 * Callers walk the returned document with `resolve` (aliases followed in O(1)) and `lineOf`.
 */
export interface YamlLimits {
  maxChars: number;
  maxDepth: number;
  maxAliasNodes: number;
}

export const YAML_LIMITS: YamlLimits = {
  maxChars: 64 * 1024 * 1024,
  maxDepth: 256,
  maxAliasNodes: 100_000,
};

export interface YamlReadOptions {
  /** Where the text came from, for errors: "the rules file"; omitted for a bare "malformed YAML". */
  what?: string;
  /** The hint for a syntax error, by the `yaml` package's error code. */
  syntaxHint?: (code: string) => string;
  limits?: Partial<YamlLimits>;
}

export interface YamlFile {
  file: string;
  doc: Document.Parsed;
  /** The document's root node; null for a file of only comments or blank lines. */
  contents: Node | null;
  lineCounter: LineCounter;
  /** 1-based line of a node's first character. */
  lineOf(node: unknown): number | undefined;
  /** `{file, line, column}` of a node (and `key` when given). */
  placeOf(node: unknown, key?: string): Place;
  /** The node an alias names (aliases of aliases followed); any other node as it is. */
  resolve(node: unknown): unknown;
}

type CstToken = {
  type: string;
  offset: number;
  value?: CstToken;
  items?: { key?: CstToken | null; value?: CstToken | null }[];
};

/** Parse one YAML document within the limits; every problem is a UsageError with file:line. */
export function readYaml(text: string, file: string, options: YamlReadOptions = {}): YamlFile {
  const limits = { ...YAML_LIMITS, ...options.limits };
  const what = options.what ? ` in ${options.what}` : '';
  const lineCounter = new LineCounter();
  const positionOf = (offset: number): { line: number; column: number } => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  const limitError = (
    offset: number | undefined,
    message: string,
    limit: string,
    hint: string,
  ): UsageError =>
    new UsageError(`${message} (limit: ${limit})`, {
      place: offset === undefined ? { file } : { file, ...positionOf(offset) },
      hint,
    });

  if (text.length > limits.maxChars) {
    throw limitError(
      undefined,
      `the YAML document${what} is ${text.length} characters long`,
      `document size ${limits.maxChars} characters`,
      'a file this large is not a hand-written configuration or metrics file; write metrics as JSON',
    );
  }
  const tokens = Array.from(new Parser(lineCounter.addNewLine).parse(text)) as CstToken[];
  checkSyntaxDepth(tokens, limits.maxDepth, (offset) =>
    limitError(
      offset,
      `YAML${what} nests deeper than ${limits.maxDepth} levels`,
      `nesting depth ${limits.maxDepth}`,
      'flatten the structure: no metrics, rules or schema file needs this many levels',
    ),
  );
  // Duplicate keys are found below with a Set per map: the package's own check compares each key
  // with every earlier one, minutes for a flat file of 200,000 metrics.
  const composer = new Composer({ uniqueKeys: false, prettyErrors: false });
  const docs = Array.from(composer.compose(tokens as never, true, text.length));
  // forceDoc: an empty text still gives one (empty) document.
  const doc = docs[0] as Document.Parsed;
  const error = doc.errors[0] ?? docs[1]?.errors[0];
  if (error) {
    const message = (error.message.split('\n')[0] ?? error.message).replace(
      / at line \d+, column \d+:?$/,
      '',
    );
    throw new UsageError(`malformed YAML${what}: ${message}`, {
      place: { file, ...positionOf(error.pos[0]) },
      hint: options.syntaxHint?.(error.code) ?? 'check indentation and quoting near that line',
    });
  }
  if (docs.length > 1) {
    const second = docs[1]!;
    const offset = second.range?.[0];
    throw new UsageError(`the YAML${what} holds ${docs.length} documents; sluice reads one`, {
      place: offset === undefined ? { file } : { file, ...positionOf(offset) },
      hint: 'remove the `---` line that starts the second document, or split the file',
    });
  }
  const duplicate = findDuplicateKey(doc);
  if (duplicate) {
    throw new UsageError(`malformed YAML${what}: Map keys must be unique`, {
      place: { file, ...positionOf(duplicate.range?.[0] ?? 0) },
      hint:
        options.syntaxHint?.('DUPLICATE_KEY') ??
        'each key may appear once per map: remove or rename the repeated one',
    });
  }
  const targets = checkAliases(doc, limits, limitError, what);
  return finish(file, doc, lineCounter, targets);
}

function finish(
  file: string,
  doc: Document.Parsed,
  lineCounter: LineCounter,
  targets: Map<Alias, Node>,
): YamlFile {
  const lineOf = (node: unknown): number | undefined => {
    const range = (node as Node | null | undefined)?.range;
    return range ? lineCounter.linePos(range[0]).line : undefined;
  };
  return {
    file,
    doc,
    contents: (doc?.contents ?? null) as Node | null,
    lineCounter,
    lineOf,
    placeOf(node: unknown, key?: string): Place {
      const place: Place = { file };
      const range = (node as Node | null | undefined)?.range;
      if (range) {
        const pos = lineCounter.linePos(range[0]);
        place.line = pos.line;
        place.column = pos.col;
      }
      if (key !== undefined) place.key = key;
      return place;
    },
    resolve(node: unknown): unknown {
      let current = node;
      // Targets are never aliases themselves (an alias names an anchored node), but be safe.
      for (let hops = 0; isAlias(current) && hops < 64; hops++) current = targets.get(current);
      return current;
    },
  };
}

/** Depth of the syntax tree, with an explicit stack (the tree may be 100,000 levels deep). */
function checkSyntaxDepth(
  tokens: CstToken[],
  maxDepth: number,
  fail: (offset: number) => UsageError,
): void {
  const stack: { token: CstToken; depth: number }[] = [];
  for (const token of tokens) stack.push({ token, depth: 0 });
  while (stack.length > 0) {
    const { token, depth } = stack.pop()!;
    const nested = token.items !== undefined;
    const level = nested ? depth + 1 : depth;
    if (level > maxDepth) throw fail(token.offset);
    if (token.value && typeof token.value === 'object') stack.push({ token: token.value, depth });
    if (token.items) {
      for (const item of token.items) {
        if (item.key && typeof item.key === 'object') stack.push({ token: item.key, depth: level });
        if (item.value && typeof item.value === 'object')
          stack.push({ token: item.value, depth: level });
      }
    }
  }
}

/**
 * Resolves every alias to its anchor in one pass in document order (an alias names the latest
 * anchor of that name before it), then measures what each alias expands to, with an explicit
 * stack: the nodes reached through aliases, the depth through them, and cycles.
 */
function checkAliases(
  doc: Document.Parsed,
  limits: YamlLimits,
  limitError: (
    offset: number | undefined,
    message: string,
    limit: string,
    hint: string,
  ) => UsageError,
  what: string,
): Map<Alias, Node> {
  const targets = new Map<Alias, Node>();
  const anchors = new Map<string, Node>();
  // Pass 1: document order, no aliases followed.
  const order: unknown[] = [doc.contents];
  const aliases: Alias[] = [];
  while (order.length > 0) {
    const node = order.pop();
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (target) targets.set(node, target);
      aliases.push(node);
      continue;
    }
    if (node && typeof node === 'object' && 'anchor' in node) {
      const anchor = (node as { anchor?: string }).anchor;
      if (anchor) anchors.set(anchor, node as Node);
    }
    if (isCollection(node)) {
      const items = node.items as unknown[];
      for (let i = items.length - 1; i >= 0; i--) {
        const item = items[i];
        if (isPair(item)) {
          order.push(item.value);
          order.push(item.key);
        } else order.push(item);
      }
    }
  }
  if (aliases.length === 0) return targets;

  // Pass 2: the whole tree with aliases expanded, counting nodes reached through aliases.
  let aliasNodes = 0;
  type Frame = { node: unknown; depth: number; via: Alias | undefined };
  const stack: Frame[] = [{ node: doc.contents, depth: 0, via: undefined }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    let node = frame.node;
    let via = frame.via;
    const depth = frame.depth;
    if (isAlias(node)) {
      const target = targets.get(node);
      if (!target) continue; // an unknown anchor is a syntax error the composer reported
      // An alias names an anchor defined before it, so the only cycle is an alias inside
      // the very node it names (`a: &x [*x]`, `a: &x {b: *x}`).
      if (containsNode(target, node)) {
        throw limitError(
          node.range?.[0],
          `YAML alias *${node.source}${what} refers to the node that contains it`,
          'aliases may not form a cycle',
          'an alias must name a node defined before it and outside it',
        );
      }
      via = node;
      node = target;
    }
    if (via !== undefined) {
      aliasNodes++;
      if (aliasNodes > limits.maxAliasNodes) {
        throw limitError(
          via.range?.[0],
          `YAML aliases${what} expand to more than ${limits.maxAliasNodes} nodes`,
          `alias expansion ${limits.maxAliasNodes} nodes`,
          'write the values out, or use fewer nested aliases: repeated aliases of aliases grow exponentially',
        );
      }
    }
    if (isCollection(node)) {
      if (depth + 1 > limits.maxDepth) {
        throw limitError(
          (via ?? (node as Node)).range?.[0],
          `YAML${what} nests deeper than ${limits.maxDepth} levels through aliases`,
          `nesting depth ${limits.maxDepth}`,
          'flatten the structure or write the aliased values out',
        );
      }
      for (const item of node.items as unknown[]) {
        if (isPair(item)) {
          stack.push({ node: item.key, depth: depth + 1, via });
          stack.push({ node: item.value, depth: depth + 1, via });
        } else stack.push({ node: item, depth: depth + 1, via });
      }
    }
  }
  return targets;
}

/** The first key node that repeats a scalar key of the same map (aliases are not followed). */
function findDuplicateKey(doc: Document.Parsed): Node | undefined {
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (!isCollection(node)) continue;
    const seen = isMap(node) ? new Set<string>() : undefined;
    for (const item of node.items as unknown[]) {
      if (isPair(item)) {
        const key = item.key;
        if (seen && isScalar(key)) {
          const id = `${typeof key.value}:${String(key.value)}`;
          if (seen.has(id)) return key;
          seen.add(id);
        }
        stack.push(item.key, item.value);
      } else stack.push(item);
    }
  }
  return undefined;
}

/** Whether `alias` sits somewhere inside `root` (an anchor's own content aliasing it). */
function containsNode(root: Node, alias: Alias): boolean {
  const range = root.range;
  const at = alias.range;
  if (!range || !at) return false;
  return at[0] >= range[0] && at[0] < range[2];
}
