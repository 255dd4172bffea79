// A job waiting for or running on a worker, and the queue jobs wait in.
import type { JobOutcome, JobRequest } from '../types.ts';

export interface PendingJob {
  readonly job: JobRequest;
  readonly signal: AbortSignal;
  /** Resolves `run()`'s promise; the pool calls it exactly once. */
  readonly finish: (outcome: JobOutcome) => void;
  settled: boolean;
  /** Reported as started: its worker is ready and nothing it must wait for is ahead of it there. */
  started: boolean;
  /** The worker running it, once it was sent to one. */
  worker: { readonly id: string } | undefined;
  timer: NodeJS.Timeout | undefined;
}

/** First in, first out (urgent jobs go first); a cancelled job stays in place and is skipped when reached. */
export class JobQueue {
  private items: Array<PendingJob | undefined> = [];
  private head = 0;
  /** Jobs still waiting (cancelled ones not counted). */
  size = 0;

  push(pending: PendingJob): void {
    this.items.push(pending);
    this.size++;
  }

  /** Puts a job first in line. */
  pushFront(pending: PendingJob): void {
    if (this.head > 0) this.items[--this.head] = pending;
    else this.items.unshift(pending);
    this.size++;
  }

  /** A waiting job was settled elsewhere (cancelled): it no longer counts. */
  forget(): void {
    this.size--;
  }

  /** Removes and returns up to `max` waiting jobs. */
  take(max: number): PendingJob[] {
    const taken: PendingJob[] = [];
    while (taken.length < max && this.head < this.items.length) {
      const pending = this.items[this.head];
      this.items[this.head++] = undefined;
      if (pending && !pending.settled) taken.push(pending);
    }
    this.size -= taken.length;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return taken;
  }
}
