// One small hierarchy of typed errors. Each class has a stable `name` and `code`, and `instanceof`
// works across worker threads, child processes (after deserialization) and duplicate copies of
// the package, because membership is decided by a registered symbol rather than by prototype identity.

const brandKey = (name: string) => Symbol.for(`baton.error.${name}`);

function brand(cls: { prototype: object; name: string }, name: string): void {
  const key = brandKey(name);
  Object.defineProperty(cls.prototype, key, { value: true, enumerable: false });
  Object.defineProperty(cls, Symbol.hasInstance, {
    value: (instance: unknown) =>
      typeof instance === 'object' &&
      instance !== null &&
      (instance as Record<symbol, unknown>)[key] === true,
  });
}

export interface BatonErrorOptions {
  cause?: unknown;
  /** What the user can do about it, shown after the message. */
  hint?: string;
}

export class BatonError extends Error {
  readonly code: string = 'BATON_ERROR';
  readonly hint: string | undefined;
  constructor(message: string, options: BatonErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
  }
  override get name(): string {
    return 'BatonError';
  }
}
brand(BatonError, 'BatonError');

/** A problem in baton.toml or in the options given to a task or executor. */
export class ConfigError extends BatonError {
  override readonly code: string = 'CONFIG_ERROR';
  readonly file: string | undefined;
  readonly section: string | undefined;
  readonly key: string | undefined;
  constructor(
    message: string,
    where: { file?: string; section?: string; key?: string } = {},
    options: BatonErrorOptions = {},
  ) {
    super(message, options);
    this.file = where.file;
    this.section = where.section;
    this.key = where.key;
  }
  override get name(): string {
    return 'ConfigError';
  }
}
brand(ConfigError, 'ConfigError');

/** The command line was used wrongly: unknown parameter, missing argument, unknown command. */
export class UsageError extends BatonError {
  override readonly code: string = 'USAGE_ERROR';
  override get name(): string {
    return 'UsageError';
  }
}
brand(UsageError, 'UsageError');

/** The workflow itself is at fault: missing file, syntax error, unknown or duplicate task. */
export class WorkflowError extends BatonError {
  override readonly code: string = 'WORKFLOW_ERROR';
  override get name(): string {
    return 'WorkflowError';
  }
}
brand(WorkflowError, 'WorkflowError');

/** A value cannot be hashed or carried between processes; `path` names where it sits. */
export class SerializationError extends BatonError {
  override readonly code: string = 'SERIALIZATION_ERROR';
  readonly path: string;
  constructor(message: string, path: string, options: BatonErrorOptions = {}) {
    super(message, options);
    this.path = path;
  }
  override get name(): string {
    return 'SerializationError';
  }
}
brand(SerializationError, 'SerializationError');

/** A task body threw. Carries the remote error's name, message and stack as they were. */
export class TaskError extends BatonError {
  override readonly code: string = 'TASK_ERROR';
  readonly taskName: string;
  /** Where the call sits in the graph, e.g. `main → train(rows, 0.5)`. */
  readonly callPath: string;
  readonly remoteName: string;
  readonly remoteMessage: string;
  readonly remoteStack: string | undefined;
  constructor(
    info: { taskName: string; callPath: string; name: string; message: string; stack?: string | undefined },
    options: BatonErrorOptions = {},
  ) {
    super(`task ${info.taskName} failed at ${info.callPath}: ${info.name}: ${info.message}`, options);
    this.taskName = info.taskName;
    this.callPath = info.callPath;
    this.remoteName = info.name;
    this.remoteMessage = info.message;
    this.remoteStack = info.stack;
    if (info.stack) this.stack = `${this.name}: ${this.message}\n--- original stack ---\n${info.stack}`;
  }
  override get name(): string {
    return 'TaskError';
  }
}
brand(TaskError, 'TaskError');

/** The executor could not run a job: a worker died, the engine is missing, submission failed. */
export class ExecutorError extends BatonError {
  override readonly code: string = 'EXECUTOR_ERROR';
  readonly executor: string | undefined;
  /** System failures are retried without charging the task's own attempts. */
  readonly retryable: boolean;
  constructor(
    message: string,
    where: { executor?: string; retryable?: boolean } = {},
    options: BatonErrorOptions = {},
  ) {
    super(message, options);
    this.executor = where.executor;
    this.retryable = where.retryable ?? false;
  }
  override get name(): string {
    return 'ExecutorError';
  }
}
brand(ExecutorError, 'ExecutorError');

/** A job ran past its time limit. */
export class TimeoutError extends BatonError {
  override readonly code: string = 'TIMEOUT_ERROR';
  override get name(): string {
    return 'TimeoutError';
  }
}
brand(TimeoutError, 'TimeoutError');

/** The run or a job was cancelled (AbortSignal, Ctrl-C, `baton cancel`). */
export class CancelledError extends BatonError {
  override readonly code: string = 'CANCELLED';
  override get name(): string {
    return 'CancelledError';
  }
}
brand(CancelledError, 'CancelledError');

/** The database or value store failed or holds something it should not. */
export class StoreError extends BatonError {
  override readonly code: string = 'STORE_ERROR';
  override get name(): string {
    return 'StoreError';
  }
}
brand(StoreError, 'StoreError');

/**
 * A database server cannot be reached or refuses us. Names the server and database, never the
 * password; `reason` says which, for code that wants to retry only when the server is unreachable.
 */
export class StoreConnectionError extends StoreError {
  override readonly code: string = 'STORE_CONNECTION_ERROR';
  readonly reason: 'unreachable' | 'authentication' | 'no-database' | 'permission';
  /** `user@host:port/database`, without the password. */
  readonly target: string;
  constructor(
    message: string,
    where: { reason: StoreConnectionError['reason']; target: string },
    options: BatonErrorOptions = {},
  ) {
    super(message, options);
    this.reason = where.reason;
    this.target = where.target;
  }
  override get name(): string {
    return 'StoreConnectionError';
  }
}
brand(StoreConnectionError, 'StoreConnectionError');

/** Scratch space (a folder or object storage) cannot be reached, read or written. */
export class ScratchError extends BatonError {
  override readonly code: string = 'SCRATCH_ERROR';
  /** The scratch's URI or path, and the key at fault when there is one. */
  readonly uri: string;
  readonly key: string | undefined;
  constructor(message: string, where: { uri: string; key?: string }, options: BatonErrorOptions = {}) {
    super(message, options);
    this.uri = where.uri;
    this.key = where.key;
  }
  override get name(): string {
    return 'ScratchError';
  }
}
brand(ScratchError, 'ScratchError');

/**
 * A script task's command failed, or did not write an output it declares. Thrown in the worker; the
 * scheduler reports it as a TaskError whose `remoteName` is `ScriptError` and whose message holds the
 * exit code, the working directory that was kept and the tail of stderr.
 */
export class ScriptError extends BatonError {
  override readonly code: string = 'SCRIPT_ERROR';
  readonly script: string;
  /** The command's exit code; null when a signal ended it. */
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stderrTail: string;
  /** The working directory, kept for a look. */
  readonly workDir: string;
  constructor(
    message: string,
    info: {
      script: string;
      exitCode: number | null;
      signal: string | null;
      stderrTail: string;
      workDir: string;
    },
    options: BatonErrorOptions = {},
  ) {
    const tail = info.stderrTail === '' ? '' : `\n--- stderr (last lines) ---\n${info.stderrTail}`;
    super(`${message}${tail}`, options);
    this.script = info.script;
    this.exitCode = info.exitCode;
    this.signal = info.signal;
    this.stderrTail = info.stderrTail;
    this.workDir = info.workDir;
  }
  override get name(): string {
    return 'ScriptError';
  }
}
brand(ScriptError, 'ScriptError');
