/**
 * Bundles every action (dist/<name>/index.js, + post.js) and the CLI (dist/cli/index.js).
 *
 * esbuild rather than ncc (DEVELOPING.md, "Bundling", has the measurements): the same cold start,
 * half the code an action can load (ESM tree shaking), and all seven bundles in 2 s where ncc
 * takes 14-60 s for one (it type-checks the whole project on every build). With `splitting`
 * each dynamic `import()` becomes its own chunk that is only read when a run needs it.
 * Output is deterministic: content-hashed chunk names, sorted license files, no timestamps.
 *
 * Usage: node scripts/build.mjs [--out <dir>] [--entry <name>=<file.ts> ...] [--metafile <file>]
 *   --entry replaces the default entries (used to try the bundler on a throwaway file).
 *   --metafile writes esbuild's metafile (every output, its inputs and imports) as JSON:
 *   test/unit/build reads it to check what each action can load.
 */
import { build } from 'esbuild';
import { chmod, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

// CommonJS dependencies call require() for Node built-ins; an ES module has no `require`.
const ESM_REQUIRE_SHIM =
  "import { createRequire as __sluiceCreateRequire } from 'node:module';\n" +
  'const require = __sluiceCreateRequire(import.meta.url);';

async function exists(path) {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Command names from src/inputs (loaded through tsx: the build runs before anything is compiled). */
async function commandNames() {
  const { COMMANDS } = await import('tsx/esm/api').then(({ tsImport }) =>
    tsImport('../src/inputs/index.ts', import.meta.url),
  );
  return COMMANDS.map((command) => command.name);
}

/** [bundle folder, entry file, output base name] for every bundle to build. */
async function defaultEntries() {
  const entries = [];
  for (const name of await commandNames()) {
    const main = join(ROOT, 'src/entrypoints/actions', `${name}.ts`);
    if (!(await exists(main)))
      throw new Error(`missing action entrypoint: ${relative(ROOT, main)}`);
    entries.push([name, main, 'index']);
    const post = join(ROOT, 'src/entrypoints/actions', `${name}-post.ts`);
    if (await exists(post)) entries.push([name, post, 'post']);
  }
  entries.push(['cli', join(ROOT, 'src/entrypoints/cli.ts'), 'index']);
  return entries;
}

/** The package folder (…/node_modules/<name> or …/node_modules/@scope/name) of a bundled input. */
function packageDir(input) {
  const parts = input.split(/[\\/]/);
  const at = parts.lastIndexOf('node_modules');
  if (at === -1) return undefined;
  const width = parts[at + 1]?.startsWith('@') ? 2 : 1;
  return parts.slice(0, at + 1 + width).join(sep);
}

async function licenseText(dir) {
  const files = (await readdir(join(ROOT, dir))).filter((file) =>
    /^(licen[cs]e|copying|notice)/i.test(file),
  );
  const texts = [];
  for (const file of files.sort())
    texts.push((await readFile(join(ROOT, dir, file), 'utf8')).trim());
  return texts.join('\n\n');
}

/** dist/licenses.txt: every npm package whose code the bundles carry. */
async function writeLicenses(folder, inputs) {
  const dirs = [...new Set(inputs.map(packageDir).filter(Boolean))];
  const packages = [];
  for (const dir of dirs) {
    const pkg = JSON.parse(await readFile(join(ROOT, dir, 'package.json'), 'utf8'));
    packages.push({
      name: pkg.name,
      version: pkg.version,
      license: pkg.license ?? 'UNKNOWN',
      text: await licenseText(dir),
    });
  }
  packages.sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : 1,
  );
  const seen = new Set();
  const blocks = [];
  for (const pkg of packages) {
    const key = `${pkg.name}@${pkg.version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    blocks.push(`${key}\n${pkg.license}\n${pkg.text || '(no license file in the package)'}`);
  }
  await writeFile(
    join(folder, 'licenses.txt'),
    `${blocks.join('\n\n' + '-'.repeat(72) + '\n\n')}\n`,
  );
}

/**
 * One esbuild run per bundle folder (an action's main and post, or the CLI): dist/<folder>/<name>.js
 * and its chunks in dist/chunks/. Not one run for every entry: chunks shared between actions
 * split each action's start-up code into many small files, and each file an ES module reads
 * costs Node about as much as 20 KB more code in one file (DEVELOPING.md, "Bundling"). The price
 * is code the actions have in common, once per action in dist/; chunk names are content hashes,
 * so a chunk two runs make alike (a library's lazy chunk: @actions/cache, octokit) is one file.
 */
async function bundleFolder(outDir, folder, entries) {
  const options = {
    absWorkingDir: ROOT,
    entryPoints: Object.fromEntries(entries.map(([, file, base]) => [`${folder}/${base}`, file])),
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    chunkNames: 'chunks/[name]-[hash]',
    banner: { js: ESM_REQUIRE_SHIM },
    // Native code is never bundled: src/clients/duckdb/load-module.ts installs it on first use.
    external: ['@duckdb/*'],
    metafile: true,
    logLevel: 'warning',
  };
  // First pass (not written): which of our modules the entries load at start.
  const first = await build({ ...options, write: false });
  const entryFiles = entries.map(([, , base]) => `${folder}/${base}.js`);
  const startModules = startInputs(first.metafile, entryFiles);
  // The entries themselves stay out: they end in a top-level await on the whole run, which a
  // lazy chunk importing them would wait for.
  for (const [, file] of entries) startModules.delete(file);
  const result = await build({
    ...options,
    plugins: [oneStartChunk(startModules, lazyTargets(first.metafile))],
  });
  await dropUnusedRequireShims(Object.keys(result.metafile.outputs));
  return result.metafile;
}

/** Our own source files in the entries' outputs and the chunks they import statically. */
function startInputs(metafile, entryFiles) {
  const outputs = metafile.outputs;
  const entryOutputs = Object.keys(outputs).filter((file) =>
    entryFiles.some((entry) => file.endsWith(`/${entry}`) || file === entry),
  );
  if (entryOutputs.length !== entryFiles.length) throw new Error('build: entry outputs not found');
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const { path, kind } of outputs[file].imports)
      if (kind === 'import-statement' && outputs[path]) visit(path);
  };
  entryOutputs.forEach(visit);
  const inputs = new Set();
  for (const file of seen)
    for (const input of Object.keys(outputs[file].inputs))
      if (input.startsWith('src/')) inputs.add(resolve(ROOT, input));
  return inputs;
}

/** Our own source files that something loads with `import()`. */
function lazyTargets(metafile) {
  const targets = new Set();
  for (const { imports } of Object.values(metafile.inputs))
    for (const { path, kind } of imports)
      if (kind === 'dynamic-import' && path.startsWith('src/')) targets.add(resolve(ROOT, path));
  return targets;
}

/**
 * esbuild splits by which entries and `import()` targets reach each statement, so the code an
 * action runs at start lands in as many small chunks as there are patterns of sharing with its
 * lazy chunks (17 files for quality-gate), and each file an ES module reads costs start-up time.
 * A lazy chunk is only ever loaded after its entry started, so letting every lazy target re-export
 * the whole start graph costs nothing at run time and gives all of it one pattern: one chunk.
 */
function oneStartChunk(startModules, lazyTargets) {
  return {
    name: 'one-start-chunk',
    setup(build) {
      build.onResolve({ filter: /^sluice:start$/ }, () => ({ path: 'start', namespace: 'sluice' }));
      build.onLoad({ filter: /.*/, namespace: 'sluice' }, () => ({
        contents: [...startModules]
          .sort()
          .map((file, i) => `export * as m${i} from ${JSON.stringify(file)};`)
          .join('\n'),
        resolveDir: ROOT,
        loader: 'js',
      }));
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (!lazyTargets.has(args.path)) return undefined;
        const code = await readFile(args.path, 'utf8');
        return {
          contents: `${code}\nexport * as __sluiceStart from 'sluice:start';\n`,
          loader: 'ts',
          resolveDir: dirname(args.path),
        };
      });
    },
  };
}

/**
 * The `require` shim is only for files with CommonJS code in them; in the others it is one
 * createRequire call per file at start-up for nothing (13 files at quality-gate's start).
 */
async function dropUnusedRequireShims(outputs) {
  for (const output of outputs) {
    if (!output.endsWith('.js')) continue;
    const file = join(ROOT, output);
    const code = await readFile(file, 'utf8');
    if (!code.startsWith(ESM_REQUIRE_SHIM)) continue;
    const rest = code.slice(ESM_REQUIRE_SHIM.length);
    if (!/\brequire\b/.test(rest)) await writeFile(file, rest.replace(/^\n/, ''));
  }
}

/** Every folder's bundle, one metafile for all of them, and the licenses of what they carry. */
async function bundle(outDir, entries) {
  const folders = [...new Set(entries.map(([folder]) => folder))];
  const metafile = { inputs: {}, outputs: {} };
  // One after the other: two runs that make the same chunk write the same file.
  for (const folder of folders) {
    const one = await bundleFolder(
      outDir,
      folder,
      entries.filter(([f]) => f === folder),
    );
    Object.assign(metafile.inputs, one.inputs);
    Object.assign(metafile.outputs, one.outputs);
  }
  await writeLicenses(outDir, Object.keys(metafile.inputs));
  return metafile;
}

function parseArgs(argv) {
  const options = { out: join(ROOT, 'dist'), entries: undefined, metafile: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') options.out = resolve(argv[++i]);
    else if (argv[i] === '--entry') {
      const [name, file] = argv[++i].split('=');
      (options.entries ??= []).push([name, resolve(file), 'index']);
    } else if (argv[i] === '--metafile') options.metafile = resolve(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return options;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const entries = options.entries ?? (await defaultEntries());
  // A full build owns dist/: bundles of removed commands and old chunks must not linger.
  if (!options.entries) await rm(options.out, { recursive: true, force: true });
  await mkdir(options.out, { recursive: true });
  // Bundles are ES modules whatever package.json says where dist/ ends up.
  await writeFile(join(options.out, 'package.json'), '{ "type": "module" }\n');
  const metafile = await bundle(options.out, entries);
  if (options.metafile) await writeFile(options.metafile, `${JSON.stringify(metafile)}\n`);
  const cli = join(options.out, 'cli/index.js');
  if (await exists(cli)) {
    const code = await readFile(cli, 'utf8');
    if (!code.startsWith('#!')) await writeFile(cli, `#!/usr/bin/env node\n${code}`);
    await chmod(cli, 0o755);
  }
  const sizes = Object.entries(metafile.outputs).map(([path, { bytes }]) => [
    relative(ROOT, join(ROOT, path)),
    bytes,
  ]);
  for (const [path, bytes] of sizes.sort())
    console.log(`${(bytes / 1024).toFixed(1).padStart(8)} KiB  ${path}`);
}

try {
  await main();
} catch (error) {
  // esbuild has already printed its errors with file and line; the stack adds nothing.
  if (!error.errors) console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
