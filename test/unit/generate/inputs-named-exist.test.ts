import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { renderAction } from '../../../scripts/generate/action.js';
import { renderGitlabComponent } from '../../../scripts/generate/gitlab.js';
import { appliesTo } from '../../../src/inputs/parse.js';
import { CLI_COMMANDS, COMMANDS, FLAGSHIP, cliCommandByName } from '../../../src/inputs/index.js';
import pkg from '../../../package.json' with { type: 'json' };

/**
 * Every input a user can copy from the docs exists: `with:` keys of sluice steps in workflow
 * YAML, `inputs:` keys of sluice's GitLab components, and `--flags` of `sluice <command>` lines.
 * The names a platform takes come from src/inputs through the same generators as action.yml and
 * the components, so a component-only input (`stage`, `token-variable`) counts where it exists.
 */
const ROOT = join(import.meta.dirname, '../../..');

const actionInputs = new Map(
  COMMANDS.map((def) => {
    const action = parse(renderAction(def, { root: '../..' })) as { inputs?: object };
    return [def.name, new Set(Object.keys(action.inputs ?? {}))];
  }),
);
const componentInputs = new Map(
  COMMANDS.map((def) => {
    const [spec] = parseAllDocuments(
      renderGitlabComponent(def, { version: pkg.version, packageName: pkg.name }),
    );
    const inputs = (spec?.toJS() as { spec?: { inputs?: object } }).spec?.inputs ?? {};
    return [def.name, new Set(Object.keys(inputs))];
  }),
);
const cliFlags = new Map(
  CLI_COMMANDS.map((def) => {
    const flags = new Set(['help', 'h']);
    for (const input of def.inputs.filter((i) => appliesTo(i, 'cli'))) {
      flags.add(input.name);
      if (input.type === 'boolean') flags.add(`no-${input.name}`);
    }
    return [def.name, flags];
  }),
);

/** `sluice-ml/sluice@v1` (the flagship) or `…/sluice/actions/<name>@…` → the command. */
function actionCommand(uses: string): string | undefined {
  const match = /^[\w.-]+\/sluice(?:\/actions\/([\w-]+))?@/.exec(uses);
  if (!match) return undefined;
  return match[1] ?? FLAGSHIP;
}

/** `file: gitlab-templates/<name>.yml` of project sluice, or `component: …/sluice/<name>@…`. */
function componentCommand(include: Record<string, unknown>): string | undefined {
  if (typeof include.component === 'string')
    return /\/sluice\/([\w-]+)@/.exec(include.component)?.[1];
  if (typeof include.project === 'string' && /(^|\/)sluice$/.test(include.project)) {
    return typeof include.file === 'string'
      ? /gitlab-templates\/([\w-]+)\.yml$/.exec(include.file)?.[1]
      : undefined;
  }
  return undefined;
}

function unknownCommand(name: string, where: string): string[] {
  return cliCommandByName(name) ? [] : [`${where}: no sluice command \`${name}\``];
}

/** Problems in one YAML document (a workflow, a pipeline, or a snippet of either). */
export function yamlProblems(text: string, where: string): string[] {
  const problems: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const object = node as Record<string, unknown>;
    const uses = typeof object.uses === 'string' ? actionCommand(object.uses) : undefined;
    if (uses) {
      problems.push(...unknownCommand(uses, where));
      for (const key of Object.keys((object.with as object | null) ?? {})) {
        if (actionInputs.get(uses) && !actionInputs.get(uses)!.has(key))
          problems.push(
            `${where}: \`${key}\` under \`with:\` of ${object.uses} is no input of the ${uses} action`,
          );
      }
    }
    const component = componentCommand(object);
    if (component) {
      problems.push(...unknownCommand(component, where));
      for (const key of Object.keys((object.inputs as object | null) ?? {})) {
        if (componentInputs.get(component) && !componentInputs.get(component)!.has(key))
          problems.push(
            `${where}: \`${key}\` under \`inputs:\` is no input of the ${component} component`,
          );
      }
    }
    Object.values(object).forEach(visit);
  };
  visit(parse(text));
  return problems;
}

/** Problems in the `sluice <command> --flag` lines of a shell snippet (continuations joined). */
export function shellProblems(text: string, where: string): string[] {
  const problems: string[] = [];
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const line of lines) {
    const code = line.replace(/(^|\s)#.*$/, '');
    for (const match of code.matchAll(
      /(?:^|[\s;&|(`$])sluice\s+([a-z][\w-]*)((?:\s+[^\s;&|`)]+)*)/g,
    )) {
      const [, command, rest] = match;
      if (!cliCommandByName(command!)) {
        problems.push(...unknownCommand(command!, where));
        continue;
      }
      for (const flag of rest!.matchAll(/(?:^|\s|\[)--([\w-]+)/g)) {
        if (!cliFlags.get(command!)!.has(flag[1]!))
          problems.push(`${where}: \`--${flag[1]}\` is no flag of \`sluice ${command}\``);
      }
    }
  }
  return problems;
}

/** Problems in a Markdown file: its yaml/sh fences and inline `sluice <command> …` spans. */
export function markdownProblems(text: string, where: string): string[] {
  const problems: string[] = [];
  for (const match of text.matchAll(/^( *)```(\w*)\n([\s\S]*?)^\1```/gm)) {
    const [, indent, lang, body] = match;
    const code = body!.replace(new RegExp(`^${indent}`, 'gm'), '');
    const line = text.slice(0, match.index).split('\n').length;
    if (lang === 'yaml' || lang === 'yml') problems.push(...yamlProblems(code, `${where}:${line}`));
    if (lang === 'sh' || lang === 'bash' || lang === 'shell')
      problems.push(...shellProblems(code, `${where}:${line}`));
  }
  const prose = text.replace(/^( *)```\w*\n[\s\S]*?^\1```/gm, '');
  for (const span of prose.matchAll(/`(sluice [^`]+)`/g))
    problems.push(...shellProblems(span[1]!, where));
  return problems;
}

function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

describe('inputs named in the docs and examples exist', () => {
  const docs = ['README.md', ...filesUnder('docs'), ...filesUnder('examples')];

  it('finds the docs it checks (sluice steps, components and CLI lines)', () => {
    const text = docs.map((file) => readFileSync(join(ROOT, file), 'utf8')).join('\n');
    expect(text).toMatch(/uses: sluice-ml\/sluice@v1/);
    expect(text).toMatch(/file: gitlab-templates\/quality-gate\.yml/);
    expect(text).toMatch(/sluice quality-gate --metrics/);
  });

  it.each(docs.filter((file) => /\.(md|ya?ml)$/.test(file)))('%s', (file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const problems = file.endsWith('.md') ? markdownProblems(text, file) : yamlProblems(text, file);
    expect(problems).toEqual([]);
  });
});

describe('the check itself', () => {
  it('catches a misspelt `with:` key, component input, and CLI flag', () => {
    const doc = [
      '```yaml',
      '- uses: sluice-ml/sluice@v1',
      '  with:',
      '    metrcs: m.json',
      '- uses: sluice-ml/sluice/actions/comment@v1',
      '  with: { reports: r.json, comment_key: x }',
      '```',
      '',
      '```yaml',
      'include:',
      '  - project: sluice-ml/sluice',
      '    file: gitlab-templates/validate-data.yml',
      '    inputs:',
      '      stage: test',
      '      shema: schema.yml',
      '  - component: gitlab.com/sluice-ml/sluice/infer-schemas@1',
      '```',
      '',
      '```sh',
      'sluice quality-gate --metrics m.json \\',
      '  --basline git:main   # a typo on the continued line',
      'sluice push-image --from a --to b --no-comment',
      '```',
      'Run `sluice validate-data --data x --refrence y` by hand.',
    ].join('\n');
    expect(markdownProblems(doc, 'doc.md')).toEqual([
      'doc.md:1: `metrcs` under `with:` of sluice-ml/sluice@v1 is no input of the quality-gate action',
      'doc.md:1: `comment_key` under `with:` of sluice-ml/sluice/actions/comment@v1 is no input of the comment action',
      'doc.md:9: `shema` under `inputs:` is no input of the validate-data component',
      'doc.md:9: no sluice command `infer-schemas`',
      'doc.md:19: `--basline` is no flag of `sluice quality-gate`',
      'doc.md:19: `--no-comment` is no flag of `sluice push-image`',
      'doc.md: `--refrence` is no flag of `sluice validate-data`',
    ]);
  });

  it('accepts what exists: component-only inputs, --no-<boolean>, other actions', () => {
    const doc = [
      '```yaml',
      '- uses: actions/checkout@v4',
      '  with: { fetch-depth: 0 }',
      '- uses: sluice-ml/sluice/actions/comment@v1',
      '  with: { reports: r.json, comment-key: x }',
      '```',
      '```yaml',
      'include:',
      '  - project: sluice-ml/sluice',
      '    file: gitlab-templates/comment.yml',
      '    inputs: { stage: report, when: always, token-variable: T, reports: r.json }',
      '```',
      '```sh',
      'npx sluice quality-gate --metrics a.json b.json --no-comment --format=json',
      '```',
    ].join('\n');
    expect(markdownProblems(doc, 'doc.md')).toEqual([]);
  });
});
