// Cancelling tasks a worker has started: the scheduler that no longer wants some tasks of a queue job
// publishes their keys on the queue's cancel channel, and the worker that holds the job stops them,
// unless another scheduler waits for that job too (it reunited with it and still wants the results).
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

/** Tells the fleet's workers to stop `taskKeys` of queue job `batchId`; the asker leaves the job's reply set once it wants none of it. */
export async function publishCancel(
  redis: Redis,
  keys: FleetKeys,
  request: Omit<CancelRequest, 'format'>,
  leaving: boolean,
): Promise<void> {
  const message: CancelRequest = { format: CANCEL_FORMAT, ...request };
  const batch = redis.multi();
  if (leaving) batch.srem(keys.replyTo(request.batchId), request.from);
  await batch.publish(keys.cancels, JSON.stringify(message)).exec();
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
