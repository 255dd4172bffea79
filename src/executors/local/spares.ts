// Warm spare workers. Stopping a running job (a cancel, a time limit) ends its worker, and a new worker
// spends ~0.2 s of CPU loading Baton and the workflow before it can run anything. A pool that has had to
// stop a job keeps a spare started with the workflow's modules imported: a stopped worker's slot goes
// to a ready spare at once, and a new spare starts in the background for the next time.
import { PoolWorker, type PoolWorkerEvents } from './pool-worker.ts';
import type { WorkerRuntime } from './runtime.ts';

/** How long a slot waits for a starting spare before it starts a worker of its own, in ms. */
const STALE_MS = 10_000;

/** The part of a memory group the spares need. */
export interface SpareGroup {
  readonly key: number;
  readonly memoryMb: number | undefined;
}

interface GroupSpares {
  readonly group: SpareGroup;
  /** The modules the group's jobs import, as seen in stopped workers. */
  readonly modules: Set<string>;
  /** Started, ready or not, oldest first. */
  readonly workers: PoolWorker[];
  /** Workers ended since the last `startReplacements`. */
  ended: number;
}

export class Spares {
  private readonly runtime: WorkerRuntime;
  private readonly events: PoolWorkerEvents;
  /** Most spares per group, however many jobs are stopped at once. */
  private readonly max: number;
  /** A spare went stale: the slots that waited for it may start workers of their own. */
  private readonly onStale: () => void;
  private readonly groups = new Map<number, GroupSpares>();

  constructor(runtime: WorkerRuntime, events: PoolWorkerEvents, max: number, onStale: () => void) {
    this.runtime = runtime;
    this.events = events;
    this.max = max;
    this.onStale = onStale;
  }

  /** A worker of `group` was ended to stop a running job: it is replaced at `startReplacements`. */
  ended(group: SpareGroup, modules: Iterable<string>): void {
    let spares = this.groups.get(group.key);
    if (!spares) this.groups.set(group.key, (spares = { group, modules: new Set(), workers: [], ended: 0 }));
    for (const module of modules) if (module) spares.modules.add(module);
    spares.ended++;
  }

  /**
   * Starts a spare for each worker ended since the last call, in the groups that still have work
   * (when a whole run is cancelled, nothing is left to run on them).
   */
  startReplacements(hasWork: (groupKey: number) => boolean): void {
    for (const spares of this.groups.values()) {
      if (spares.ended > 0 && hasWork(spares.group.key)) {
        for (let i = 0; i < spares.ended; i++) this.start(spares.group, spares);
      }
      spares.ended = 0;
    }
  }

  /** A ready spare of `group`, handed over to take a slot; the group keeps one more in reserve. */
  take(group: SpareGroup): PoolWorker | undefined {
    const spares = this.groups.get(group.key);
    const at = spares?.workers.findIndex((worker) => worker.ready) ?? -1;
    if (!spares || at < 0) return undefined;
    const [spare] = spares.workers.splice(at, 1);
    if (spares.workers.length === 0) this.start(group, spares);
    return spare;
  }

  /**
   * Whether a spare of `group` is still starting: its slot had better wait for it than start a cold
   * worker. One that is not ready after `STALE_MS` (a module whose import hangs) no longer holds a slot.
   */
  starting(group: SpareGroup): boolean {
    const now = Date.now();
    return (
      this.groups
        .get(group.key)
        ?.workers.some((worker) => !worker.ready && now - worker.spawnedAt < STALE_MS) ?? false
    );
  }

  /** Whether `worker` is a spare; if so it is forgotten (it exited on its own). */
  forget(worker: PoolWorker): boolean {
    const spares = this.groups.get(worker.groupKey);
    const at = spares?.workers.indexOf(worker) ?? -1;
    if (at < 0) return false;
    spares!.workers.splice(at, 1);
    return true;
  }

  /** Ends every spare; the pool is stopping. */
  stop(): Array<Promise<void>> {
    const gone: Array<Promise<void>> = [];
    for (const spares of this.groups.values()) {
      for (const spare of spares.workers) {
        spare.dead = true;
        gone.push(spare.handle.terminate());
      }
    }
    this.groups.clear();
    return gone;
  }

  private start(group: SpareGroup, spares: GroupSpares): void {
    if (spares.workers.length >= this.max) return;
    const spare = new PoolWorker(this.runtime, group.memoryMb, this.events, [...spares.modules]);
    spare.handle.keepAlive(false); // an idle spare must not keep the process alive
    spares.workers.push(spare);
    setTimeout(() => {
      if (!spare.ready && !spare.dead) this.onStale();
    }, STALE_MS).unref();
  }
}
