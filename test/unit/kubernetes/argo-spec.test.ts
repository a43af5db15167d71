import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { parseRolloutSpec } from '../../../src/core/rollout/spec.js';
import { annotationFor, recordedOf } from '../../../src/clients/routers/kubernetes/progress.js';

const HEAD = `stable: v1
canary: v2
providers:
  prom: { type: prometheus, url: http://127.0.0.1:9090 }
templates:
  errors:
    metrics:
      - name: errors
        provider: prom
        query: sum(rate(errors{version="{{version}}"}[1m]))
        failureCondition: { max: 0.05 }
`;
const ROUTER = `router:
  type: argo-rollouts
  namespace: models
  rollout: model
  container: model
  image: registry.example.com/model:{{version}}
`;
const STEPS = 'steps:\n  - analysis: { templates: [errors] }\n';

function usage(text: string): UsageError {
  try {
    parseRolloutSpec(text, 'rollout.yml');
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('no error');
}

describe('rollout spec: router type argo-rollouts', () => {
  it('reads the router, with the spec’s version names and the defaults', () => {
    const spec = parseRolloutSpec(
      `${HEAD}${ROUTER}  deadline: 5m\n  poll: 500ms\n  server: https://127.0.0.1:6443\n  tokenFile: /tmp/t\n${STEPS}`,
      'rollout.yml',
    );
    expect(spec.router).toEqual({
      type: 'argo-rollouts',
      namespace: 'models',
      rollout: 'model',
      container: 'model',
      image: 'registry.example.com/model:{{version}}',
      deadlineMs: 300_000,
      pollMs: 500,
      server: 'https://127.0.0.1:6443',
      tokenFile: '/tmp/t',
      stable: 'v1',
      canary: 'v2',
    });
    expect(parseRolloutSpec(`${HEAD}${ROUTER}${STEPS}`, 'rollout.yml').router).toMatchObject({
      deadlineMs: 600_000,
      pollMs: 2000,
    });
  });

  it('blue-green judges at the pause with previewAnalysis', () => {
    const spec = parseRolloutSpec(
      `${HEAD}${ROUTER}strategy: blue-green\npreviewAnalysis: errors\n`,
      'rollout.yml',
    );
    expect(spec.previewAnalysis?.metrics[0]?.name).toBe('errors');
  });

  it('a canary may have a background analysis, beside analysis steps or alone (no steps then)', () => {
    const both = parseRolloutSpec(`${HEAD}${ROUTER}${STEPS}analysis: errors\n`, 'rollout.yml');
    expect(both.backgroundAnalysis?.metrics[0]?.name).toBe('errors');
    expect(both.steps).toHaveLength(1);
    const alone = parseRolloutSpec(`${HEAD}${ROUTER}analysis: errors\n`, 'rollout.yml');
    expect(alone.backgroundAnalysis?.metrics[0]?.name).toBe('errors');
    expect(alone.steps).toEqual([]);
  });

  it('blue-green may have postPromotionAnalysis, beside previewAnalysis or alone', () => {
    for (const extra of ['previewAnalysis: errors\n', ''])
      expect(
        parseRolloutSpec(
          `${HEAD}${ROUTER}strategy: blue-green\n${extra}postPromotionAnalysis: errors\n`,
          'rollout.yml',
        ).postPromotionAnalysis?.metrics[0]?.name,
      ).toBe('errors');
  });

  it.each([
    ['no steps', `${HEAD}${ROUTER}`, /needs steps: the analyses to run at Argo’s pauses/, 'steps'],
    [
      'a setWeight step',
      `${HEAD}${ROUTER}steps:\n  - setWeight: 20\n  - analysis: { templates: [errors] }\n`,
      /setWeight is not one/,
      'steps',
    ],
    [
      'a pause step',
      `${HEAD}${ROUTER}steps:\n  - pause: { duration: 1m }\n`,
      /pause is not one/,
      'steps',
    ],
    [
      'a canary name that makes no image reference',
      `${HEAD.replace('canary: v2', 'canary: "v2 beta"')}${ROUTER}${STEPS}`,
      /router\.image with the canary's name is "registry\.example\.com\/model:v2 beta", not an image reference/,
      'router.image',
    ],
    [
      'strategy shadow',
      `${HEAD}${ROUTER}strategy: shadow\nshadow: { analysis: errors }\n`,
      /the argo-rollouts router cannot mirror/,
      'strategy',
    ],
    [
      'blue-green without previewAnalysis or postPromotionAnalysis',
      `${HEAD}${ROUTER}strategy: blue-green\n`,
      /needs previewAnalysis or postPromotionAnalysis/,
      'previewAnalysis',
    ],
    [
      'a pause step beside a background analysis',
      `${HEAD}${ROUTER}steps:\n  - pause: { duration: 1m }\nanalysis: errors\n`,
      /pause is not one/,
      'steps',
    ],
    [
      'no container',
      `${HEAD}router: { type: argo-rollouts, namespace: models, rollout: model, image: m:1 }\n${STEPS}`,
      /router has no container/,
      'router.container',
    ],
    [
      'no image',
      `${HEAD}router: { type: argo-rollouts, namespace: models, rollout: model, container: model }\n${STEPS}`,
      /router has no image/,
      'router.image',
    ],
    [
      'an image with a space',
      `${HEAD}${ROUTER.replace('registry.example.com/model:{{version}}', '"model v2"')}${STEPS}`,
      /router\.image must be an image reference/,
      'router.image',
    ],
    [
      'a container name with capitals',
      `${HEAD}${ROUTER.replace('container: model', 'container: Model')}${STEPS}`,
      /router\.container must be a container name/,
      'router.container',
    ],
    [
      'a deadline under a second',
      `${HEAD}${ROUTER}  deadline: 10ms\n${STEPS}`,
      /router\.deadline must be at least 1s/,
      'router.deadline',
    ],
    ['an unknown key', `${HEAD}${ROUTER}  weights: 10\n${STEPS}`, /weights/, 'router.weights'],
  ])('%s is exit 2 naming the key', (_what, text, message, key) => {
    const error = usage(text);
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(message);
    expect(`${error.place?.key ?? ''} ${error.message}`).toContain(key);
    expect(error.place?.file).toBe('rollout.yml');
  });
});

describe('the rollout recorded in the sluice.dev/rollout annotation', () => {
  const progress = {
    id: 'v1→v2@2026-12-07T10:00:00.000Z',
    stable: 'v1',
    canary: 'v2',
    step: 2,
    status: 'running' as const,
    updatedAt: '2026-12-07T10:00:05.000Z',
  };
  const withAnnotation = (value: string) => ({
    metadata: { annotations: { 'sluice.dev/rollout': value } },
  });

  it('is read back, and kept by a later write of the weights', () => {
    const object = withAnnotation(JSON.stringify({ by: 'sluice', rollout: progress }));
    expect(recordedOf(object)).toEqual(progress);
    const next = JSON.parse(annotationFor(object, { weights: { v1: 50, v2: 50 } })) as unknown;
    expect(next).toEqual({ weights: { v1: 50, v2: 50 }, by: 'sluice', rollout: progress });
    expect(recordedOf(withAnnotation(JSON.stringify(next)))).toEqual(progress);
  });

  it.each([
    ['not JSON', '{'],
    ['a list', '[1]'],
    ['no rollout', '{"by":"sluice"}'],
    ['a step that is not a whole number', JSON.stringify({ rollout: { ...progress, step: 1.5 } })],
    ['a negative step', JSON.stringify({ rollout: { ...progress, step: -1 } })],
    ['an unknown status', JSON.stringify({ rollout: { ...progress, status: 'done' } })],
    ['a date that is not one', JSON.stringify({ rollout: { ...progress, updatedAt: 'soon' } })],
    ['a huge name', JSON.stringify({ rollout: { ...progress, canary: 'x'.repeat(300) } })],
    ['a huge annotation', JSON.stringify({ rollout: progress, pad: 'x'.repeat(20_000) })],
  ])('%s is not taken as a record (a re-run goes by the weights)', (_what, value) => {
    expect(recordedOf(withAnnotation(value))).toBeUndefined();
  });
});
