// Shared by the hash and codec tests: the SerializationError a call throws.
import assert from 'node:assert/strict';
import { SerializationError } from '../../src/errors.ts';

/** Runs `fn`, expecting a SerializationError, and returns it. */
export function failure(fn: () => unknown): SerializationError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof SerializationError, `expected a SerializationError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a SerializationError');
}
