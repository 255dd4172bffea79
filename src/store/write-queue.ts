// Writes waiting for the next flush, coalesced per row: an insert and its updates become one insert.
import {
  applyPatch,
  checkRecord,
  CACHE_ENTRIES,
  EXECUTIONS,
  JOBS,
  TASKS,
  type TableSpec,
} from './records.ts';
import type { CacheEntry, ExecutionRecord, JobRecord, TaskRecord } from './types.ts';

/** The pending write of one row: a full record to upsert, or only columns to update. */
export interface RowWrite<R> {
  record: R | undefined;
  patch: Partial<R> | undefined;
}

/** A value row to record; `data` is null when the bytes are in a file. */
export interface ValueRow {
  size: number;
  data: Uint8Array | null;
  createdAt: number;
}

/** Pending puts and updates of one table whose rows are written and then updated. */
export class RowWrites<R extends object> {
  readonly spec: TableSpec<R>;
  readonly pending = new Map<string, RowWrite<R>>();

  constructor(spec: TableSpec<R>) {
    this.spec = spec;
  }

  put(rec: R): void {
    checkRecord(this.spec, rec);
    // A copy, so later changes to the caller's object do not leak into the batch.
    const record = { ...rec };
    this.pending.set(String(record[this.spec.key]), { record, patch: undefined });
  }

  update(id: string, patch: Partial<R>): void {
    const write = this.pending.get(id);
    if (write?.record) applyPatch(this.spec, write.record, patch);
    else if (write?.patch) Object.assign(write.patch, patch);
    else this.pending.set(id, { record: undefined, patch: { ...patch } });
  }

  /** The record as it will be after the flush, if a full record is pending. */
  pendingRecord(id: string): R | undefined {
    return this.pending.get(id)?.record;
  }
}

export class WriteQueue {
  readonly executions = new RowWrites<ExecutionRecord>(EXECUTIONS);
  readonly jobs = new RowWrites<JobRecord>(JOBS);
  /** Insert-if-absent, so the first put of a hash wins. */
  readonly tasks = new Map<string, TaskRecord>();
  /** null marks a delete. */
  readonly cache = new Map<string, CacheEntry | null>();
  readonly values = new Map<string, ValueRow>();
  /** Calls this scheduler claimed in a shared store and is done with: their leases end with this batch. */
  readonly releases = new Set<string>();

  get size(): number {
    return (
      this.executions.pending.size +
      this.jobs.pending.size +
      this.tasks.size +
      this.cache.size +
      this.values.size +
      this.releases.size
    );
  }

  putTask(rec: TaskRecord): void {
    if (this.tasks.has(rec.hash)) return;
    checkRecord(TASKS, rec);
    this.tasks.set(rec.hash, { ...rec });
  }

  putCache(entry: CacheEntry): void {
    checkRecord(CACHE_ENTRIES, entry);
    this.cache.set(entry.evalHash, { ...entry });
  }

  deleteCache(evalHash: string): void {
    this.cache.set(evalHash, null);
  }

  /** Drops pending cache entries that point at a value known to be lost. */
  dropCacheFor(valueHash: string): void {
    for (const [evalHash, entry] of this.cache) {
      if (entry?.valueHash === valueHash) this.cache.delete(evalHash);
    }
  }

  /**
   * Moves the `held` cache entries (waiting for their value file) into a new queue and returns it,
   * with the releases of their calls: a lease must outlive the wait for the call's cache entry.
   */
  takeHeld(held: ReadonlySet<string>): WriteQueue {
    const rest = new WriteQueue();
    for (const evalHash of held) {
      const entry = this.cache.get(evalHash);
      if (entry === undefined) continue;
      rest.cache.set(evalHash, entry);
      this.cache.delete(evalHash);
      if (this.releases.delete(evalHash)) rest.releases.add(evalHash);
    }
    return rest;
  }
}
