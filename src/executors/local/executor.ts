// The `local` executor: runs jobs on a pool of worker threads or child processes on this machine.
import type { Executor, ExecutorContext, JobOutcome, JobRequest } from '../types.ts';
import type { LocalOptions } from './options.ts';
import { cancelledOutcome } from '../outcomes.ts';
import { HIGH_WATER, LocalPool } from './pool.ts';
import { processRuntime } from './process-runtime.ts';
import type { PendingJob } from './queue.ts';
import { threadRuntime } from './thread-runtime.ts';

interface Watched {
  readonly jobs: Set<PendingJob>;
  readonly onAbort: () => void;
}

export interface LocalExecutorInternals {
  /** Where the workers' stdout and stderr go. @default process.stderr */
  output?: (chunk: Uint8Array) => void;
}

export class LocalExecutor implements Executor {
  readonly name: string;
  /** Enough for every worker to hold a batch running and one waiting; the scheduler queues the rest. */
  readonly maxInFlight: number;
  readonly options: LocalOptions;
  private readonly pool: LocalPool;
  private ctx: ExecutorContext | undefined;
  private stopped = false;
  // Many jobs share one signal (the run's): one listener per signal, not one per job.
  private readonly watched = new Map<AbortSignal, Watched>();

  constructor(name: string, options: LocalOptions, internals: LocalExecutorInternals = {}) {
    this.name = name;
    this.options = options;
    this.maxInFlight = options.max_workers * HIGH_WATER;
    this.pool = new LocalPool({
      runtime: options.mode === 'processes' ? processRuntime : threadRuntime,
      maxWorkers: options.max_workers,
      spinMicros: options.mode === 'threads' ? options.spin_us : 0,
      output: internals.output,
      onStarted: (pending, worker) =>
        this.ctx?.emit({ type: 'job-started', jobId: pending.job.jobId, worker }),
    });
  }

  async start(ctx: ExecutorContext): Promise<void> {
    this.ctx = ctx;
    this.stopped = false;
  }

  run(job: JobRequest, signal: AbortSignal): Promise<JobOutcome> {
    if (signal.aborted) return Promise.resolve(cancelledOutcome(job));
    if (this.stopped) return Promise.resolve(cancelledOutcome(job, 'was cancelled: the executor stopped'));
    return new Promise((resolve) => {
      const pending: PendingJob = {
        job,
        signal,
        settled: false,
        started: false,
        worker: undefined,
        timer: undefined,
        finish: (outcome) => {
          this.unwatch(pending);
          resolve(outcome);
        },
      };
      this.watch(pending);
      this.pool.enqueue(pending);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.pool.stop();
  }

  describe(): Record<string, unknown> {
    const { mode, max_workers, spin_us } = this.options;
    return { type: 'local', mode, max_workers, ...(mode === 'threads' ? { spin_us } : {}) };
  }

  private watch(pending: PendingJob): void {
    let entry = this.watched.get(pending.signal);
    if (!entry) {
      const jobs = new Set<PendingJob>();
      const onAbort = () => {
        this.watched.delete(pending.signal);
        for (const job of [...jobs]) this.pool.cancel(job);
      };
      entry = { jobs, onAbort };
      this.watched.set(pending.signal, entry);
      pending.signal.addEventListener('abort', onAbort, { once: true });
    }
    entry.jobs.add(pending);
  }

  private unwatch(pending: PendingJob): void {
    const entry = this.watched.get(pending.signal);
    if (!entry) return;
    entry.jobs.delete(pending);
    if (entry.jobs.size === 0) {
      pending.signal.removeEventListener('abort', entry.onAbort);
      this.watched.delete(pending.signal);
    }
  }
}
