// The message of the ModelError a call throws (a test fails when it throws nothing, or anything else).
import { ModelError } from '../../src/model/model-error.js';

export function modelErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ModelError) return err.message;
    throw err;
  }
  throw new Error('expected a ModelError');
}
