// Running one job inside a worker: decode the arguments, call the task, encode what it returns.
// A synchronous task whose module is loaded finishes synchronously, so a batch of them costs no promises.
import { decodeValue, encodeValue, serializeError } from '../codec/index.ts';
import { SerializationError } from '../errors.ts';
import type { SerializedError } from '../executors/index.ts';
import type { TaskDef } from '../task/index.ts';
import { loadTask, loadedTask } from './load.ts';
import type { WireTaskRef } from './protocol.ts';

/**
 * Milliseconds since the epoch, to the microsecond: the start and end of a job, from which the pool
 * learns how long a task's jobs take (whole milliseconds would read a 10 µs job as 0 or 1 ms).
 */
export function jobClock(): number {
  return performance.timeOrigin + performance.now();
}

export type JobResult =
  | { ok: true; value: Uint8Array; startedAt: number; endedAt: number }
  | { ok: false; error: SerializedError; startedAt: number; endedAt: number };

function failed(error: unknown, startedAt: number): JobResult {
  return { ok: false, error: serializeError(error, 'application'), startedAt, endedAt: jobClock() };
}

function succeeded(def: TaskDef, value: unknown, startedAt: number): JobResult {
  try {
    return {
      ok: true,
      value: encodeValue(value, 'result'),
      startedAt,
      endedAt: jobClock(),
    };
  } catch (error) {
    return failed(error, startedAt);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function call(def: TaskDef, args: Uint8Array): JobResult | Promise<JobResult> {
  const startedAt = jobClock();
  let returned: unknown;
  try {
    const decoded = decodeValue(args);
    if (!Array.isArray(decoded)) {
      throw new SerializationError(`the arguments of task ${def.name} did not decode to an array`, 'args');
    }
    returned = def.fn(...(decoded as never[]));
  } catch (error) {
    return failed(error, startedAt);
  }
  if (!isThenable(returned)) return succeeded(def, returned, startedAt);
  return Promise.resolve(returned).then(
    (value) => succeeded(def, value, startedAt),
    (error: unknown) => failed(error, startedAt),
  );
}

/** Runs one job; the result is a promise only when the task is async or its module is not loaded yet. */
export function runJob(ref: WireTaskRef, args: Uint8Array): JobResult | Promise<JobResult> {
  const def = loadedTask(ref);
  if (def) return call(def, args);
  const loadingSince = jobClock();
  return loadTask(ref).then(
    (loaded) => call(loaded, args),
    (error: unknown) => failed(error, loadingSince),
  );
}
