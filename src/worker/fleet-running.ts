// The tasks a fleet worker holds, by queue job and task key, each with its own abort signal, so a
// scheduler that cancels some of them stops just those (the pool ends the thread a running one is on).
// A queue job is held from the moment the worker takes it, before its code package is fetched: a
// cancel that arrives while it is being prepared is kept and stops its tasks as they start.

interface HeldBatch {
  tasks: Map<string, AbortController>;
  /** Keys cancelled before their task started. */
  cancelled: Set<string>;
  /** Held by `hold` (until `release`), not only by running tasks. */
  taken: boolean;
  /** Cancel requests already acted on (as published): one arrives by the channel and from the list. */
  requests: Set<string>;
}

export class RunningTasks {
  private readonly byBatch = new Map<string, HeldBatch>();
  private readonly signal: AbortSignal;

  /** `signal` stops every task (the worker leaves). */
  constructor(signal: AbortSignal) {
    this.signal = signal;
    signal.addEventListener(
      'abort',
      () => {
        for (const batch of this.byBatch.values()) for (const task of batch.tasks.values()) task.abort();
      },
      { once: true },
    );
  }

  private batch(batchId: string): HeldBatch {
    let batch = this.byBatch.get(batchId);
    if (!batch) {
      batch = { tasks: new Map(), cancelled: new Set(), taken: false, requests: new Set() };
      this.byBatch.set(batchId, batch);
    }
    return batch;
  }

  /** The worker has taken queue job `batchId`: cancels for it count from now until `release`. */
  hold(batchId: string): void {
    this.batch(batchId).taken = true;
  }

  /** The queue job is done (or given back): forgets it and any cancel kept for it. */
  release(batchId: string): void {
    const batch = this.byBatch.get(batchId);
    if (!batch) return;
    batch.taken = false;
    batch.cancelled.clear();
    batch.requests.clear();
    if (batch.tasks.size === 0) this.byBatch.delete(batchId);
  }

  /** The signal task `key` of queue job `batchId` runs under; aborted already if it was cancelled. */
  add(batchId: string, key: string): AbortSignal {
    const controller = new AbortController();
    const batch = this.batch(batchId);
    if (this.signal.aborted || batch.cancelled.has(key)) controller.abort();
    batch.tasks.set(key, controller);
    return controller.signal;
  }

  delete(batchId: string, key: string): void {
    const batch = this.byBatch.get(batchId);
    batch?.tasks.delete(key);
    if (batch && batch.tasks.size === 0 && !batch.taken) this.byBatch.delete(batchId);
  }

  holds(batchId: string): boolean {
    return this.byBatch.has(batchId);
  }

  /** The queue jobs held now. */
  heldBatches(): string[] {
    return [...this.byBatch.keys()];
  }

  /** True the first time cancel request `request` (its text) comes for held queue job `batchId`. */
  firstSight(batchId: string, request: string): boolean {
    const batch = this.byBatch.get(batchId);
    if (!batch || batch.requests.has(request)) return false;
    batch.requests.add(request);
    return true;
  }

  /**
   * Stops the named tasks of a queue job this worker holds, and keeps the names of those not started
   * yet so they never start; returns how many it stopped or kept.
   */
  cancel(batchId: string, keys: readonly string[]): number {
    const batch = this.byBatch.get(batchId);
    if (!batch) return 0;
    let stopped = 0;
    for (const key of keys) {
      const task = batch.tasks.get(key);
      if (task) {
        if (task.signal.aborted) continue;
        task.abort();
        stopped++;
      } else if (batch.taken && !batch.cancelled.has(key)) {
        batch.cancelled.add(key);
        stopped++;
      }
    }
    return stopped;
  }
}
