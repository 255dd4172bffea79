export { registerExecutor, resolveExecutorType } from './registry.ts';
export type {
  Executor,
  ExecutorConfig,
  ExecutorContext,
  ExecutorEvent,
  ExecutorFactory,
  ExecutorLogger,
  ExecutorOptionsValidator,
  ExecutorRegistration,
  JobOutcome,
  JobRequest,
  SerializedError,
  TaskRef,
} from './types.ts';
