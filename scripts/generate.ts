/**
 * Writes every file derived from src/inputs (action.yml files, GitLab components, README tables)
 * and the MLflow client types from src/clients/mlflow/openapi.yaml.
 * `--check` writes nothing and exits 1 listing the stale files, for CI.
 */
import { readdir, readFile, rm, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMANDS, FLAGSHIP } from '../src/inputs/index.js';
import { generateAll, type Generated } from './generate/files.js';
import { MLFLOW_SCHEMA, renderMlflowSchema } from './generate/mlflow-schema.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function listFiles(root: string, dir: string): Promise<string[]> {
  const entries = await readdir(join(root, dir), { withFileTypes: true, recursive: true }).catch(
    () => [],
  );
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

/** Paths whose content differs from what would be generated, and generated dirs' extra files. */
export async function staleFiles(
  root: string,
  generated: Generated,
): Promise<{ changed: string[]; extra: string[] }> {
  const changed: string[] = [];
  for (const [path, content] of generated.files) {
    if ((await readOptional(join(root, path))) !== content) changed.push(path);
  }
  const extra: string[] = [];
  for (const { dir, keep } of generated.ownedDirs) {
    for (const path of await listFiles(root, dir)) if (!keep(path)) extra.push(path);
  }
  return { changed: changed.sort(), extra: extra.sort() };
}

async function main(argv: string[]): Promise<number> {
  const check = argv.includes('--check');
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  const generated = await generateAll({
    root: ROOT,
    commands: COMMANDS,
    flagship: FLAGSHIP,
    version: pkg.version,
    packageName: pkg.name,
    readme: await readOptional(join(ROOT, 'README.md')),
  });
  generated.files.set(MLFLOW_SCHEMA, await renderMlflowSchema(ROOT));
  for (const warning of generated.warnings) console.warn(`generate: ${warning}`);
  const { changed, extra } = await staleFiles(ROOT, generated);
  if (check) {
    const missingTables = generated.warnings.filter((warning) => warning.includes('markers'));
    if (missingTables.length > 0) {
      console.error('README.md lacks the input table markers of some commands (see above).');
      return 1;
    }
    if (changed.length === 0 && extra.length === 0) {
      console.log(`generate --check: ${generated.files.size} generated files are fresh`);
      return 0;
    }
    for (const path of changed) console.error(`stale: ${path}`);
    for (const path of extra) console.error(`not generated (delete it): ${path}`);
    console.error('Generated files are stale: run `npm run generate` and commit the result.');
    return 1;
  }
  for (const path of changed) {
    await mkdir(dirname(join(ROOT, path)), { recursive: true });
    await writeFile(join(ROOT, path), generated.files.get(path)!);
    console.log(`wrote ${path}`);
  }
  for (const path of extra) {
    await rm(join(ROOT, path));
    console.log(`deleted ${path}`);
  }
  if (changed.length === 0 && extra.length === 0) console.log('generate: everything is fresh');
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2));
}
