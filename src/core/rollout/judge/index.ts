/**
 * PLACEHOLDER, replaced by R-analysis's judge (src/core/rollout/judge/** on its branch) at merge.
 * Only here so the rollout core compiles before that branch is merged: it has the judge's API
 * (ROLLOUT.md) and answers `inconclusive` to every comparison, never a pass.
 */
export type JudgeVerdict = 'pass' | 'fail' | 'inconclusive';

export interface JudgeOptions {
  maxIncrease: number;
  confidence: number;
  minSamples: number;
}

export function compareLatency(
  _stable: number[],
  _canary: number[],
  _o: JudgeOptions,
): {
  verdict: JudgeVerdict;
  shift: number;
  interval: [number, number];
  p: number;
  n: [number, number];
  reason: string;
} {
  return {
    verdict: 'inconclusive',
    shift: NaN,
    interval: [NaN, NaN],
    p: NaN,
    n: [_stable.length, _canary.length],
    reason: 'the judge is not merged yet (placeholder)',
  };
}

export function compareErrorRate(
  _stable: { errors: number; total: number },
  _canary: { errors: number; total: number },
  _o: JudgeOptions,
): {
  verdict: JudgeVerdict;
  difference: number;
  interval: [number, number];
  p: number;
  reason: string;
} {
  return {
    verdict: 'inconclusive',
    difference: NaN,
    interval: [NaN, NaN],
    p: NaN,
    reason: 'the judge is not merged yet (placeholder)',
  };
}
