// The executor plugin interface (DESIGN.md section 3).
import type { ResolvedTaskOptions } from '../task/options.ts';

/** Which task a job runs, and where its code is. */
export interface TaskRef {
  /** File URL of the module that defines the task (remote executors map it onto the code package). */
  module: string;
  name: string;
  /** The task hash the scheduler computed; the far side checks it matches the code it loaded. */
  hash: string;
}

/** One call of one task, ready to run. */
export interface JobRequest {
  jobId: string;
  /** Task hash + args hash: the cache key, scratch folder name and remote job name. */
  evalHash: string;
  task: TaskRef;
  /** The arguments, encoded with the value codec as one array. */
  args: Uint8Array;
  options: ResolvedTaskOptions;
  /** 1 for the first attempt. */
  attempt: number;
  /** A speculative backup of a straggler: run it before jobs that are still waiting. */
  urgent?: boolean | undefined;
}

/** How a job failed, as plain data that crosses process and machine boundaries. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string | undefined;
  /**
   * `application`: the task threw; `system`: the job was lost (worker died, node failed);
   * `timeout`: it ran past its time limit; `memory`: killed for memory; `cancelled`.
   */
  kind: 'application' | 'system' | 'timeout' | 'memory' | 'cancelled';
  /** Extra fields of the thrown error that survived encoding (e.g. `code`). */
  props?: Record<string, unknown> | undefined;
  /** The last lines the job printed, where the executor can get them. */
  logTail?: string | undefined;
}

export type JobOutcome =
  | { ok: true; value: Uint8Array; startedAt?: number; endedAt?: number }
  | { ok: false; error: SerializedError; startedAt?: number; endedAt?: number };

/** Something an executor reports while a job runs. */
export type ExecutorEvent =
  { type: 'job-started'; jobId: string; worker?: string } | { type: 'log'; jobId?: string; line: string };

export interface ExecutorLogger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

export interface ExecutorContext {
  /** Directory the workflow was started from; relative paths in options resolve against it. */
  cwd: string;
  /** The config root (the folder of baton.toml, else the working directory): what code packages hold. */
  root: string;
  logger: ExecutorLogger;
  emit(event: ExecutorEvent): void;
}

export interface Executor {
  readonly name: string;
  /** How many jobs the scheduler may hand over at once; more wait in the scheduler's queue. */
  readonly maxInFlight: number;
  start(ctx: ExecutorContext): Promise<void>;
  run(job: JobRequest, signal: AbortSignal): Promise<JobOutcome>;
  stop(): Promise<void>;
  /** Resolved options with secrets redacted, for `baton executors`. */
  describe(): Record<string, unknown>;
}

/** Options of one `[executors.NAME]` section, after validation. */
export interface ExecutorConfig {
  type: string;
  [key: string]: unknown;
}

/** Builds an executor from its validated config section. */
export type ExecutorFactory = (name: string, config: ExecutorConfig) => Executor;

/**
 * Validates the options of one executor section. Throws or returns the cleaned options;
 * `issues` names each bad key so the config loader can point at file, section and key.
 */
export type ExecutorOptionsValidator = (
  options: Record<string, unknown>,
) =>
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; issues: Array<{ key: string; message: string }> };

export interface ExecutorRegistration {
  type: string;
  create: ExecutorFactory;
  validate?: ExecutorOptionsValidator | undefined;
}
