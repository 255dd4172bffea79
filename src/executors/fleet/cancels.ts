// Cancelling tasks a worker has started: the scheduler that no longer wants some tasks of a queue job
// publishes their keys on the queue's cancel channel, and the worker that holds the job stops them,
// unless another scheduler waits for that job too (it reunited with it and still wants the results).
// Pub/sub delivers only to those listening at that moment, so each request is also kept in a list per
// queue job, which a worker reads for the jobs it holds at each heartbeat: one whose connection was
// down, or that took the job just as the request went out, stops the tasks a heartbeat later.
import type { Redis } from 'ioredis';
import type { FleetKeys } from './keys.ts';
import { parseMessage } from './wire.ts';

export const CANCEL_FORMAT = 1;

export interface CancelRequest {
  format: typeof CANCEL_FORMAT;
  batchId: string;
  /** The task keys to stop. */
  keys: string[];
  /** The reply list of the scheduler that asks. */
  from: string;
}

/**
 * Tells the fleet's workers to stop `taskKeys` of queue job `batchId`, and keeps the request for
 * `keepMs` (a worker that was not listening reads it later); the asker leaves the job's reply set once
 * it wants none of it.
 */
export async function publishCancel(
  redis: Redis,
  keys: FleetKeys,
  request: Omit<CancelRequest, 'format'>,
  leaving: boolean,
  keepMs: number,
): Promise<void> {
  const text = JSON.stringify({ format: CANCEL_FORMAT, ...request } satisfies CancelRequest);
  const kept = keys.cancelled(request.batchId);
  const batch = redis.multi();
  if (leaving) batch.srem(keys.replyTo(request.batchId), request.from);
  await batch.rpush(kept, text).pexpire(kept, keepMs).publish(keys.cancels, text).exec();
}

/** The cancel requests kept for each of `batchIds` (as published), in the order they were made. */
export async function keptCancels(
  redis: Redis,
  keys: FleetKeys,
  batchIds: readonly string[],
): Promise<string[][]> {
  if (batchIds.length === 0) return [];
  const batch = redis.pipeline();
  for (const batchId of batchIds) batch.lrange(keys.cancelled(batchId), 0, -1);
  const replies = (await batch.exec()) ?? [];
  return replies.map(([error, texts]) => {
    if (error) throw error;
    return texts as string[];
  });
}

/** A request read from the cancel channel, or undefined for anything else (ignored). */
export function decodeCancelRequest(text: string): CancelRequest | undefined {
  const value = parseMessage<CancelRequest>(text);
  if (
    value?.format !== CANCEL_FORMAT ||
    typeof value.batchId !== 'string' ||
    typeof value.from !== 'string' ||
    !Array.isArray(value.keys) ||
    !value.keys.every((key) => typeof key === 'string')
  ) {
    return undefined;
  }
  return { format: CANCEL_FORMAT, batchId: value.batchId, keys: value.keys, from: value.from };
}

/** Whether the asker is the only scheduler still waiting for the queue job. */
export async function cancelAllowed(redis: Redis, keys: FleetKeys, request: CancelRequest): Promise<boolean> {
  const waiting = await redis.smembers(keys.replyTo(request.batchId));
  return waiting.every((member) => member === request.from);
}
