// The record writes every Store makes the same way: queued in its WriteBuffer and committed in
// batches behind the caller. SQLite and PostgreSQL differ in how a batch is committed, not here.
import type { CacheEntry, ExecutionRecord, JobRecord, TaskRecord } from './types.ts';
import type { ValueBlobs } from './value-blobs.ts';
import { IDENTITY_MAX_BYTES, valueHash } from './value-names.ts';
import type { WriteBuffer } from './write-buffer.ts';

export abstract class BufferedWrites {
  /** The open store's buffer; throws a StoreError naming the store when it is not open. */
  protected abstract liveBuffer(): WriteBuffer;
  /** The buffer if the store is open. */
  protected abstract openBuffer(): WriteBuffer | undefined;

  async flush(): Promise<void> {
    const buffer = this.liveBuffer();
    await buffer.flush();
    const error = buffer.takeError();
    if (error) throw error;
  }

  pressure(): Promise<void> | undefined {
    return this.openBuffer()?.pressure();
  }

  putExecution(rec: ExecutionRecord): void {
    const buffer = this.liveBuffer();
    buffer.queue.executions.put(rec);
    buffer.changed();
  }

  updateExecution(id: string, patch: Partial<ExecutionRecord>): void {
    const buffer = this.liveBuffer();
    buffer.queue.executions.update(id, patch);
    buffer.changed();
  }

  putJob(rec: JobRecord): void {
    const buffer = this.liveBuffer();
    buffer.queue.jobs.put(rec);
    buffer.changed();
  }

  updateJob(id: string, patch: Partial<JobRecord>): void {
    const buffer = this.liveBuffer();
    buffer.queue.jobs.update(id, patch);
    buffer.changed();
  }

  putTask(rec: TaskRecord): void {
    const buffer = this.liveBuffer();
    buffer.queue.putTask(rec);
    buffer.changed();
  }

  putCache(entry: CacheEntry): void {
    const buffer = this.liveBuffer();
    buffer.queue.putCache(entry);
    buffer.changed();
  }

  /**
   * Stores `bytes` by hash: above `inlineLimit` in `blobs` (when there are any), else queued for the
   * database; a value small enough to be its own name is not stored at all. Returns the hash at once;
   * the write follows.
   */
  protected queueValue(bytes: Uint8Array, blobs: ValueBlobs | undefined, inlineLimit: number): string {
    const buffer = this.liveBuffer();
    const hash = valueHash(bytes);
    if (bytes.byteLength <= IDENTITY_MAX_BYTES) return hash;
    if (blobs && bytes.byteLength > inlineLimit) {
      blobs.write(hash, bytes);
    } else if (!buffer.queue.values.has(hash)) {
      // A copy: the caller may reuse its buffer before the flush.
      buffer.queue.values.set(hash, {
        size: bytes.byteLength,
        data: new Uint8Array(bytes),
        createdAt: Date.now(),
      });
      buffer.changed();
    }
    return hash;
  }

  deleteCache(evalHash: string): void {
    const buffer = this.liveBuffer();
    buffer.queue.deleteCache(evalHash);
    buffer.changed();
  }
}
