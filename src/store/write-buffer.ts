// When queued writes are flushed: on a short timer, when the queue grows large, before reads that
// need them, and on close; one batch at a time, so batches grow while the writer is busy.
import { StoreError } from '../errors.ts';
import { buildBatch, type WriteBatch } from './batch.ts';
import type { BatchWriter } from './batch-writer.ts';
import { isBusy } from './connection.ts';
import type { CacheEntry, TaskRecord } from './types.ts';
import type { ValueBlobs } from './value-blobs.ts';
import { WriteQueue } from './write-queue.ts';

export interface WriteBufferOptions {
  /** The database path (or URL without its password), for messages. */
  path: string;
  writer: BatchWriter;
  files: ValueBlobs;
  /** @default 25 */
  flushInterval?: number | undefined;
  /** @default 20000 */
  maxBatch?: number | undefined;
  /** Records queued behind a batch being committed before `pressure()` asks writers to wait. @default 30000 */
  backlogLimit?: number | undefined;
  /** A commit found that another connection had committed since this store's previous one. */
  onOthersCommitted?: (() => void) | undefined;
}

// A writer on the event loop's own thread waits up to 4× its last commit, at most this long (ms).
const MAX_FLUSH_WAIT = 1000;
const NOTHING_HELD: ReadonlySet<string> = new Set();
/** Failures kept for the next flush() or close(); more would only repeat the first. */
const MAX_DEFERRED = 10;

export class WriteBuffer {
  /** Writes not yet handed to the writer. */
  queue = new WriteQueue();
  private inFlight: { queue: WriteQueue; done: Promise<void> } | undefined;
  private readonly options: WriteBufferOptions;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private flushTail: Promise<void> = Promise.resolve();
  private deferred: StoreError[] = [];
  private lastBatchMs = 0;
  private stopped = false;

  constructor(options: WriteBufferOptions) {
    this.options = options;
  }

  /** Call after every queued write. */
  changed(): void {
    // While a batch is being written, its end decides when the next one starts.
    if (this.stopped || this.inFlight) return;
    if (this.queue.size >= (this.options.maxBatch ?? 20_000)) {
      this.immediate ??= setImmediate(() => {
        this.immediate = undefined;
        void this.flush();
      });
    } else if (!this.timer) {
      const interval = this.options.flushInterval ?? 25;
      // Only a writer on this thread stretches the wait: a commit there stalls the scheduler.
      const wait = this.options.writer.blocksEventLoop
        ? Math.min(MAX_FLUSH_WAIT, Math.max(interval, 4 * this.lastBatchMs))
        : interval;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, wait);
    }
  }

  /** The in-flight batch's end, while at least `backlogLimit` records wait behind it. */
  pressure(): Promise<void> | undefined {
    if (!this.inFlight || this.queue.size < (this.options.backlogLimit ?? 30_000)) return undefined;
    return this.inFlight.done;
  }

  /** The queued cache entry: an entry, null for a queued delete, undefined when nothing is queued. */
  cacheEntry(evalHash: string): CacheEntry | null | undefined {
    const queued = this.queue.cache.get(evalHash);
    return queued !== undefined ? queued : this.inFlight?.queue.cache.get(evalHash);
  }

  /** The bytes of a value not yet in the database or its file. */
  value(hash: string): Uint8Array | undefined {
    return (
      this.queue.values.get(hash)?.data ??
      this.inFlight?.queue.values.get(hash)?.data ??
      this.options.files.pending(hash) ??
      undefined
    );
  }

  task(hash: string): TaskRecord | undefined {
    return this.queue.tasks.get(hash) ?? this.inFlight?.queue.tasks.get(hash);
  }

  /** Commits what is queued (but not cache entries waiting for a value file) and waits for it. */
  async commitForRead(): Promise<void> {
    await this.inFlight?.done;
    this.startBatch();
    await this.inFlight?.done;
  }

  /** Writes everything queued so far, value files included. Never rejects: see `takeError`. */
  flush(): Promise<void> {
    const run = this.flushTail.then(async () => {
      this.clearTimers();
      await this.commitForRead();
      if (this.options.files.writing === 0) return;
      await this.options.files.settled();
      await this.commitForRead();
    });
    this.flushTail = run.catch(() => undefined);
    return run;
  }

  /** Flushes until nothing is left or a flush fails, then stops the timers and the writer. */
  async close(): Promise<void> {
    try {
      for (;;) {
        const failures = this.deferred.length;
        await this.flush();
        const empty = this.queue.size === 0 && this.options.files.writing === 0;
        if (empty || this.deferred.length > failures) break;
      }
    } finally {
      this.stopped = true;
      this.clearTimers();
      await this.options.writer.close();
    }
  }

  defer(error: StoreError): void {
    if (this.deferred.length < MAX_DEFERRED) this.deferred.push(error);
  }

  /** The first failure since the last call, if any. */
  takeError(): StoreError | undefined {
    const first = this.deferred[0];
    this.deferred = [];
    return first;
  }

  private clearTimers(): void {
    clearTimeout(this.timer);
    clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  // Cache entries whose value file is still being written stay queued for the next batch.
  private heldCacheEntries(): ReadonlySet<string> {
    const files = this.options.files;
    if (files.writing === 0) return NOTHING_HELD;
    const held = new Set<string>();
    for (const [evalHash, entry] of this.queue.cache) {
      if (entry && files.isWriting(entry.valueHash)) held.add(evalHash);
    }
    return held;
  }

  private startBatch(): void {
    if (this.inFlight || this.stopped) return;
    if (this.queue.size === 0) return;
    const held = this.heldCacheEntries();
    const snapshot = this.queue;
    this.queue = snapshot.takeHeld(held);
    // Everything queued waits for a value file.
    if (snapshot.size === 0) return;
    let batch: WriteBatch;
    try {
      batch = buildBatch(snapshot);
    } catch (cause) {
      this.defer(this.batchError({ records: snapshot.size }, cause));
      return;
    }
    const started = performance.now();
    const done = this.options.writer.write(batch).then(
      (report) => {
        this.lastBatchMs = performance.now() - started;
        if (report?.othersCommitted) this.options.onOthersCommitted?.();
      },
      (cause: unknown) => this.defer(this.batchError(batch, cause)),
    );
    this.inFlight = {
      queue: snapshot,
      done: done.finally(() => {
        this.inFlight = undefined;
        if (this.queue.size > 0) this.changed();
      }),
    };
  }

  private batchError(batch: Pick<WriteBatch, 'records'>, cause: unknown): StoreError {
    return new StoreError(
      `cannot write ${batch.records} records to database ${this.options.path}: ${String(cause)}`,
      {
        cause,
        hint: isBusy(cause)
          ? 'another process held the database lock too long; those records are lost, later ones are kept'
          : 'those records are lost; check free disk space and the permissions of the database folder',
      },
    );
  }
}
