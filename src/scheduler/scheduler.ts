import { argv as processArgv } from 'node:process';
import { encodeValue } from '../codec/index.ts';
import { loadConfig, taskDefaultsFromExecutor, type BatonConfig } from '../config/index.ts';
import { CancelledError, ConfigError } from '../errors.ts';
import {
  resolveExecutorType,
  type Executor,
  type ExecutorEvent,
  type ExecutorLogger,
} from '../executors/index.ts';
import { backendStoreOptions, newId, openStore, type Store } from '../store/index.ts';
import { CallExpr, type Expr, type TaskOptions } from '../task/index.ts';
import type { JobRunner } from './attempts.ts';
import { refusedRun } from './context.ts';
import type { SchedulerEvent } from './events.ts';
import { Execution, WOULD_RUN, type CacheMode } from './execution.ts';
import { Slots } from './limiter.ts';
import { PreparedTasks } from './prepared.ts';
import { Speculator, type SpeculationOptions } from './speculation.ts';
import { unrecorded } from './unrecorded.ts';
import { watchExecution } from './watch.ts';
import { preview } from './preview.ts';

export interface SchedulerOptions {
  /** A loaded configuration, or the path of a baton.toml. @default found from cwd, else embedded defaults */
  config?: BatonConfig | string;
  /** An open store; otherwise the one `[backend] db` names is opened (and closed by `close()`). */
  store?: Store;
  /** @default process.cwd() */
  cwd?: string;
  /** Where executors' messages go. @default warnings to stderr */
  logger?: ExecutorLogger;
}

export interface RunOptions {
  /** `backend` reuses results of earlier runs; `execution` only within this run; `none` reruns everything. @default 'backend' */
  cache?: CacheMode;
  /** Evaluate only as far as the cache allows and report what would run. */
  dryRun?: boolean;
  /** Aborting cancels the run and its in-flight jobs. */
  signal?: AbortSignal;
  onEvent?: (event: SchedulerEvent) => void;
  /** Options that override every task's, as `baton run -o key=value` does. */
  overrides?: TaskOptions;
  /**
   * `false`: the run leaves no record (no execution, jobs, values or cache entries; `baton log` does
   * not list it) and its results are not cached for later runs. It still reads the cache. @default true
   */
  provenance?: boolean;
  /** Recorded with the execution. @default process.argv */
  argv?: string[];
  /**
   * The id to record the execution under: a new one from `newId()` (from the store), made before
   * the run so that another process can know it (`baton run --detach`). @default a new id
   */
  executionId?: string;
  /**
   * Backup attempts for jobs that run far longer than most (map turns this on); tasks with
   * `idempotent: false` never get one. @default off for run(), on for map()
   */
  speculation?: SpeculationOptions | false;
}

export interface DryRunReport {
  executionId: string;
  /** Calls that would run, in the order they were reached. */
  wouldRun: Array<{ taskName: string; evalHash: string }>;
  cached: number;
  /** The result, when everything was cached. */
  value?: unknown;
}

/** One execution in progress: expressions evaluated in it are recorded as one run. */
export interface RunSession {
  readonly id: string;
  /** Aborted when the run is cancelled or has failed. */
  readonly signal: AbortSignal;
  readonly wouldRun: DryRunReport['wouldRun'];
  /** Calls served from the cache so far. */
  cachedCalls(): number;
  evaluate(expr: unknown): Promise<unknown>;
  /** `evaluate`, with the hash of the value's stored encoding when it is a task call's result. */
  evaluateRoot(expr: unknown): Promise<{ value: unknown; valueHash: string | undefined }>;
  /** Records the run as done with `value` as its result (stored under `valueHash` when given). */
  finish(value: unknown, valueHash?: string): void;
  /** Cancels what is in flight, records the failure, and throws `error`. */
  fail(error: unknown): Promise<never>;
  /** Ends a dry run (nothing is recorded). */
  end(): void;
}

interface StartedExecutor {
  executor: Executor;
  slots: Slots;
}

const stderrLogger: ExecutorLogger = {
  info: () => undefined,
  debug: () => undefined,
  warn: (message) => process.stderr.write(`baton: ${message}\n`),
};

/** Evaluates expressions: hashing, caching, and sending jobs to the configured executors. */
export class Scheduler {
  private readonly options: SchedulerOptions;
  private configLoaded: Promise<BatonConfig> | undefined;
  private storeOpened: Promise<Store> | undefined;
  /** The two above once settled, so a run does not wait a turn for each. */
  private ready: { config: BatonConfig; store: Store } | undefined;
  private readonly executors = new Map<string, Promise<StartedExecutor>>();
  /** The executors that have started, by name, for the jobs that follow the first. */
  private readonly started = new Map<string, StartedExecutor>();
  private readonly tracked = new Map<string, () => void>();
  /** Resolved task options and hashes, per set of `-o` overrides (the key `this` stands for none). */
  private readonly prepared = new WeakMap<object, PreparedTasks>();

  constructor(options: SchedulerOptions = {}) {
    this.options = options;
  }

  get cwd(): string {
    return this.options.cwd ?? process.cwd();
  }

  config(): Promise<BatonConfig> {
    const given = this.options.config;
    if (!this.configLoaded) {
      this.configLoaded =
        typeof given === 'object'
          ? Promise.resolve(given)
          : loadConfig({ configPath: given, cwd: this.cwd, env: process.env });
    }
    return this.configLoaded;
  }

  store(): Promise<Store> {
    if (!this.storeOpened) {
      this.storeOpened = this.options.store
        ? Promise.resolve(this.options.store)
        : this.config().then((config) => openStore(config.backend.db, backendStoreOptions(config)));
    }
    return this.storeOpened;
  }

  /** Evaluates `expr` and gives its value; inert while Baton imports a workflow module, as `run()` is. */
  run<R>(expr: Expr<R> | R, options?: RunOptions & { dryRun?: false }): Promise<R>;
  run<R>(expr: Expr<R> | R, options: RunOptions & { dryRun: true }): Promise<DryRunReport>;
  async run<R>(expr: Expr<R> | R, options: RunOptions = {}): Promise<R | DryRunReport> {
    const refused = refusedRun('Scheduler.run()');
    if (refused) return refused;
    const session = await this.begin(
      expr instanceof CallExpr ? expr.task.name : '<expression>',
      expr instanceof CallExpr ? preview(expr.args) : '',
      options,
    );
    let value: unknown;
    let valueHash: string | undefined;
    try {
      ({ value, valueHash } = await session.evaluateRoot(expr));
    } catch (error) {
      return session.fail(error);
    }
    if (options.dryRun) {
      const report: DryRunReport = {
        executionId: session.id,
        wouldRun: session.wouldRun,
        cached: session.cachedCalls(),
      };
      if (value !== WOULD_RUN) report.value = value;
      session.end();
      return report;
    }
    session.finish(value, valueHash);
    return value as R;
  }

  /**
   * Starts an execution that evaluates expressions as they are given (map() gives one per item) and
   * records them as one run. The caller ends it with `finish`, `fail` or (dry runs) `end`.
   */
  async begin(taskName: string, argsPreview: string, options: RunOptions = {}): Promise<RunSession> {
    if (!this.ready) {
      const config = await this.config();
      this.ready = { config, store: await this.store() };
    }
    const { config, store: opened } = this.ready;
    const recorded = options.provenance !== false;
    const store = recorded ? opened : unrecorded(opened);
    const id = options.executionId ?? newId();
    const controller = new AbortController();
    const onAbort = () => controller.abort(options.signal?.reason);
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const wouldRun: DryRunReport['wouldRun'] = [];
    let cachedCalls = 0;
    const emit = (event: SchedulerEvent) => {
      if (event.type === 'would-run') wouldRun.push({ taskName: event.taskName, evalHash: event.evalHash });
      else if (event.type === 'cached') cachedCalls++;
      options.onEvent?.(event);
    };
    const execution = new Execution({
      id,
      store,
      cacheMode: options.cache ?? 'backend',
      dryRun: options.dryRun ?? false,
      prepared: this.preparedTasks(config, options.overrides),
      runner: this.runner(),
      signal: controller.signal,
      emit,
      listening: options.onEvent !== undefined,
      newId,
      speculation: options.speculation ? new Speculator(options.speculation) : undefined,
    });
    if (!options.dryRun) {
      store.putExecution({
        id,
        taskName,
        argsPreview,
        status: 'running',
        startedAt: Date.now(),
        cwd: this.cwd,
        argv: options.argv ?? processArgv.slice(1),
        host: Execution.host(),
        pid: process.pid,
      });
    }
    // `baton cancel` reaches a recorded run through the store, from any host that shares it.
    const unwatch =
      recorded && !options.dryRun
        ? watchExecution(store, id, (reason) => controller.abort(reason))
        : () => undefined;
    emit({ type: 'execution-started', executionId: id, taskName, time: Date.now() });
    const end = () => {
      unwatch();
      options.signal?.removeEventListener('abort', onAbort);
    };
    return {
      id,
      signal: controller.signal,
      wouldRun,
      // A method, not a getter: an object literal with an accessor is built on V8's slow path (~0.5 µs).
      cachedCalls: () => cachedCalls,
      evaluate: (expr) => execution.evaluate(expr, undefined),
      evaluateRoot: (expr) => execution.evaluateRoot(expr),
      end,
      finish: (value, valueHash) => {
        if (recorded) {
          store.updateExecution(id, {
            status: 'done',
            endedAt: Date.now(),
            resultHash: valueHash ?? store.putValue(encodeValue(value)),
          });
        }
        emit({ type: 'execution-finished', executionId: id, taskName, time: Date.now(), status: 'done' });
        end();
      },
      fail: async (error) => {
        try {
          const status =
            error instanceof CancelledError || controller.signal.aborted ? 'cancelled' : 'failed';
          controller.abort(error); // fail fast: in-flight jobs are not needed any more
          await this.drain();
          if (!options.dryRun) {
            const failure = error instanceof Error ? error : new Error(String(error));
            store.updateExecution(id, {
              status,
              endedAt: Date.now(),
              error: {
                name: failure.name,
                message: failure.message,
                stack: failure.stack,
                kind: 'application',
              },
            });
          }
          emit({ type: 'execution-finished', executionId: id, taskName, time: Date.now(), status });
          // The failure is committed before the caller looks for it; a store fault must not hide the task's error.
          await store.flush().catch(() => undefined);
        } finally {
          end();
        }
        throw error;
      },
    };
  }

  /**
   * Waits until the records of every finished run are committed. `run()` gives its value as soon as it
   * is computed and writes behind it (within the store's flush interval, 25 ms by default); call this
   * when another process must see the records at once. `close()` flushes too.
   */
  async flush(): Promise<void> {
    if (this.storeOpened) await (await this.storeOpened).flush();
  }

  private preparedTasks(config: BatonConfig, overrides: TaskOptions | undefined): PreparedTasks {
    let prepared = this.prepared.get(overrides ?? this);
    if (!prepared) {
      const defaults = (name: string) => {
        const section = config.executors[name];
        return section ? taskDefaultsFromExecutor(section) : undefined;
      };
      this.prepared.set(overrides ?? this, (prepared = new PreparedTasks(defaults, overrides)));
    }
    return prepared;
  }

  /** Stops the executors and closes the store this scheduler opened. */
  async close(): Promise<void> {
    const started = await Promise.allSettled(this.executors.values());
    this.executors.clear();
    this.started.clear();
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.executor.stop() : undefined)));
    if (this.storeOpened && !this.options.store) await (await this.storeOpened).close();
    else await this.flush();
  }

  /** Waits (briefly) until cancelled jobs have reported back. */
  private async drain(): Promise<void> {
    for (let waited = 0; this.tracked.size > 0 && waited < 10_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private runner(): JobRunner {
    return {
      executor: (name, taskName) => this.executor(name, taskName),
      startedExecutor: (name) => this.started.get(name),
      track: (jobId, onStarted) => this.tracked.set(jobId, onStarted),
      untrack: (jobId) => this.tracked.delete(jobId),
    };
  }

  private executor(name: string, taskName: string): Promise<StartedExecutor> {
    const known = this.executors.get(name);
    if (known) return known;
    const started = this.startExecutor(name, taskName);
    this.executors.set(name, started);
    started.then(
      (ready) => {
        // Not if close() came first: a closed scheduler starts its executors again.
        if (this.executors.get(name) === started) this.started.set(name, ready);
      },
      () => this.executors.delete(name),
    );
    return started;
  }

  private async startExecutor(name: string, taskName: string): Promise<StartedExecutor> {
    const config = await this.config();
    const section = config.executors[name];
    if (!section) {
      throw new ConfigError(
        `task ${taskName} names executor '${name}', which ${config.file ? `${config.file} does not define` : 'is not configured (no baton.toml found)'}`,
        { file: config.file, section: `executors.${name}`, key: 'executor' },
        {
          hint: `define [executors.${name}] in baton.toml, or use one of: ${Object.keys(config.executors).join(', ')}`,
        },
      );
    }
    const registration = await resolveExecutorType(section.type, {
      file: config.file,
      section: `executors.${name}`,
      baseDir: config.root,
    });
    const executor = registration.create(name, section);
    await executor.start({
      cwd: this.cwd,
      root: config.root,
      logger: this.options.logger ?? stderrLogger,
      emit: (event: ExecutorEvent) => {
        if (event.type === 'job-started') this.tracked.get(event.jobId)?.();
        else (this.options.logger ?? stderrLogger).info(event.line);
      },
    });
    const limit = typeof section.max_jobs === 'number' ? section.max_jobs : executor.maxInFlight;
    return { executor, slots: new Slots(limit) };
  }
}
