// Cluster profiling over Redis: `baton profile` publishes a request on each live worker's command
// channel, and every worker that hears it profiles its threads and pushes its answer to a list that
// expires, where the command waits for them.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ProfileKind, ThreadProfile } from '../../worker/thread-profiles.ts';
import type { FleetKeys } from './keys.ts';
import { parseMessage } from './wire.ts';
import type { WorkerInfo } from './workers.ts';

export const PROFILE_FORMAT = 1;
/** The longest profile a worker agrees to take. */
export const MAX_PROFILE_MS = 10 * 60 * 1000;
/** How long answers wait in Redis for a command that has gone away. */
const ANSWER_TTL_S = 600;

export interface ProfileRequest {
  format: typeof PROFILE_FORMAT;
  id: string;
  kind: ProfileKind;
  ms: number;
}

export interface ProfileAnswer {
  worker: Pick<WorkerInfo, 'id' | 'host' | 'pid'>;
  threads: ThreadProfile[];
  /** Why the worker could not profile. */
  error?: string | undefined;
}

/** A request read from a command channel, or undefined for anything else (ignored, never run). */
export function decodeProfileRequest(text: string): ProfileRequest | undefined {
  const value = parseMessage<ProfileRequest>(text);
  if (
    value?.format !== PROFILE_FORMAT ||
    typeof value.id !== 'string' ||
    !/^[0-9a-f-]{36}$/.test(value.id) ||
    (value.kind !== 'cpu' && value.kind !== 'memory') ||
    typeof value.ms !== 'number' ||
    !(value.ms > 0 && value.ms <= MAX_PROFILE_MS)
  ) {
    return undefined;
  }
  return { format: PROFILE_FORMAT, id: value.id, kind: value.kind, ms: value.ms };
}

/** Pushes a worker's answer where the command that asked waits for it. */
export async function answerProfile(
  redis: Redis,
  keys: FleetKeys,
  request: ProfileRequest,
  answer: ProfileAnswer,
): Promise<void> {
  const key = keys.answers(request.id);
  await redis.multi().rpush(key, JSON.stringify(answer)).expire(key, ANSWER_TTL_S).exec();
}

export interface ProfileRound {
  answers: ProfileAnswer[];
  /** Workers that were not listening, or did not answer in time. */
  silent: WorkerInfo[];
}

/**
 * Asks every worker in `workers` for a profile of `ms` and waits for the answers, up to `ms` plus
 * `graceMs`. `redis` blocks while it waits: give it a connection of its own.
 */
export async function collectProfiles(
  redis: Redis,
  keys: FleetKeys,
  workers: WorkerInfo[],
  request: { kind: ProfileKind; ms: number },
  graceMs = 15_000,
): Promise<ProfileRound> {
  const message: ProfileRequest = { format: PROFILE_FORMAT, id: randomUUID(), ...request };
  const listening: WorkerInfo[] = [];
  const silent: WorkerInfo[] = [];
  for (const worker of workers) {
    const heard = await redis.publish(keys.commands(worker.id), JSON.stringify(message));
    (heard > 0 ? listening : silent).push(worker);
  }
  const answers: ProfileAnswer[] = [];
  const deadline = Date.now() + request.ms + graceMs;
  const key = keys.answers(message.id);
  try {
    while (answers.length < listening.length) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const popped = await redis.blpop(key, Math.max(0.01, left / 1000));
      if (!popped) break;
      answers.push(JSON.parse(popped[1]) as ProfileAnswer);
    }
  } finally {
    await redis.del(key);
  }
  const answered = new Set(answers.map((answer) => answer.worker.id));
  return { answers, silent: [...silent, ...listening.filter((worker) => !answered.has(worker.id))] };
}
