// Runs the batches a worker receives: synchronous jobs one after another, async ones side by side (up to
// a cap) so an I/O task does not hold up its batch-mates, and results sent back in batches as well.
import type { SerializedError } from '../executors/index.ts';
import { IdleCollector } from './idle-collect.ts';
import { loadTask, loadedTask } from './load.ts';
import { packResultParts } from './packed.ts';
import { ByteWriter, type BatchMessage, type ResultMessage, type WireTaskRef } from './protocol.ts';
import { jobClock, runJob, type JobResult } from './run-job.ts';

/** How many async jobs one worker keeps in flight at once. @default 64 */
export const DEFAULT_CONCURRENCY = 64;
/** A long run of synchronous jobs sends what it has finished this often, so no result waits on its batch. */
const FLUSH_INTERVAL_MS = 25;

interface Cursor {
  batch: BatchMessage;
  next: number;
}

export interface BatchRunnerOptions {
  /** Async jobs in flight at once. @default DEFAULT_CONCURRENCY */
  concurrency?: number;
  /**
   * Where results without errors go packed into one buffer (packed.ts), as worker threads send them;
   * the others (and all results, without it) go to `post`.
   */
  postPacked?: (packed: Uint8Array) => void;
}

export class BatchRunner {
  private readonly post: (message: ResultMessage) => void;
  private readonly postPacked: ((packed: Uint8Array) => void) | undefined;
  private readonly concurrency: number;
  private readonly waiting: Cursor[] = [];
  private active = 0;
  private flushScheduled = false;
  private lastFlushAt = jobClock();
  /** A module is being imported: the jobs behind it wait, rather than all queue up on the import. */
  private loading = false;
  private readonly checkedRefs = new WeakSet<WireTaskRef>();
  private readonly ids: number[] = [];
  private readonly ok: number[] = [];
  private readonly times: number[] = [];
  private readonly errors: SerializedError[] = [];
  private readonly values = new ByteWriter();
  private readonly collector = new IdleCollector();

  constructor(post: (message: ResultMessage) => void, options: BatchRunnerOptions = {}) {
    this.post = post;
    this.postPacked = options.postPacked;
    this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  }

  /** No job is running, waiting, or waiting for its module. */
  get idle(): boolean {
    return this.active === 0 && this.waiting.length === 0 && !this.loading;
  }

  /** Takes a batch; whatever finishes synchronously is sent back before this returns. */
  receive(batch: BatchMessage): void {
    this.collector.busy();
    this.waiting.push({ batch, next: 0 });
    this.pump();
    this.flush();
  }

  private pump(): void {
    while (!this.loading && this.active < this.concurrency && this.waiting.length > 0) {
      const cursor = this.waiting[0]!;
      const { batch } = cursor;
      const ref = batch.refs[batch.tasks[cursor.next]!]!;
      // Load first, then run: jobs started on a pending import would all run in one chain of
      // microtasks, and none of their results could be sent until the last had finished.
      // Checked once per ref (a batch shares one per task), not once per job.
      if (!this.checkedRefs.has(ref)) {
        this.checkedRefs.add(ref);
        if (!loadedTask(ref)) {
          this.loading = true;
          const resume = () => {
            this.loading = false;
            this.pump();
            this.flush();
          };
          void loadTask(ref).then(resume, resume);
          return;
        }
      }
      const index = cursor.next++;
      if (cursor.next >= batch.ids.length) this.waiting.shift();
      const id = batch.ids[index]!;
      const args = batch.args.subarray(batch.offsets[index], batch.offsets[index + 1]);
      const result = runJob(ref, args);
      if (result instanceof Promise) {
        this.active++;
        void result.then((settled) => this.finishAsync(id, settled));
      } else {
        this.record(id, result);
        if (result.endedAt - this.lastFlushAt >= FLUSH_INTERVAL_MS) this.flush();
      }
    }
  }

  private finishAsync(id: number, result: JobResult): void {
    this.active--;
    this.record(id, result);
    this.pump();
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // Whatever else finishes in this turn of the event loop goes in the same message.
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  private record(id: number, result: JobResult): void {
    this.ids.push(id);
    this.times.push(result.startedAt, result.endedAt);
    if (result.ok) {
      this.ok.push(1);
      this.values.append(result.value);
    } else {
      this.ok.push(0);
      this.values.append(undefined);
      this.errors.push(result.error);
    }
  }

  /** Sends the results finished so far; a runner left with nothing to do may then collect its garbage. */
  private flush(): void {
    this.send();
    if (this.idle) this.collector.idle();
  }

  private send(): void {
    this.lastFlushAt = jobClock();
    if (this.ids.length === 0) return;
    if (this.postPacked && this.errors.length === 0) {
      const packed = packResultParts(this.ids, this.ok, this.times, this.values);
      this.ids.length = 0;
      this.ok.length = 0;
      this.times.length = 0;
      this.postPacked(packed);
      return;
    }
    const { bytes, offsets } = this.values.take();
    const message: ResultMessage = {
      type: 'results',
      ids: Float64Array.from(this.ids),
      ok: Uint8Array.from(this.ok),
      values: bytes,
      offsets,
      times: Float64Array.from(this.times),
      errors: this.errors.splice(0),
    };
    this.ids.length = 0;
    this.ok.length = 0;
    this.times.length = 0;
    this.post(message);
  }
}
