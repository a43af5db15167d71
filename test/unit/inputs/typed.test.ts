/**
 * Inputs are typed from their one definition. The type assertions here are checked by
 * `tsc --noEmit -p tsconfig.json` (which includes test/): a wrong type or a misspelt input name
 * fails the type check, and an `@ts-expect-error` that no longer errors fails it too.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { BuildImageInputs } from '../../../src/core/commands/build-image.js';
import type { PushImageInputs } from '../../../src/core/commands/push-image.js';
import type { InferSchemaInputs } from '../../../src/core/commands/infer-schema.js';
import type { QualityGateInputs } from '../../../src/core/commands/quality-gate.js';
import type { CommandImpl, Inputs } from '../../../src/core/commands/types.js';
import type { ValidateDataInputs } from '../../../src/core/commands/validate-data.js';
import { UsageError } from '../../../src/core/errors.js';
import { buildImage } from '../../../src/inputs/build-image.js';
import { inputsWithDefaults, parseInputs } from '../../../src/inputs/parse.js';
import { pushImage } from '../../../src/inputs/push-image.js';
import { qualityGate } from '../../../src/inputs/quality-gate.js';
import type { ReportFormat } from '../../../src/inputs/shared.js';
import type { CommandDef, InputDef, InputsOf } from '../../../src/inputs/types.js';
import { validateData } from '../../../src/inputs/validate-data.js';

const demo = {
  name: 'demo',
  summary: 'A demo.',
  inputs: [
    { name: 'text', type: 'string', description: 'd' },
    { name: 'needed', type: 'string', required: true, description: 'd' },
    { name: 'named', type: 'string', default: 'x', description: 'd' },
    { name: 'count', type: 'number', default: 3, description: 'd' },
    { name: 'maybe-count', type: 'number', description: 'd' },
    { name: 'flag', type: 'boolean', default: false, description: 'd' },
    { name: 'items', type: 'list', description: 'd' },
    { name: 'sizes', type: 'list', options: ['s', 'm'], default: ['s'], description: 'd' },
    { name: 'mode', type: 'choice', options: ['fast', 'slow'], default: 'fast', description: 'd' },
    { name: 'pick', type: 'choice', options: ['a', 'b'], description: 'd' },
    {
      name: 'cli-only',
      type: 'string',
      default: 'y',
      platforms: ['cli'],
      description: 'never read elsewhere',
    },
  ],
  outputs: [],
} as const satisfies CommandDef;

const buildDefaults = () => inputsWithDefaults(buildImage, { model: 'model' });
const pushDefaults = () => inputsWithDefaults(pushImage, { from: 'a:1', to: ['b:1'] });

describe('InputsOf: each input typed by its definition', () => {
  it('gives strings, numbers, booleans, lists and option unions, undefined only when optional', () => {
    type Demo = InputsOf<typeof demo>;
    expectTypeOf<Demo['text']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Demo['needed']>().toEqualTypeOf<string>();
    expectTypeOf<Demo['named']>().toEqualTypeOf<string>();
    expectTypeOf<Demo['count']>().toEqualTypeOf<number>();
    expectTypeOf<Demo['maybe-count']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<Demo['flag']>().toEqualTypeOf<boolean>();
    expectTypeOf<Demo['items']>().toEqualTypeOf<string[] | undefined>();
    expectTypeOf<Demo['sizes']>().toEqualTypeOf<('s' | 'm')[]>();
    expectTypeOf<Demo['mode']>().toEqualTypeOf<'fast' | 'slow'>();
    expectTypeOf<Demo['pick']>().toEqualTypeOf<'a' | 'b' | undefined>();
    // An input of some platforms only is absent on the others, default or not.
    expectTypeOf<Demo['cli-only']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<keyof Demo>().toEqualTypeOf<
      | 'text'
      | 'needed'
      | 'named'
      | 'count'
      | 'maybe-count'
      | 'flag'
      | 'items'
      | 'sizes'
      | 'mode'
      | 'pick'
      | 'cli-only'
    >();
  });

  it("types quality-gate's inputs, its shared report and forge inputs included", () => {
    expectTypeOf<QualityGateInputs>().toEqualTypeOf<InputsOf<typeof qualityGate>>();
    expectTypeOf<QualityGateInputs['metrics']>().toEqualTypeOf<string[] | undefined>();
    expectTypeOf<QualityGateInputs['predictions']>().toEqualTypeOf<string[] | undefined>();
    expectTypeOf<QualityGateInputs['bootstrap-resamples']>().toEqualTypeOf<number>();
    expectTypeOf<QualityGateInputs['baseline']>().toEqualTypeOf<string>();
    expectTypeOf<QualityGateInputs['rules']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<QualityGateInputs['history']>().toEqualTypeOf<number>();
    expectTypeOf<QualityGateInputs['format']>().toEqualTypeOf<ReportFormat>();
    expectTypeOf<QualityGateInputs['output']>().toEqualTypeOf<string[] | undefined>();
    expectTypeOf<QualityGateInputs['comment']>().toEqualTypeOf<boolean>();
    expectTypeOf<QualityGateInputs['comment-key']>().toEqualTypeOf<string>();
    expectTypeOf<QualityGateInputs['report-key']>().toEqualTypeOf<string>();
    expectTypeOf<QualityGateInputs['fail-on-verdict']>().toEqualTypeOf<boolean>();
    expectTypeOf<QualityGateInputs['token']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<QualityGateInputs['pull-request']>().toEqualTypeOf<number | undefined>();
  });

  it('types validate-data and infer-schema', () => {
    expectTypeOf<ValidateDataInputs['data']>().toEqualTypeOf<string[]>();
    expectTypeOf<ValidateDataInputs['schema']>().toEqualTypeOf<string>();
    expectTypeOf<ValidateDataInputs['reference']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<ValidateDataInputs['report-key']>().toEqualTypeOf<string>();
    expectTypeOf<InferSchemaInputs>().toEqualTypeOf<{
      data: string[];
      output: string | undefined;
      'follow-links-outside': boolean;
    }>();
  });

  it('types build-image and push-image, their shared registry inputs included', () => {
    expectTypeOf<BuildImageInputs['model']>().toEqualTypeOf<string>();
    expectTypeOf<BuildImageInputs['base']>().toEqualTypeOf<string>();
    expectTypeOf<BuildImageInputs['code']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<BuildImageInputs['push']>().toEqualTypeOf<boolean>();
    expectTypeOf<BuildImageInputs['tag']>().toEqualTypeOf<string[] | undefined>();
    expectTypeOf<BuildImageInputs['compression-level']>().toEqualTypeOf<number>();
    expectTypeOf<BuildImageInputs['source-date-epoch']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<BuildImageInputs['follow-links-outside']>().toEqualTypeOf<boolean>();
    expectTypeOf<PushImageInputs['from']>().toEqualTypeOf<string>();
    expectTypeOf<PushImageInputs['to']>().toEqualTypeOf<string[]>();
    expectTypeOf<PushImageInputs['follow-links-outside']>().toEqualTypeOf<boolean>();
    for (const inputs of [buildDefaults(), pushDefaults()]) {
      expectTypeOf(inputs['network-timeout']).toEqualTypeOf<number>();
      expectTypeOf(inputs.parallel).toEqualTypeOf<number>();
      expectTypeOf(inputs['chunk-size']).toEqualTypeOf<number>();
      expectTypeOf(inputs['docker-config']).toEqualTypeOf<string | undefined>();
      expectTypeOf(inputs['insecure-registry']).toEqualTypeOf<string[] | undefined>();
    }
    // The defaults come from the definition, not from the code that reads them.
    expect(buildDefaults()).toMatchObject({
      base: 'scratch',
      platform: 'linux/amd64',
      'model-path': '/opt/model',
      'code-path': '/opt/app',
      context: '.',
      'compression-level': 1,
      parallel: 3,
      'network-timeout': 300,
      'chunk-size': 16,
      'follow-links-outside': false,
    });
    expect(pushDefaults()).toMatchObject({ parallel: 3, 'follow-links-outside': false });
    // @ts-expect-error -- build-image has no input `modle`
    inputsWithDefaults(buildImage, { model: 'm', modle: 'm' });
    // @ts-expect-error -- push-image's destinations are `to`, not `dest`
    inputsWithDefaults(pushImage, { from: 'a', to: ['b'], dest: ['c'] });
    const read = (inputs: BuildImageInputs): unknown =>
      // @ts-expect-error -- no input is called `compression`
      inputs.compression;
    expect(read(buildDefaults())).toBeUndefined();
  });

  it('makes a misspelt input name a compile error', () => {
    const inputs = inputsWithDefaults(qualityGate, { metrics: ['m.json'] });
    const read = (): unknown => [
      inputs['comment-key'],
      // @ts-expect-error -- no input is called `coment-key`
      inputs['coment-key'],
      // @ts-expect-error -- nor `reportKey`
      inputs.reportKey,
    ];
    expect(read()).toEqual(['sluice', undefined, undefined]);
    // @ts-expect-error -- a misspelt name given to a command
    inputsWithDefaults(validateData, { data: ['d.csv'], schema: 's.yml', refrence: 'r.csv' });
    // @ts-expect-error -- a value of the wrong type
    inputsWithDefaults(qualityGate, { metrics: ['m.json'], history: '8' });
    // @ts-expect-error -- a value no option allows
    inputsWithDefaults(qualityGate, { metrics: ['m.json'], format: 'html' });
  });

  it('checks a definition: an unknown field or type does not compile', () => {
    const misspelt = [
      // @ts-expect-error -- `requird` is not a field of an input
      { name: 'a', type: 'string', requird: true, description: 'd' },
    ] as const satisfies readonly InputDef[];
    const badType = [
      // @ts-expect-error -- `text` is not an input type
      { name: 'a', type: 'text', description: 'd' },
    ] as const satisfies readonly InputDef[];
    expect(misspelt.length + badType.length).toBe(2);
  });

  it("gives each command's implementation its own inputs, and the loose record to the others", () => {
    expectTypeOf<CommandImpl>().parameter(0).toEqualTypeOf<Inputs>();
    expectTypeOf<CommandImpl<QualityGateInputs>>().parameter(0).toEqualTypeOf<QualityGateInputs>();
    // validate-data's inputs are not quality-gate's.
    expectTypeOf<CommandImpl<ValidateDataInputs>>().not.toMatchTypeOf<
      CommandImpl<QualityGateInputs>
    >();
    // A command not converted yet still runs with a typed definition's inputs.
    expectTypeOf<CommandImpl>().toMatchTypeOf<CommandImpl<InputsOf<typeof validateData>>>();
    // A definition only known as a CommandDef parses to the loose record.
    expectTypeOf<InputsOf<CommandDef>>().toEqualTypeOf<Inputs>();
  });
});

describe('the parsed value carries the definition default', () => {
  it('parseInputs fills every default in, typed', () => {
    const inputs = parseInputs(
      qualityGate,
      (name) => (name === 'metrics' ? 'm.json' : undefined),
      'cli',
    );
    expectTypeOf(inputs).toEqualTypeOf<QualityGateInputs>();
    expect(inputs).toMatchObject({
      metrics: ['m.json'],
      baseline: 'auto',
      history: 8,
      format: 'terminal',
      comment: false,
      'comment-key': 'sluice',
      'report-key': 'quality-gate',
      'fail-on-verdict': true,
    });
    expect(inputs.rules).toBeUndefined();
  });

  it('inputsWithDefaults keeps given values, fills the defaults, and refuses a missing required one', () => {
    const inputs = inputsWithDefaults(demo, { needed: 'n', count: 5, sizes: ['m'] });
    expect(inputs).toEqual({
      text: undefined,
      needed: 'n',
      named: 'x',
      count: 5,
      'maybe-count': undefined,
      flag: false,
      items: undefined,
      sizes: ['m'],
      mode: 'fast',
      pick: undefined,
      'cli-only': 'y',
    });
    expect(inputsWithDefaults(demo, { needed: 'n' }, 'action')).not.toHaveProperty('cli-only');
    // A list default is copied: changing one run's list leaves the definition alone.
    inputsWithDefaults(demo, { needed: 'n' }).sizes.push('m');
    expect(demo.inputs[7].default).toEqual(['s']);
    expect(() => inputsWithDefaults(demo, {})).toThrow(UsageError);
    expect(() => inputsWithDefaults(demo, {})).toThrow(/input `needed` is required/);
  });
});
