// Where batches are committed: on the store's own thread, or on a writer thread so that SQLite's
// inserts, WAL writes and checkpoints do not hold up the scheduler's event loop.
import { Worker } from 'node:worker_threads';
import { commitBatch, type CommitReport, type CommitWatch, type WriteBatch } from './batch.ts';
import type { SqliteQueries } from './sqlite-queries.ts';

export interface BatchWriter {
  /** Whether `write` runs on the caller's thread (and so should be called sparingly). */
  readonly blocksEventLoop: boolean;
  /**
   * Commits the batch in one transaction; rejects with the database's error. SQLite writers report
   * whether another connection committed since their previous batch.
   */
  write(batch: WriteBatch): Promise<CommitReport | void>;
  close(): Promise<void>;
}

export type WriterRequest = { type: 'write'; seq: number; batch: WriteBatch } | { type: 'close' };

export type WriterReply =
  | {
      type: 'done';
      seq: number;
      error?: { message: string; errcode?: number };
      fatal?: boolean;
      othersCommitted?: boolean;
    }
  | { type: 'closed' };

export interface WriterThreadData {
  path: string;
  busyTimeout: number;
  cacheKiB: number;
}

/** An error the writer thread reported, with SQLite's error code when there is one. */
export class WriteFailure extends Error {
  readonly errcode: number | undefined;
  constructor(message: string, errcode: number | undefined) {
    super(message);
    this.errcode = errcode;
  }
}

export class InlineWriter implements BatchWriter {
  readonly blocksEventLoop = true;
  private readonly queries: SqliteQueries;
  private readonly watch: CommitWatch = {};

  constructor(queries: SqliteQueries) {
    this.queries = queries;
  }

  write(batch: WriteBatch): Promise<CommitReport> {
    try {
      return Promise.resolve(commitBatch(this.queries, batch, this.watch));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  async close(): Promise<void> {}
}

// The compiled package runs writer-thread.js; from source (type stripping) it is the .ts file.
const WRITER_THREAD = new URL(
  import.meta.url.endsWith('.ts') ? './writer-thread.ts' : './writer-thread.js',
  import.meta.url,
);

interface PendingWrite {
  batch: WriteBatch;
  resolve: (report: CommitReport | void) => void;
  reject: (error: Error) => void;
}

/**
 * Commits on a worker thread with its own connection. If the thread cannot start or dies, the
 * batches it had not confirmed are written by `fallback` (every batch is idempotent: upserts,
 * column updates, deletes), and so are all later ones.
 */
export class ThreadWriter implements BatchWriter {
  private readonly data: WriterThreadData;
  private readonly fallback: BatchWriter;
  private worker: Worker | undefined;
  /** Set once the thread failed: every later batch goes to the fallback. */
  private abandoned = false;
  private readonly pending = new Map<number, PendingWrite>();
  private seq = 0;
  private closed: (() => void) | undefined;
  /** Fallback writes run one after another, after the thread has stopped, in batch order. */
  private fallbackChain: Promise<unknown> = Promise.resolve();

  constructor(data: WriterThreadData, fallback: BatchWriter) {
    this.data = data;
    this.fallback = fallback;
  }

  get blocksEventLoop(): boolean {
    return this.abandoned;
  }

  // Started on the first write, so opening a store only to read (baton log, the dashboard) costs no thread.
  private start(): Worker {
    const worker = new Worker(WRITER_THREAD, { workerData: this.data });
    worker.unref();
    worker.on('message', (reply: WriterReply) => this.onReply(reply));
    worker.on('error', () => this.abandon());
    worker.on('exit', () => {
      if (this.closed) this.closed();
      else this.abandon();
    });
    this.worker = worker;
    return worker;
  }

  write(batch: WriteBatch): Promise<CommitReport | void> {
    if (this.abandoned) return this.viaFallback(batch);
    const worker = this.worker ?? this.start();
    const seq = ++this.seq;
    return new Promise<CommitReport | void>((resolve, reject) => {
      // Copied, not transferred: the fallback may need the batch again if the thread dies.
      worker.postMessage({ type: 'write', seq, batch } satisfies WriterRequest);
      // Keep the process alive until the thread confirms, so a natural exit loses nothing.
      if (this.pending.size === 0) worker.ref();
      this.pending.set(seq, { batch, resolve, reject });
    });
  }

  private viaFallback(batch: WriteBatch): Promise<CommitReport | void> {
    const done = this.fallbackChain.then(() => this.fallback.write(batch));
    this.fallbackChain = done.catch(() => undefined);
    return done;
  }

  private onReply(reply: WriterReply): void {
    if (reply.type !== 'done') return;
    const write = this.pending.get(reply.seq);
    if (!write) return;
    this.pending.delete(reply.seq);
    if (this.pending.size === 0) this.worker?.unref();
    if (!reply.error) write.resolve({ othersCommitted: reply.othersCommitted === true });
    else if (reply.fatal) {
      this.pending.set(reply.seq, write);
      this.abandon();
    } else write.reject(new WriteFailure(reply.error.message, reply.error.errcode));
  }

  /** Hands every unconfirmed batch, in order, to the fallback writer and stops using the thread. */
  private abandon(): void {
    const worker = this.worker;
    if (!worker || this.abandoned) return;
    this.abandoned = true;
    this.worker = undefined;
    // The thread's connection may hold the write lock until it is gone.
    this.fallbackChain = worker.terminate().catch(() => undefined);
    const writes = [...this.pending.entries()].sort(([a], [b]) => a - b).map(([, write]) => write);
    this.pending.clear();
    for (const write of writes) this.viaFallback(write.batch).then(write.resolve, write.reject);
  }

  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      this.closed = resolve;
      worker.once('message', (reply: WriterReply) => {
        if (reply.type === 'closed') void worker.terminate();
      });
      worker.ref();
      worker.postMessage({ type: 'close' } satisfies WriterRequest);
    });
    this.worker = undefined;
  }
}
