export { Scheduler, type SchedulerOptions, type RunOptions, type DryRunReport } from './scheduler.ts';
export { run, markWorkerContext } from './run.ts';
export { WOULD_RUN, type CacheMode } from './execution.ts';
export { MAX_SYSTEM_RETRIES, retryDelay } from './attempts.ts';
export type { SchedulerEvent, JobEvent, ExecutionEvent } from './events.ts';
