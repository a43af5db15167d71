import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { shownPath } from './fs-errors.js';
import { pushAll } from '../arrays.js';

const MAGIC = /[*?[]/;

/**
 * Expands the patterns a user gave (`reports/*.json`, `metrics/**\/eval.json`) into files,
 * in the order given, each pattern's matches sorted. A plain path is kept as written even
 * when it does not exist, so the loader can say so with the name the user typed.
 * A pattern matching nothing is an error: a silently empty list would pass a gate.
 */
export async function expandPatterns(
  patterns: readonly string[],
  cwd: string,
  inputName: string,
): Promise<string[]> {
  const out: string[] = [];
  for (const pattern of patterns) {
    if (!MAGIC.test(pattern)) {
      out.push(pattern);
      continue;
    }
    let matches: string[];
    try {
      matches = await matchPattern(pattern, cwd);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      throw new UsageError(`pattern \`${shownPath(pattern)}\` is not a valid glob`, {
        place: { key: inputName },
        hint: 'check its `[…]` ranges (e.g. `[a-z]`, not `[z-a]`), or quote a literal `[` as `[[]`',
        cause: error,
      });
    }
    if (matches.length === 0) {
      throw new UsageError(`pattern \`${shownPath(pattern)}\` matches no file`, {
        place: { key: inputName },
        hint: `paths resolve against ${cwd}`,
      });
    }
    pushAll(out, matches);
  }
  return [...new Set(out)];
}

async function matchPattern(pattern: string, cwd: string): Promise<string[]> {
  const normalized = pattern.split(path.sep).join('/');
  const segments = normalized.split('/');
  const firstMagic = segments.findIndex((segment) => MAGIC.test(segment));
  const root = segments.slice(0, firstMagic).join('/') || (normalized.startsWith('/') ? '/' : '.');
  const regex = globToRegExp(normalized);
  const files = await walk(
    path.resolve(cwd, root),
    segments.slice(firstMagic).includes('**') ? Infinity : segments.length - firstMagic,
  );
  return files
    .map((file) => {
      const rel = path.relative(path.resolve(cwd, root), file).split(path.sep).join('/');
      return root === '.' ? rel : `${root.replace(/\/$/, '')}/${rel}`;
    })
    .filter((candidate) => regex.test(candidate))
    .sort();
}

async function walk(dir: string, depth: number): Promise<string[]> {
  if (depth <= 0) return [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || entry.name === '.git') continue;
      pushAll(out, await walk(full, depth - 1));
    } else if (
      entry.isFile() ||
      (entry.isSymbolicLink() && (await stat(full).catch(() => undefined))?.isFile())
    ) {
      out.push(full);
    }
  }
  return out;
}

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === '*') {
      if (glob[i + 1] === '*') {
        // `**/` matches zero or more directories.
        source += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
        i += glob[i + 2] === '/' ? 2 : 1;
      } else source += '[^/]*';
    } else if (char === '?') source += '[^/]';
    else if (char === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close < 0) source += '\\[';
      else {
        source += `[${glob
          .slice(i + 1, close)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else source += char.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
