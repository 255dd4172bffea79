import type { SerializedError } from '../executors/index.ts';

/** What happened to one job. `started` means an executor began running it. */
export interface JobEvent {
  type: 'queued' | 'started' | 'finished' | 'cached' | 'failed' | 'retried' | 'cancelled' | 'would-run';
  executionId: string;
  jobId: string;
  taskName: string;
  evalHash: string;
  executor: string;
  attempt: number;
  /** ms since the epoch */
  time: number;
  error?: SerializedError | undefined;
  /** For `retried`: seconds until the next attempt. */
  delay?: number | undefined;
}

export interface ExecutionEvent {
  type: 'execution-started' | 'execution-finished';
  executionId: string;
  taskName: string;
  time: number;
  status?: 'done' | 'failed' | 'cancelled';
}

export type SchedulerEvent = JobEvent | ExecutionEvent;
