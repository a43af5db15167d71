import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { COMMANDS, commandByName, FLAGSHIP } from '../../../src/inputs/index.js';
import type { CommandDef, InputDef } from '../../../src/inputs/types.js';
import { staleFiles } from '../../../scripts/generate.js';
import { renderAction } from '../../../scripts/generate/action.js';
import { generateAll } from '../../../scripts/generate/files.js';
import { gitlabInput, renderGitlabComponent } from '../../../scripts/generate/gitlab.js';
import { endMarker, startMarker, updateReadme } from '../../../scripts/generate/readme.js';
import { tempDir } from '../support/temp-dirs.js';

const ROOT = join(import.meta.dirname, '../../..');
const qualityGate = commandByName('quality-gate')!;
const def = (inputs: InputDef[], extra: Partial<CommandDef> = {}): CommandDef => ({
  name: 'demo',
  summary: 'A demo.',
  inputs,
  outputs: [],
  ...extra,
});

interface ActionYml {
  name: string;
  inputs: Record<string, { required: boolean; default?: string; description: string }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string; post?: string };
}

describe('action.yml', () => {
  const action = parse(renderAction(qualityGate, { root: '../..' })) as ActionYml;

  it('has every quality-gate input with its required flag and default as a string', () => {
    expect(Object.keys(action.inputs)).toEqual(qualityGate.inputs.map((input) => input.name));
    // `metrics` or `predictions`: neither is required alone; the command checks one is given.
    expect(action.inputs.metrics).toMatchObject({ required: false });
    expect(action.inputs.metrics!.default).toBeUndefined();
    const validate = parse(
      renderAction(commandByName('validate-data')!, { root: '../..' }),
    ) as ActionYml;
    expect(validate.inputs.data).toMatchObject({ required: true });
    expect(validate.inputs.data!.default).toBeUndefined();
    expect(action.inputs.baseline).toMatchObject({ required: false, default: 'auto' });
    expect(action.inputs.comment).toMatchObject({ required: false, default: 'false' });
    expect(action.inputs['fail-on-verdict']).toMatchObject({ default: 'true' });
    expect(action.inputs.rules!.default).toBeUndefined();
    expect(action.inputs.token).toMatchObject({ default: '${{ github.token }}' });
    for (const input of qualityGate.inputs) {
      expect(action.inputs[input.name]!.description).toBe(input.description);
    }
  });

  it('declares the outputs and runs the bundle on node24', () => {
    expect(Object.keys(action.outputs)).toEqual(['passed', 'failed-metrics', 'report']);
    expect(action.runs).toEqual({ using: 'node24', main: '../../dist/quality-gate/index.js' });
  });

  it('runs every action on the same Node.js', () => {
    for (const command of COMMANDS) {
      const yml = parse(renderAction(command, { root: '../..' })) as ActionYml;
      expect(yml.runs.using, command.name).toBe('node24');
    }
  });

  it('points the root action at dist/ and adds post: when the command has one', () => {
    const root = parse(renderAction(qualityGate, { root: '.' })) as ActionYml;
    expect(root.runs.main).toBe('dist/quality-gate/index.js');
    const withPost = parse(renderAction(def([], { post: true }), { root: '../..' })) as ActionYml;
    expect(withPost.runs.post).toBe('../../dist/demo/post.js');
  });

  it('joins list defaults by newline and leaves out inputs not meant for actions', () => {
    const action = parse(
      renderAction(
        def([
          { name: 'files', type: 'list', default: ['a', 'b'], description: 'd' },
          { name: 'cli-only', type: 'string', platforms: ['cli'], description: 'd' },
        ]),
        { root: '../..' },
      ),
    ) as ActionYml;
    expect(action.inputs.files!.default).toBe('a\nb');
    expect(action.inputs['cli-only']).toBeUndefined();
  });
});

describe('GitLab component', () => {
  const [specDoc, jobDoc] = parseAllDocuments(
    renderGitlabComponent(qualityGate, { version: '9.9.9', packageName: '@sluice-ml/sluice' }),
  ).map((doc) => doc.toJS() as Record<string, unknown>);
  const inputs = (specDoc as { spec: { inputs: Record<string, Record<string, unknown>> } }).spec
    .inputs;
  const job = (jobDoc as Record<string, Record<string, unknown>>)['$[[ inputs.job-name ]]']!;

  it('maps sluice types to GitLab types', () => {
    expect(inputs.metrics).toMatchObject({ type: 'string', default: '' });
    const [validateSpec] = parseAllDocuments(
      renderGitlabComponent(commandByName('validate-data')!, {
        version: '9.9.9',
        packageName: '@sluice-ml/sluice',
      }),
    ).map((doc) => doc.toJS() as { spec: { inputs: Record<string, Record<string, unknown>> } });
    expect(validateSpec!.spec.inputs.data!.default).toBeUndefined(); // required: GitLab demands a value
    expect(inputs.comment).toMatchObject({ type: 'boolean', default: false });
    expect(inputs.format).toMatchObject({
      type: 'string',
      default: 'terminal',
      options: qualityGate.inputs.find((i) => i.name === 'format')!.options,
    });
    expect(inputs.baseline).toMatchObject({
      type: 'string',
      default: 'auto',
      regex: '^(auto|none|file:.+|git:.+|mlflow:.+)$',
    });
    expect(inputs.rules).toMatchObject({ type: 'string', default: '' });
    expect(inputs['pull-request']).toMatchObject({ type: 'string', default: '' });
    expect(
      gitlabInput(def([]), { name: 'n', type: 'number', default: 3, description: 'd' }),
    ).toEqual({
      type: 'number',
      description: 'd',
      default: 3,
    });
    expect(
      gitlabInput(def([]), { name: 'c', type: 'choice', options: ['a', 'b'], description: 'd' }),
    ).toMatchObject({
      default: '',
      options: ['', 'a', 'b'],
    });
  });

  it('only uses keys GitLab allows in spec:inputs', () => {
    for (const spec of Object.values(inputs)) {
      for (const key of Object.keys(spec))
        expect(['type', 'description', 'default', 'options', 'regex']).toContain(key);
      expect(['string', 'number', 'boolean', 'array']).toContain(spec.type);
    }
  });

  it('lets an optional regex input stay empty', () => {
    const spec = gitlabInput(def([]), {
      name: 'ref',
      type: 'string',
      regex: '^v[0-9]+$',
      description: 'd',
    });
    expect(spec).toMatchObject({ default: '', regex: '^$|^v[0-9]+$' });
    expect(new RegExp(spec.regex!).test('')).toBe(true);
    expect(new RegExp(spec.regex!).test('x')).toBe(false);
  });

  it('adds the component inputs, pinning the package version', () => {
    expect(inputs.stage).toMatchObject({ default: 'test' });
    // A full image, not -slim: baseline `auto`/`git:` and image labels need git.
    expect(inputs.image).toMatchObject({ default: 'node:24' });
    expect(inputs.image!.description).toContain('git');
    expect(inputs.sluice).toMatchObject({
      default: 'npx --yes --package=@sluice-ml/sluice@9.9.9 sluice',
    });
    expect(inputs['job-name']).toMatchObject({ default: 'quality-gate' });
  });

  it('renames a component input that a command already uses', () => {
    const yml = renderGitlabComponent(
      def([{ name: 'image', type: 'string', description: 'the image' }]),
      { version: '1', packageName: '@sluice-ml/sluice' },
    );
    const spec = (
      parseAllDocuments(yml)[0]!.toJS() as { spec: { inputs: Record<string, unknown> } }
    ).spec.inputs;
    expect(spec['job-image']).toMatchObject({ default: 'node:24' });
    expect(spec.image).toMatchObject({ description: 'the image' });
  });

  it('maps every input to SLUICE_* and runs `sluice quality-gate`', () => {
    const variables = job.variables as Record<string, string>;
    expect(variables.SLUICE_METRICS).toBe('$[[ inputs.metrics ]]');
    expect(variables.SLUICE_FAIL_ON_VERDICT).toBeUndefined();
    const script = job.script as string[];
    expect(script).toContain('export SLUICE_FAIL_ON_VERDICT="$[[ inputs.fail-on-verdict ]]"');
    expect(script.at(-1)).toBe('$[[ inputs.sluice ]] quality-gate');
    expect(job.stage).toBe('$[[ inputs.stage ]]');
  });

  it('never takes a secret as an input: it names the masked variable holding it', () => {
    expect(inputs.token).toBeUndefined();
    expect(inputs['token-variable']).toMatchObject({ default: 'SLUICE_GITLAB_TOKEN' });
    expect((job.variables as Record<string, string>).SLUICE_TOKEN).toBe(
      '${$[[ inputs.token-variable ]]}',
    );
  });

  it('writes the reports GitLab shows as artifacts, also when the job fails', () => {
    expect(job.artifacts).toEqual({
      when: 'always',
      paths: ['sluice-reports/'],
      reports: {
        junit: 'sluice-reports/quality-gate.junit.xml',
        metrics: 'sluice-reports/quality-gate.metrics.txt',
        dotenv: 'sluice-reports/quality-gate.env',
      },
    });
    expect(inputs.output!.default).toBe(
      'json=sluice-reports/quality-gate.json\njunit=sluice-reports/quality-gate.junit.xml\nopenmetrics=sluice-reports/quality-gate.metrics.txt\ndotenv=sluice-reports/quality-gate.env',
    );
  });
});

/** The spec inputs and the one job of a rendered component. */
function component(command: CommandDef): {
  inputs: Record<string, Record<string, unknown>>;
  job: Record<string, unknown>;
} {
  const [specDoc, jobDoc] = parseAllDocuments(
    renderGitlabComponent(command, { version: '1', packageName: '@sluice-ml/sluice' }),
  ).map((doc) => doc.toJS() as Record<string, unknown>);
  const inputs = (specDoc as { spec: { inputs: Record<string, Record<string, unknown>> } }).spec
    .inputs;
  const job = Object.values(jobDoc as Record<string, Record<string, unknown>>)[0]!;
  return { inputs, job };
}

describe('GitLab components of the other commands', () => {
  it('runs the comment job also when earlier jobs failed (it reports failures)', () => {
    const { inputs, job } = component(commandByName('comment')!);
    expect(inputs.when).toMatchObject({ default: 'always' });
    expect(job.when).toBe('$[[ inputs.when ]]');
    expect(component(qualityGate).inputs.when).toMatchObject({ default: 'on_success' });
  });

  it('gives the image commands report files under `report-output`: their `output` names image destinations', () => {
    for (const name of ['build-image', 'push-image']) {
      const { inputs, job } = component(commandByName(name)!);
      expect(inputs.output ?? { default: '' }, name).toMatchObject({ default: '' });
      expect(inputs['report-output']!.default, name).toContain(`dotenv=sluice-reports/${name}.env`);
      expect(job.artifacts, name).toMatchObject({
        when: 'always',
        reports: { dotenv: `sluice-reports/${name}.env` },
      });
    }
  });

  it('keeps the reports of a report list of any name (e.g. a future `report-output`)', () => {
    const reportList: InputDef = {
      name: 'report-output',
      type: 'list',
      role: 'report-targets',
      description: 'd',
    };
    const images: InputDef = { name: 'output', type: 'list', description: 'image destinations' };
    const { inputs, job } = component(def([images, reportList], { name: 'build-image' }));
    expect(inputs.output).toMatchObject({ default: '' });
    expect(inputs['report-output']!.default).toBe(
      'json=sluice-reports/build-image.json\njunit=sluice-reports/build-image.junit.xml\nopenmetrics=sluice-reports/build-image.metrics.txt\ndotenv=sluice-reports/build-image.env',
    );
    expect(job.artifacts).toMatchObject({
      when: 'always',
      reports: { dotenv: 'sluice-reports/build-image.env' },
    });
    expect((job.variables as Record<string, string>).SLUICE_REPORT_OUTPUT).toBe(
      '$[[ inputs.report-output ]]',
    );
  });

  it("lets build-image's cache-dir input set SLUICE_CACHE_DIR, defaulting to the cached folder", () => {
    const { inputs, job } = component(commandByName('build-image')!);
    expect((job.variables as Record<string, string>).SLUICE_CACHE_DIR).toBe(
      '$[[ inputs.cache-dir ]]',
    );
    expect(inputs['cache-dir']).toMatchObject({ default: '$CI_PROJECT_DIR/.sluice-cache/tools' });
    // Commands without the input still cache their tools there.
    expect((component(qualityGate).job.variables as Record<string, string>).SLUICE_CACHE_DIR).toBe(
      '$CI_PROJECT_DIR/.sluice-cache/tools',
    );
  });

  it('keeps the schema infer-schema writes to its `output` file as an artifact', () => {
    const inferSchema = commandByName('infer-schema')!;
    const withOutput: CommandDef = {
      ...inferSchema,
      inputs: [
        ...inferSchema.inputs.filter((input) => input.name !== 'output'),
        { name: 'output', type: 'string', description: 'Write the schema to this file.' },
      ],
    };
    const { inputs, job } = component(withOutput);
    expect(inputs.output).toMatchObject({ type: 'string', default: 'sluice-reports/schema.yml' });
    expect(job.artifacts).toEqual({ paths: ['$[[ inputs.output ]]'] });
  });
});

describe('GitLab components follow the definition, not the command name', () => {
  const file: InputDef = { name: 'out', type: 'string', description: 'Where the result goes.' };

  it("takes the job's default `when:` from `gitlab.when`, else `on_success`", () => {
    expect(component(def([], { gitlab: { when: 'always' } })).inputs.when).toMatchObject({
      default: 'always',
    });
    expect(component(def([], { gitlab: { when: 'manual' } })).inputs.when).toMatchObject({
      default: 'manual',
    });
    expect(component(def([], { name: 'comment' })).inputs.when).toMatchObject({
      default: 'on_success',
    });
  });

  it('writes and keeps the result file its `resultFile` names, whatever the command is called', () => {
    const { inputs, job } = component(
      def([file], { resultFile: { input: 'out', file: 'result.json' } }),
    );
    expect(inputs.out).toMatchObject({ type: 'string', default: 'sluice-reports/result.json' });
    expect(job.artifacts).toEqual({ paths: ['$[[ inputs.out ]]'] });
    // infer-schema's name alone no longer makes a result file.
    const named = component(def([{ ...file, name: 'output' }], { name: 'infer-schema' }));
    expect(named.inputs.output).toMatchObject({ default: '' });
    expect(named.job.artifacts).toBeUndefined();
  });

  it('gives the job the `environment:` its `gitlab.environment` names, never with an empty name', () => {
    const name: InputDef = { name: 'env', type: 'string', description: 'd' };
    const url: InputDef = { name: 'env-url', type: 'string', description: 'd' };
    const { inputs, job } = component(
      def([name, url], {
        gitlab: { environment: { name: 'env', url: 'env-url', default: 'live' } },
      }),
    );
    expect(job.environment).toEqual({
      name: '$[[ inputs.env ]]',
      url: '$[[ inputs.env-url ]]',
      action: '$[[ inputs.environment-action ]]',
    });
    // GitLab refuses an empty environment name: the name always has a default; the URL may be empty.
    expect(inputs.env).toMatchObject({ type: 'string', default: 'live' });
    expect(inputs['env-url']).toMatchObject({ type: 'string', default: '' });
    expect(inputs['environment-action']).toMatchObject({
      default: 'start',
      options: ['start', 'prepare', 'verify', 'access'],
    });
    // Right after the environment's inputs, before the report inputs.
    const keys = Object.keys(inputs);
    expect(keys.indexOf('environment-action')).toBe(keys.indexOf('env-url') + 1);
    // The sluice process still gets both (GitLab records the deployment, not sluice).
    expect(job.variables).toMatchObject({
      SLUICE_ENV: '$[[ inputs.env ]]',
      SLUICE_ENV_URL: '$[[ inputs.env-url ]]',
    });
    expect(component(def([name, url])).job.environment).toBeUndefined();
  });

  it('gives the rollout component the environment block, named `rollout` unless the input says', () => {
    const { inputs, job } = component(commandByName('rollout')!);
    expect(job.environment).toEqual({
      name: '$[[ inputs.environment ]]',
      url: '$[[ inputs.environment-url ]]',
      action: '$[[ inputs.environment-action ]]',
    });
    expect(inputs.environment).toMatchObject({ default: 'rollout' });
    // The default passes the regex GitLab checks the input against.
    expect(new RegExp(String(inputs.environment!.regex)).test('rollout')).toBe(true);
    expect(new RegExp(String(inputs.environment!.regex)).test('review/$CI_COMMIT_REF_SLUG')).toBe(
      true,
    );
    expect(new RegExp(String(inputs.environment!.regex)).test('/production')).toBe(false);
    expect(job.after_script).toBeDefined();
  });

  it("writes the after_script's report apart, never over the job's junit / metrics / dotenv", () => {
    const { job } = component(commandByName('rollout')!);
    const script = job.after_script as string[];
    const output = script.findIndex((line) => line.startsWith('export SLUICE_OUTPUT='));
    expect(script[output]).toBe('export SLUICE_OUTPUT="json=sluice-reports/rollout-abort.json"');
    expect(output).toBeLessThan(script.findIndex((line) => line.endsWith(' rollout abort')));
  });

  it('defaults an input with the `cache-dir` role to the cached folder, not one named cache-dir', () => {
    const cache: InputDef = { name: 'layers', type: 'string', role: 'cache-dir', description: 'd' };
    const plain: InputDef = { name: 'cache-dir', type: 'string', description: 'd' };
    const { inputs } = component(def([cache, plain]));
    expect(inputs.layers).toMatchObject({ default: '$CI_PROJECT_DIR/.sluice-cache/tools' });
    expect(inputs['cache-dir']).toMatchObject({ default: '' });
  });
});

describe('README tables', () => {
  it('replaces only the text between the markers', () => {
    const readme = `# Title\n${startMarker('quality-gate')}\nold table\n${endMarker('quality-gate')}\nafter | text\n`;
    const { text, missing } = updateReadme(readme, COMMANDS);
    expect(missing).toEqual(COMMANDS.filter((c) => c.name !== 'quality-gate').map((c) => c.name));
    expect(text.startsWith(`# Title\n${startMarker('quality-gate')}\n| Input | Type |`)).toBe(true);
    expect(text.endsWith(`${endMarker('quality-gate')}\nafter | text\n`)).toBe(true);
    expect(text).not.toContain('old table');
    expect(text).toContain('| `metrics` | list | no |  |');
    expect(text).toContain('| `passed` |');
    expect(updateReadme(text, COMMANDS).text).toBe(text);
  });

  it('escapes pipes so a description cannot break the table', () => {
    const readme = `${startMarker('demo')}\n${endMarker('demo')}`;
    const { text } = updateReadme(readme, [
      def([{ name: 'x', type: 'string', description: 'a | b' }]),
    ]);
    expect(text).toContain('a \\| b');
  });
});

describe('generate --check', () => {
  it('finds a stale file, a missing one and one that should not exist', async () => {
    const root = tempDir('sluice-generate-');
    const generated = await generateAll({
      commands: COMMANDS,
      flagship: FLAGSHIP,
      version: '1.0.0',
      packageName: '@sluice-ml/sluice',
      readme: undefined,
      root: ROOT,
    });
    for (const [path, content] of generated.files) {
      await mkdir(join(root, path, '..'), { recursive: true });
      await writeFile(join(root, path), content);
    }
    expect(await staleFiles(root, generated)).toEqual({ changed: [], extra: [] });

    await writeFile(join(root, 'action.yml'), 'name: edited by hand\n');
    await writeFile(join(root, 'gitlab-templates/old-command.yml'), 'spec: {}\n');
    const stale = await staleFiles(root, generated);
    expect(stale.changed).toEqual(['action.yml']);
    expect(stale.extra).toEqual(['gitlab-templates/old-command.yml']);
  });

  it('is deterministic', async () => {
    const context = {
      commands: COMMANDS,
      flagship: FLAGSHIP,
      version: '1.0.0',
      packageName: '@sluice-ml/sluice',
      readme: undefined,
      root: ROOT,
    };
    const [a, b] = [await generateAll(context), await generateAll(context)];
    expect([...a.files]).toEqual([...b.files]);
  });
});
