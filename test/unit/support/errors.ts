import { UsageError } from '../../../src/core/errors.js';

/** The UsageError `run` throws; any other error is rethrown, and none fails the test. */
export function usageError(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a UsageError');
}
