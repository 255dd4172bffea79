// The tasks a fleet executor waits for, by task key: one key may be awaited by several calls (the same
// call twice in one run, or a call reunited with a queue job an earlier scheduler submitted).
import type { JobOutcome, JobRequest } from '../types.ts';

export interface PendingTask {
  readonly job: JobRequest;
  /** The eval hash, or the eval hash and job id for a task that is never cached (it always runs). */
  readonly key: string;
  readonly signal: AbortSignal;
  /** Submit as new: overwrite an earlier claim rather than reunite with it (retries, lost jobs). */
  fresh: boolean;
  settled: boolean;
  /** The queue job that carries it, once submitted or found. */
  batchId: string | undefined;
  finish(outcome: JobOutcome): void;
}

/** A task's key: eval hashes are shared by identical calls, which then share one run. */
export function taskKey(job: JobRequest): string {
  return job.options.cache ? job.evalHash : `${job.evalHash}.${job.jobId}`;
}

export class PendingTasks {
  private readonly byKey = new Map<string, Set<PendingTask>>();
  private readonly byBatch = new Map<string, Set<string>>();

  get size(): number {
    return this.byKey.size;
  }

  add(task: PendingTask): void {
    let set = this.byKey.get(task.key);
    if (!set) this.byKey.set(task.key, (set = new Set()));
    set.add(task);
  }

  /** Notes which queue job carries the task, to fail it if that job is lost. */
  assign(task: PendingTask, batchId: string): void {
    task.batchId = batchId;
    let keys = this.byBatch.get(batchId);
    if (!keys) this.byBatch.set(batchId, (keys = new Set()));
    keys.add(task.key);
  }

  waiting(key: string): Set<PendingTask> | undefined {
    return this.byKey.get(key);
  }

  /** The tasks still waiting for a queue job. */
  ofBatch(batchId: string): PendingTask[] {
    const out: PendingTask[] = [];
    for (const key of this.byBatch.get(batchId) ?? []) {
      for (const task of this.byKey.get(key) ?? []) if (task.batchId === batchId) out.push(task);
    }
    return out;
  }

  /** Whether any task still waits for this queue job. */
  batchWanted(batchId: string): boolean {
    return this.ofBatch(batchId).length > 0;
  }

  all(): PendingTask[] {
    const out: PendingTask[] = [];
    for (const set of this.byKey.values()) out.push(...set);
    return out;
  }

  /** Settles one task; false when it had settled already. */
  settle(task: PendingTask, outcome: JobOutcome): boolean {
    if (task.settled) return false;
    task.settled = true;
    const set = this.byKey.get(task.key);
    if (set) {
      set.delete(task);
      if (set.size === 0) this.byKey.delete(task.key);
    }
    if (task.batchId !== undefined && !this.byKey.has(task.key)) {
      const keys = this.byBatch.get(task.batchId);
      keys?.delete(task.key);
      if (keys?.size === 0) this.byBatch.delete(task.batchId);
    }
    task.finish(outcome);
    return true;
  }
}
