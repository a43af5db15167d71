import { format, resolveConfig } from 'prettier';
import type { CommandDef } from '../../src/inputs/types.js';
import { renderAction } from './action.js';
import { renderGitlabComponent } from './gitlab.js';
import { updateReadme } from './readme.js';

export interface GenerateContext {
  commands: readonly CommandDef[];
  flagship: string;
  /** package.json's version and name: the package the GitLab components run. */
  version: string;
  packageName: string;
  /** README.md's current text, or undefined when there is none yet (then it is skipped). */
  readme: string | undefined;
  /** Repository root: its Prettier config formats the YAML so `prettier --check` agrees. */
  root: string;
}

export interface Generated {
  /** Repository-relative path → exact content. */
  files: Map<string, string>;
  /** Folders whose every file is generated: anything else in them is stale. */
  ownedDirs: { dir: string; keep: (path: string) => boolean }[];
  warnings: string[];
}

/** Everything generated from src/inputs, in memory; writing and checking are the caller's. */
export async function generateAll(context: GenerateContext): Promise<Generated> {
  const generated = renderAll(context);
  const config = (await resolveConfig(`${context.root}/action.yml`)) ?? {};
  for (const [path, text] of generated.files) {
    if (path.endsWith('.yml'))
      generated.files.set(path, await format(text, { ...config, filepath: path }));
  }
  return generated;
}

function renderAll(context: GenerateContext): Generated {
  const files = new Map<string, string>();
  const warnings: string[] = [];
  for (const def of context.commands) {
    files.set(`actions/${def.name}/action.yml`, renderAction(def, { root: '../..' }));
    files.set(
      `gitlab-templates/${def.name}.yml`,
      renderGitlabComponent(def, { version: context.version, packageName: context.packageName }),
    );
  }
  const flagship = context.commands.find((def) => def.name === context.flagship);
  if (!flagship) throw new Error(`FLAGSHIP ${context.flagship} is not in COMMANDS`);
  files.set('action.yml', renderAction(flagship, { root: '.' }));
  if (context.readme !== undefined) {
    const { text, missing } = updateReadme(context.readme, context.commands);
    files.set('README.md', text);
    for (const name of missing)
      warnings.push(`README.md has no <!-- inputs:${name}:start/end --> markers`);
  } else {
    warnings.push('README.md does not exist yet: input tables skipped');
  }
  return {
    files,
    ownedDirs: [
      { dir: 'actions', keep: (path) => files.has(path) },
      { dir: 'gitlab-templates', keep: (path) => files.has(path) },
    ],
    warnings,
  };
}
