// How long a task's jobs keep a worker, and so how many of them a worker may hold at once.
/** Jobs that keep a worker this long (ms) are handed out one or two at a time, not in batches. */
export const LONG_JOB_MS = 2;
/** Jobs a worker holds when its jobs are long: one running, one ready to start. */
export const LONG_JOB_DEPTH = 2;

/**
 * How many jobs a worker may hold, given its recent time per job (`batchDepth` for short jobs). Batches pay for microsecond jobs;
 * for jobs of milliseconds they only keep work queued behind a busy worker while others go idle at
 * the end of a run, and make an urgent job (a speculative backup) wait behind the batch.
 */
export function depthFor(msPerJob: number, batchDepth: number): number {
  return msPerJob >= LONG_JOB_MS ? LONG_JOB_DEPTH : batchDepth;
}

/**
 * Worker time per job in one result message (`times` holds start and end per job): from the first
 * start to the last end, shared out. Jobs that overlapped (async tasks waiting on I/O side by side)
 * hold no worker: they count as 0, so such tasks keep being handed out in batches.
 */
export function workerTimePerJob(times: ArrayLike<number>, count: number): number {
  let first = Infinity;
  let last = -Infinity;
  let busy = 0;
  for (let i = 0; i < count; i++) {
    first = Math.min(first, times[2 * i]!);
    last = Math.max(last, times[2 * i + 1]!);
    busy += times[2 * i + 1]! - times[2 * i]!;
  }
  const span = Math.max(0, last - first);
  return busy > span * 1.5 ? 0 : span / count;
}
