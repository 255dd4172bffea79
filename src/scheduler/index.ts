export {
  Scheduler,
  type SchedulerOptions,
  type RunOptions,
  type DryRunReport,
  type RunSession,
} from './scheduler.ts';
export { run } from './run.ts';
export { markWorkerContext } from './context.ts';
export { Speculator, type SpeculationOptions } from './speculation.ts';
export { WOULD_RUN, type CacheMode } from './execution.ts';
export { MAX_SYSTEM_RETRIES, retryDelay } from './attempts.ts';
export { preview } from './preview.ts';
export type { SchedulerEvent, JobEvent, ExecutionEvent } from './events.ts';
