// Live updates for open pages. The store is the one source every process shares, so a poller reads
// it while anyone listens (cheap reads: the running and the newest executions with their counts) and
// reports each execution whose state changed. A scheduler in the same process (`baton run --ui`)
// also hands its events over directly, which makes the page follow without waiting for the poll.
import type { ExecutionRecord } from '../store/index.ts';
import type { SchedulerEvent } from '../scheduler/index.ts';
import { signature, summarize, type DashboardData, type ExecutionSummary } from './data.ts';

export type LiveMessage =
  | { type: 'execution'; execution: ExecutionSummary }
  | {
      type: 'job';
      event: 'queued' | 'started' | 'finished' | 'cached' | 'failed' | 'retried' | 'cancelled';
      executionId: string;
      jobId: string;
      taskName: string;
      time: number;
    };

export type LiveListener = (message: LiveMessage) => void;

export interface LiveFeedOptions {
  /** ms between two reads of the store while someone listens. @default 1000 */
  interval?: number | undefined;
  /** Called when a read of the store fails (the poller carries on). */
  onError?: ((error: unknown) => void) | undefined;
}

/** Running executions looked at per poll, and the newest ones (to see new and finished runs). */
const RUNNING_LIMIT = 100;
const NEWEST_LIMIT = 20;
/** After an in-process event, how soon the counts are read again. */
const EVENT_POLL_DELAY = 150;

export class LiveFeed {
  private readonly data: DashboardData;
  private readonly interval: number;
  private readonly onError: ((error: unknown) => void) | undefined;
  private readonly listeners = new Set<LiveListener>();
  private readonly known = new Map<string, { signature: string; running: boolean }>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private baseline = false;
  private closed = false;

  constructor(data: DashboardData, options: LiveFeedOptions = {}) {
    this.data = data;
    this.interval = options.interval ?? 1000;
    this.onError = options.onError;
  }

  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.schedule(0);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** A scheduler event from this process: passed on at once, and the counts read soon after. */
  publish(event: SchedulerEvent): void {
    if (this.listeners.size === 0) return;
    if ('jobId' in event && event.type !== 'would-run') {
      this.emit({
        type: 'job',
        event: event.type,
        executionId: event.executionId,
        jobId: event.jobId,
        taskName: event.taskName,
        time: event.time,
      });
    }
    if (this.timer === undefined || this.polling !== undefined) return;
    clearTimeout(this.timer);
    this.schedule(EVENT_POLL_DELAY);
  }

  /** Reads the store once and reports what changed since the last read; resolves when done. */
  poll(): Promise<void> {
    this.polling ??= this.readChanges().finally(() => (this.polling = undefined));
    return this.polling;
  }

  close(): void {
    this.closed = true;
    this.stop();
    this.listeners.clear();
  }

  private stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.known.clear();
    this.baseline = false;
  }

  private schedule(delay: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      void this.poll().then(() => {
        if (this.listeners.size > 0) this.schedule(this.interval);
      });
    }, delay);
  }

  private async readChanges(): Promise<void> {
    try {
      const store = this.data.store;
      const [running, newest] = await Promise.all([
        store.listExecutions({ status: 'running', limit: RUNNING_LIMIT }),
        store.listExecutions({ limit: NEWEST_LIMIT }),
      ]);
      const seen = new Map<string, ExecutionRecord>();
      for (const e of [...running, ...newest]) seen.set(e.id, e);
      // Executions that were running and dropped out of both lists: read once more for their end.
      for (const [id, last] of this.known) {
        if (!last.running || seen.has(id)) continue;
        const e = await store.getExecution(id);
        if (e) seen.set(id, e);
      }
      for (const [id, e] of seen) {
        const sig = signature(e);
        if (this.known.get(id)?.signature === sig) continue;
        this.known.set(id, { signature: sig, running: e.status === 'running' });
        if (this.baseline) this.emit({ type: 'execution', execution: summarize(e) });
      }
      for (const id of [...this.known.keys()]) if (!seen.has(id)) this.known.delete(id);
      this.baseline = true;
    } catch (error) {
      this.onError?.(error);
    }
  }

  private emit(message: LiveMessage): void {
    for (const listener of this.listeners) listener(message);
  }
}
