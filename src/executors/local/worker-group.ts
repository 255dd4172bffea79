// A memory group: the workers that share a heap limit, the jobs waiting for them, and the questions
// the pool asks of one group.
import type { JobRequest } from '../types.ts';
import type { PoolWorker } from './pool-worker.ts';
import { JobQueue } from './queue.ts';

/** Workers that share a memory limit, and the jobs waiting for them. */
export interface WorkerGroup {
  readonly key: number;
  readonly memoryMb: number | undefined;
  /** Jobs without a time limit. */
  readonly queue: JobQueue;
  /** Jobs with a time limit: each runs alone, so its worker can be killed without losing others. */
  readonly timed: JobQueue;
  readonly workers: Set<PoolWorker>;
  /** Recent worker time per job in ms (an average over result messages): see `depthFor`. */
  msPerJob: number;
}

/** The heap limit in MiB a job's `memory` (GiB) asks for; its group's key is this, or 0. */
export function memoryMbOf(job: JobRequest): number | undefined {
  const gib = job.options.memory;
  return gib === undefined ? undefined : Math.ceil(gib * 1024);
}

export function newGroup(memoryMb: number | undefined): WorkerGroup {
  return {
    key: memoryMb ?? 0,
    memoryMb,
    queue: new JobQueue(),
    timed: new JobQueue(),
    workers: new Set(),
    msPerJob: 0,
  };
}

/** Whether jobs wait for the group's workers. */
export function hasWaiting(group: WorkerGroup): boolean {
  return group.queue.size > 0 || group.timed.size > 0;
}

/** Whether the group has jobs waiting or running. */
export function hasWork(group: WorkerGroup): boolean {
  if (hasWaiting(group)) return true;
  for (const worker of group.workers) if (worker.outstanding.size > 0) return true;
  return false;
}

export function idleWorker(group: WorkerGroup): PoolWorker | undefined {
  for (const worker of group.workers) if (worker.outstanding.size === 0) return worker;
  return undefined;
}

/** The worker with the fewest jobs that may take more (below `limit`, not reserved). */
export function leastLoaded(group: WorkerGroup, limit: number): PoolWorker | undefined {
  let best: PoolWorker | undefined;
  for (const worker of group.workers) {
    if (worker.exclusive || worker.drainingFor !== undefined || worker.outstanding.size >= limit) continue;
    if (!best || worker.outstanding.size < best.outstanding.size) best = worker;
  }
  return best;
}
