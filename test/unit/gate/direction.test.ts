import { describe, expect, it } from 'vitest';
import { inferDirection } from '../../../src/core/gate/direction.js';

describe('inferDirection', () => {
  it.each([
    'accuracy',
    'precision',
    'recall',
    'f1',
    'auc',
    'r2',
    'test_accuracy',
    'f1_score',
    'roc_auc',
    'eval.slices.us.recall',
    'Val-Accuracy',
    'rocAuc',
    'R2',
    'precision_at_k',
  ])('%s → higher', (name) => {
    expect(inferDirection(name)).toBe('higher');
  });

  it.each([
    'loss',
    'val_loss',
    'error',
    'mean_squared_error',
    'rmse',
    'mae',
    'mse',
    'latency',
    'latency_ms',
    'inference_ms',
    'train_seconds',
    'valLoss',
    'p99_latency',
    'request_latency_ms{quantile="0.5"}',
    'accuracy_eval_ms',
  ])('%s → lower', (name) => {
    expect(inferDirection(name)).toBe('lower');
  });

  it.each(['throughput', 'epochs', 'model.name', 'ms', 'count', 'accuracy.count', 'loss.samples'])(
    '%s → unknown (the last segment decides)',
    (name) => {
      expect(inferDirection(name)).toBeUndefined();
    },
  );
});
