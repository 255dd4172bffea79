// The tasks a fleet worker holds, by queue job and task key, each with its own abort signal, so a
// scheduler that cancels some of them stops just those (the pool ends the thread a running one is on).

export class RunningTasks {
  private readonly byBatch = new Map<string, Map<string, AbortController>>();
  private readonly signal: AbortSignal;

  /** `signal` stops every task (the worker leaves). */
  constructor(signal: AbortSignal) {
    this.signal = signal;
    signal.addEventListener(
      'abort',
      () => {
        for (const tasks of this.byBatch.values()) for (const task of tasks.values()) task.abort();
      },
      { once: true },
    );
  }

  /** The signal task `key` of queue job `batchId` runs under. */
  add(batchId: string, key: string): AbortSignal {
    const controller = new AbortController();
    if (this.signal.aborted) controller.abort();
    let tasks = this.byBatch.get(batchId);
    if (!tasks) this.byBatch.set(batchId, (tasks = new Map()));
    tasks.set(key, controller);
    return controller.signal;
  }

  delete(batchId: string, key: string): void {
    const tasks = this.byBatch.get(batchId);
    tasks?.delete(key);
    if (tasks?.size === 0) this.byBatch.delete(batchId);
  }

  holds(batchId: string): boolean {
    return this.byBatch.has(batchId);
  }

  /** Stops the named tasks of a queue job this worker holds; returns how many it stopped. */
  cancel(batchId: string, keys: readonly string[]): number {
    const tasks = this.byBatch.get(batchId);
    if (!tasks) return 0;
    let stopped = 0;
    for (const key of keys) {
      const task = tasks.get(key);
      if (task && !task.signal.aborted) {
        task.abort();
        stopped++;
      }
    }
    return stopped;
  }
}
