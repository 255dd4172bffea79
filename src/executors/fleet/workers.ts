// The registry of live workers: each `baton worker` keeps a record with a short expiry up to date
// (its heartbeat); whoever lists the records sees the workers that are alive now.
import type { Redis } from 'ioredis';
import type { FleetKeys } from './keys.ts';

/** What a worker says about itself in each heartbeat. */
export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
  tags: string[];
  /** Queue jobs it runs at once. */
  concurrency: number;
  /** Tasks it holds now (running or about to run). */
  running: number;
  /** Tasks it has finished since it started. */
  done: number;
  startedAt: number;
  lastSeen: number;
  /** It got SIGTERM and finishes what it holds, taking nothing new. */
  draining: boolean;
}

function isWorkerInfo(value: unknown): value is WorkerInfo {
  const info = value as Partial<WorkerInfo> | null;
  return (
    typeof info === 'object' &&
    info !== null &&
    typeof info.id === 'string' &&
    typeof info.host === 'string' &&
    Array.isArray(info.tags)
  );
}

/** The workers whose heartbeat has not expired, oldest first. */
export async function listWorkers(redis: Redis, keys: FleetKeys): Promise<WorkerInfo[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', keys.workerPattern, 'COUNT', 1000);
    cursor = next;
    found.push(...batch);
  } while (cursor !== '0');
  if (found.length === 0) return [];
  const records = await redis.mget(found);
  const workers: WorkerInfo[] = [];
  for (const record of records) {
    if (record === null) continue;
    try {
      const info: unknown = JSON.parse(record);
      if (isWorkerInfo(info)) workers.push(info);
    } catch {
      // a record being rewritten or not ours: skip it
    }
  }
  return workers.sort((a, b) => a.startedAt - b.startedAt || a.id.localeCompare(b.id));
}

/** Writes a worker's heartbeat record, which expires unless written again within `ttlMs`. */
export async function writeHeartbeat(
  redis: Redis,
  keys: FleetKeys,
  info: WorkerInfo,
  ttlMs: number,
): Promise<void> {
  await redis.set(keys.worker(info.id), JSON.stringify(info), 'PX', Math.max(1, Math.round(ttlMs)));
}

/** Whether a worker can take work that has this locality. */
export function matchesLocality(
  worker: Pick<WorkerInfo, 'host' | 'tags'>,
  locality: { require?: string[] | undefined; forbid?: string[] | undefined } | undefined,
): boolean {
  if (!locality) return true;
  const has = (name: string) => worker.tags.includes(name) || worker.host === name;
  return (locality.require ?? []).every(has) && !(locality.forbid ?? []).some(has);
}
