// Public API of the `baton` package: re-exports only.
export {
  task,
  script,
  cond,
  catchError,
  seq,
  Expr,
  isExpr,
  type Task,
  type TaskOptions,
  type RetryPolicy,
  type Locality,
  type Lazy,
  type Unlazy,
  type CaughtError,
  type ScriptOptions,
  type ScriptArgs,
  type ScriptResult,
  type ScriptValue,
} from './task/index.ts';
export { File, Dir, type FileOptions, type HashMode } from './files/index.ts';
export {
  run,
  Scheduler,
  type SchedulerOptions,
  type RunOptions,
  type DryRunReport,
  type CacheMode,
  type SchedulerEvent,
  type JobEvent,
  type ExecutionEvent,
} from './scheduler/index.ts';
export {
  map,
  mapAll,
  mapIndexed,
  Stage,
  Pipeline,
  executePipelines,
  type ItemRange,
  type MapEvent,
  type MapOptions,
  type ParallelPipelines,
  type PipelineResults,
} from './map/index.ts';
export { registerValueCodec, type ValueCodec } from './codec/index.ts';
export {
  BatonError,
  ConfigError,
  UsageError,
  WorkflowError,
  SerializationError,
  TaskError,
  ExecutorError,
  TimeoutError,
  CancelledError,
  StoreError,
  StoreConnectionError,
  ScriptError,
  ScratchError,
} from './errors.ts';
export {
  registerExecutor,
  type Executor,
  type ExecutorConfig,
  type ExecutorContext,
  type ExecutorFactory,
  type ExecutorRegistration,
  type JobRequest,
  type JobOutcome,
  type SerializedError,
} from './executors/index.ts';
// Straight from the file, not the fleet folder's index: that one loads BullMQ, which only fleet users need.
export { awaitWorkers, type AwaitWorkersOptions } from './executors/fleet/await.ts';
export type { WorkerInfo } from './executors/fleet/workers.ts';
