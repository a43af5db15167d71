import { describe, expect, it } from 'vitest';
import { allInOrder } from '../../../src/core/async/in-order.js';

const after = <T>(ms: number, run: () => T): Promise<T> =>
  new Promise((resolve, reject) =>
    setTimeout(() => {
      try {
        resolve(run());
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    }, ms),
  );

describe('allInOrder', () => {
  it('gives the values in order', async () => {
    expect(await allInOrder([after(20, () => 1), after(1, () => 2)])).toEqual([1, 2]);
  });

  it('fails with the first failure in order, even when a later one failed sooner', async () => {
    const error = await allInOrder([
      after(1, () => 'fine'),
      after(30, () => {
        throw new Error('a.json is bad');
      }),
      after(1, () => {
        throw new Error('b.json is bad');
      }),
    ]).catch((e: unknown) => e);
    expect((error as Error).message).toBe('a.json is bad');
  });
});
