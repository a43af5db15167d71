import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFiles } from '../../../bench/quality-gate.js';
import { COMMANDS } from '../../../src/inputs/index.js';

/**
 * What each action bundle can load, from esbuild's own metafile of a real build
 * (scripts/build.mjs into a temporary folder, never dist/).
 */
interface Metafile {
  inputs: Record<string, unknown>;
  outputs: Record<
    string,
    {
      bytes: number;
      imports: { path: string; kind: string; external?: boolean }[];
      inputs: Record<string, unknown>;
    }
  >;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
let out: string;
let meta: Metafile;

/** The source file that holds a command's implementation. */
function implFile(name: string): string {
  return `src/core/commands/${name}.ts`;
}

/** Absolute paths of the outputs an entry reaches, statically or also through import(). */
function reachable(entry: string, dynamic: boolean): Set<string> {
  const seen = new Set<string>();
  const stack = [entry];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const output = meta.outputs[path.relative(ROOT, file)];
    if (!output) throw new Error(`no output ${file} in the metafile`);
    for (const imported of output.imports) {
      if (imported.external) continue;
      if (imported.kind === 'import-statement' || (dynamic && imported.kind === 'dynamic-import'))
        stack.push(path.resolve(ROOT, imported.path));
    }
  }
  return seen;
}

function inputsOf(files: Set<string>): string[] {
  return [...files].flatMap((file) => Object.keys(meta.outputs[path.relative(ROOT, file)]!.inputs));
}

beforeAll(() => {
  out = mkdtempSync(path.join(os.tmpdir(), 'sluice-build-'));
  execFileSync(
    process.execPath,
    ['scripts/build.mjs', '--out', out, '--metafile', path.join(out, 'meta.json')],
    { cwd: ROOT, stdio: 'pipe' },
  );
  meta = JSON.parse(readFileSync(path.join(out, 'meta.json'), 'utf8')) as Metafile;
}, 120_000);

afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

describe('action bundles', () => {
  it.each(COMMANDS.map((command) => command.name))(
    'the %s action can load its own command and no other',
    (name) => {
      const inputs = inputsOf(reachable(path.join(out, name, 'index.js'), true));
      expect(inputs).toContain(implFile(name));
      for (const other of COMMANDS.map((command) => command.name).filter((n) => n !== name))
        expect(inputs, `${name} can load ${other}`).not.toContain(implFile(other));
      // The actions cache (Azure SDK, 1.9 MB) only keeps DuckDB, which only the data commands run.
      const cache = inputs.some((input) => /(^|\/)node_modules\/@actions\/cache\//.test(input));
      expect(cache).toBe(name === 'validate-data' || name === 'infer-schema');
    },
  );

  it('the quality-gate action with every chunk it can load stays within 2 MB', () => {
    const entry = path.join(out, 'quality-gate/index.js');
    const all = reachable(entry, true);
    const bytes = [...all].reduce(
      (sum, file) => sum + meta.outputs[path.relative(ROOT, file)]!.bytes,
      0,
    );
    expect(bytes).toBeLessThanOrEqual(2e6);
  });

  it('the benchmark counts the same files as the bundler wrote, at start and in all', () => {
    for (const name of COMMANDS.map((command) => command.name)) {
      const entry = path.join(out, name, 'index.js');
      expect([...bundleFiles(entry, true)].sort()).toEqual([...reachable(entry, true)].sort());
      expect([...bundleFiles(entry, false)].sort()).toEqual([...reachable(entry, false)].sort());
    }
  });
});

describe('what an action reads at start', () => {
  // Each file an ES module reads costs start-up time; scripts/build.mjs puts all the code an
  // entry runs at start in one chunk (plus esbuild's small runtime chunk).
  it.each(COMMANDS.map((command) => command.name))(
    'the %s action reads its entry and at most two chunks',
    (name) => {
      const start = reachable(path.join(out, name, 'index.js'), false);
      expect(start.size, [...start].join('\n')).toBeLessThanOrEqual(3);
    },
  );

  // `import … from 'node:fs'` runs fs's lazy getters and loads Node's stream modules;
  // `import process from 'node:process'` runs process.stdin's getter: milliseconds each. The
  // data and image commands read files as streams anyway; the two that start in a blink don't.
  it.each(['quality-gate', 'comment'])(
    'the %s action imports neither node:fs nor node:process at start',
    (name) => {
      for (const file of reachable(path.join(out, name, 'index.js'), false)) {
        const slow = meta.outputs[path.relative(ROOT, file)]!.imports.filter(
          (imported) => imported.path === 'node:fs' || imported.path === 'node:process',
        );
        expect(slow, `${path.relative(out, file)} imports ${slow.map((s) => s.path)}`).toEqual([]);
      }
    },
  );

  it('a lazy chunk is loaded after its entry started, never by it', () => {
    // The one-chunk start works because lazy chunks import the start chunk; an entry's own file
    // must stay out of it (its top-level await would wait for the lazy chunk that waits for it).
    for (const name of COMMANDS.map((command) => command.name)) {
      const entry = path.join(out, name, 'index.js');
      for (const file of reachable(entry, true))
        if (file !== entry)
          expect(
            meta.outputs[path.relative(ROOT, file)]!.imports.map((i) => path.resolve(ROOT, i.path)),
          ).not.toContain(entry);
    }
  });
});
