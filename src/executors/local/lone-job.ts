// The pool's view of a lone job, the case a chain of quick calls makes: whether the pool holds one job
// and nothing else, and waiting for its result by spinning rather than sleeping (see doorbell.ts and
// docs/decisions.md).
import { spinFor } from '../../worker/doorbell.ts';
import type { PoolWorker } from './pool-worker.ts';
import type { WorkerGroup } from './worker-group.ts';

/** What the pool holds, in one walk over its groups. */
export interface PoolLoad {
  /** Jobs queued, not yet sent. */
  waiting: number;
  /** Jobs sent and not yet answered. */
  held: number;
  /** The worker holding them, when one worker holds them all. */
  holder: PoolWorker | undefined;
}

export function poolLoad(groups: Iterable<WorkerGroup>): PoolLoad {
  const load: PoolLoad = { waiting: 0, held: 0, holder: undefined };
  let holders = 0;
  for (const group of groups) {
    load.waiting += group.queue.size + group.timed.size;
    for (const worker of group.workers) {
      if (worker.outstanding.size === 0) continue;
      load.held += worker.outstanding.size;
      if (++holders === 1) load.holder = worker;
    }
  }
  if (holders > 1) load.holder = undefined;
  return load;
}

/** The worker that holds the pool's only job, when no other job waits or runs. */
export function loneWorker(load: PoolLoad): PoolWorker | undefined {
  return load.waiting === 0 && load.held === 1 ? load.holder : undefined;
}

/**
 * Waits up to `spinMicros` for the lone job of `worker` to be answered, delivering its result without
 * the event loop's wake-up. Not for a task known to take longer (`msPerJob`). A worker that had to be
 * woken for this job is waited for only once it is seen to start on it, which this thread can see only
 * if the two run on different CPUs; a woken thread is often placed on the waker's CPU, where a spin
 * would hold it up.
 */
export function awaitLoneResult(worker: PoolWorker, msPerJob: number, spinMicros: number): void {
  const { handle } = worker;
  if (!worker.ready || !handle.receiveNow || msPerJob * 1000 > spinMicros) return;
  if (!worker.tookLastAwake && !spinFor(spinMicros / 3, () => handle.started?.() === true)) return;
  spinFor(spinMicros, () => {
    handle.receiveNow?.();
    return worker.outstanding.size === 0 || worker.dead;
  });
}
