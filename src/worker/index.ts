// What runs on the far side of an executor: module loading, running jobs and batches of jobs, and
// the entry points of the local executor's worker threads and processes.
export { loadTask, loadedTask, preloadModules } from './load.ts';
export { runJob, type JobResult } from './run-job.ts';
export { BatchRunner, DEFAULT_CONCURRENCY } from './batch-runner.ts';
export { captureOutput } from './output.ts';
export {
  JOB_INPUT_FORMAT,
  JobFiles,
  decodeJobInput,
  encodeJobInput,
  type JobCode,
  type JobInput,
  type JobState,
  type JobStatus,
} from './job-files.ts';
export {
  LARGE_VALUE_BYTES,
  getLargeValue,
  packArgs,
  putLargeValue,
  unpackArgs,
  valueKey,
  type PackedArgs,
} from './large-values.ts';
export { runOneshot, type OneshotOptions, type OneshotResult } from './oneshot.ts';
export {
  ARRAY_INDEX_VARIABLES,
  arrayIndexFromEnv,
  formatJobList,
  jobListElement,
  runOneshotList,
  type OneshotListOptions,
} from './job-list.ts';
export {
  ByteWriter,
  packBytes,
  transferList,
  type BatchMessage,
  type OutputMessage,
  type ReadyMessage,
  type ResultMessage,
  type WireTaskRef,
  type WorkerMessage,
} from './protocol.ts';
export { packBatch, packResultParts, packResults, unpackBatch, unpackResults } from './packed.ts';

// Built to dist/ the entry files end in .js; keep the extension this file was loaded with.
const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** The module a local executor worker thread runs. */
export const THREAD_ENTRY: URL = new URL(`./thread-entry${extension}`, import.meta.url);
/** The module a local executor worker process runs. */
export const PROCESS_ENTRY: URL = new URL(`./process-entry${extension}`, import.meta.url);
