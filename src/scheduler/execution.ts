// Evaluation of one expression graph: argument resolution, hashing, the call cache, dedupe of
// identical calls in flight, and results that are themselves expressions.
import { hostname } from 'node:os';
import { decodeValue, encodeArgs, encodeValue } from '../codec/index.ts';
import { CancelledError, WorkflowError } from '../errors.ts';
import { callHash, evalHash, hashArgs } from '../hash/index.ts';
import {
  CallExpr,
  CatchExpr,
  CondExpr,
  SeqExpr,
  getTask,
  importWorkflow,
  isTask,
  isUnresolved,
  type TaskDef,
} from '../task/index.ts';
import { runAttempts } from './attempts.ts';
import type { SchedulerEvent } from './events.ts';
import type { ExecutionSettings, JobNode } from './execution-types.ts';
import { toCaughtError, withCallPath } from './call-paths.ts';
import { ChildCallHashes } from './child-hashes.ts';
import { preview } from './preview.ts';
import type { Prepared } from './prepared.ts';
import { contains, hasExpr, mapExprs } from './values.ts';

export type { CacheMode, ExecutionSettings, JobNode } from './execution-types.ts';

/** Stands for a value a dry run would have to compute. */
export const WOULD_RUN: unique symbol = Symbol('baton.would-run');

interface CallResult {
  value: unknown;
  callHash: string;
  /** The hash of the value's stored encoding ('' when a dry run would compute it). */
  valueHash: string;
}

const HOST = hostname();

export class Execution {
  readonly settings: ExecutionSettings;
  private readonly inflight = new Map<string, Promise<CallResult>>();
  private readonly memo = new Map<string, CallResult>();
  private readonly recordedTasks = new Set<string>();

  constructor(settings: ExecutionSettings) {
    this.settings = settings;
  }

  /**
   * Evaluates the expression a run was given; for a task call, with the hash its value is stored
   * under, so the run's result is not encoded and hashed a second time.
   */
  async evaluateRoot(expr: unknown): Promise<{ value: unknown; valueHash: string | undefined }> {
    if (expr instanceof CallExpr && !this.settings.signal.aborted) {
      const { value, valueHash } = await this.call(expr, undefined);
      return { value, valueHash: valueHash || undefined };
    }
    return { value: await this.evaluate(expr, undefined), valueHash: undefined };
  }

  /** The value of `value` with every expression in it evaluated; `owned` lets it empty arrays as it goes. */
  evaluate(value: unknown, parent: JobNode | undefined, owned = false): Promise<unknown> {
    return mapExprs(value, (expr) => this.evaluateExpr(expr, parent), owned);
  }

  private async evaluateExpr(expr: unknown, parent: JobNode | undefined): Promise<unknown> {
    if (this.settings.signal.aborted) throw new CancelledError('the run was cancelled');
    if (expr instanceof CallExpr) return (await this.call(expr, parent)).value;
    if (expr instanceof CondExpr) {
      const predicate = await this.evaluate(expr.predicate, parent);
      if (predicate === WOULD_RUN) return WOULD_RUN;
      return this.evaluate(predicate ? expr.then : expr.otherwise, parent);
    }
    if (expr instanceof SeqExpr) {
      const values: unknown[] = [];
      for (const item of expr.items) values.push(await this.evaluate(item, parent));
      return values;
    }
    if (expr instanceof CatchExpr) return this.evaluateCatch(expr, parent);
    throw new WorkflowError('unknown kind of expression', {
      hint: 'expressions come from calling tasks, cond, catchError or seq',
    });
  }

  private async evaluateCatch(expr: CatchExpr<unknown>, parent: JobNode | undefined): Promise<unknown> {
    try {
      return await this.evaluate(expr.body, parent);
    } catch (error) {
      if (error instanceof CancelledError || this.settings.signal.aborted) throw error;
      const caught = toCaughtError(error);
      const handler = expr.handler;
      if (isTask(handler))
        return (await this.call(new CallExpr(handler.def, [caught], handler.overrides), parent)).value;
      if (typeof handler === 'function') return this.evaluate(await handler(caught), parent);
      return this.evaluate(handler, parent);
    }
  }

  /** Evaluates one task call: arguments, hash, cache, executor, returned expressions. */
  call(expr: CallExpr<unknown>, parent: JobNode | undefined): Promise<CallResult> {
    const args = expr.args;
    if (hasExpr(args)) {
      return this.evaluate(args, parent).then((resolved) =>
        this.callWithArgs(expr, resolved as unknown[], parent),
      );
    }
    return this.callWithArgs(expr, args, parent);
  }

  private async callWithArgs(
    expr: CallExpr<unknown>,
    args: readonly unknown[],
    parent: JobNode | undefined,
  ): Promise<CallResult> {
    const def = isUnresolved(expr.task) ? await loadTask(expr.task) : expr.task;
    if (this.settings.dryRun && contains(args, WOULD_RUN)) return this.wouldRun(def, '', parent);
    const prepared = this.settings.prepared.get(def, expr.overrides);
    let argsHash: string;
    try {
      argsHash = hashArgs(args, prepared.argName);
    } catch (error) {
      throw withCallPath(error, parent, def);
    }
    const key = evalHash(prepared.taskHash, argsHash);
    const shared = this.settings.cacheMode !== 'none' && prepared.options.cache;
    if (!shared) return this.runCall(def, args, prepared, key, parent);
    const done = this.memo.get(key);
    if (done) return done;
    const running = this.inflight.get(key);
    if (running) return running;
    const promise = this.runCall(def, args, prepared, key, parent);
    this.inflight.set(key, promise);
    promise.then(
      (result) => {
        this.inflight.delete(key);
        if (this.settings.cacheMode === 'execution') this.memo.set(key, result);
      },
      () => this.inflight.delete(key),
    );
    return promise;
  }

  private async runCall(
    def: TaskDef,
    args: readonly unknown[],
    prepared: Prepared,
    key: string,
    parent: JobNode | undefined,
  ): Promise<CallResult> {
    const { store } = this.settings;
    // A million quick calls must not queue a million jobs' records ahead of the database.
    const backlog = store.pressure();
    if (backlog) await backlog;
    const node: JobNode = { id: this.settings.newId(), def, parent, args };
    // A call that does not read the cache, or a miss the store knows of without reading, costs no
    // turn of the event loop.
    const reads = this.readsCache(prepared) && !store.cacheMissKnown?.(key);
    const cached = reads ? await this.fromCache(node, prepared, key) : undefined;
    if (cached) {
      parent?.childCallHashes?.push(cached.callHash);
      return cached;
    }
    if (this.settings.dryRun) return this.wouldRun(def, key, parent);
    // A store only this scheduler uses (SQLite) has no claims: no await for them on the hot path.
    if (!store.claimCall) return this.compute(def, args, prepared, key, node);
    const claim = await this.claim(node, prepared, key);
    if (claim.cached) {
      parent?.childCallHashes?.push(claim.cached.callHash);
      return claim.cached;
    }
    try {
      return await this.compute(def, args, prepared, key, node);
    } finally {
      if (claim.owned) store.releaseCall?.(key);
    }
  }

  /**
   * In a store that other schedulers share, waits while another one computes the call, and takes its
   * result when it is done; `owned` when this scheduler computes it (and must release it after).
   */
  private async claim(
    node: JobNode,
    prepared: Prepared,
    key: string,
  ): Promise<{ owned: boolean; cached?: CallResult }> {
    const { store } = this.settings;
    if (!store.claimCall || !this.readsCache(prepared)) return { owned: false };
    for (;;) {
      if ((await store.claimCall(key, this.settings.signal)) === 'owned') return { owned: true };
      const cached = await this.fromCache(node, prepared, key);
      if (cached) return { owned: false, cached };
    }
  }

  private async compute(
    def: TaskDef,
    args: readonly unknown[],
    prepared: Prepared,
    key: string,
    node: JobNode,
  ): Promise<CallResult> {
    const { store } = this.settings;
    const parent = node.parent;
    if (!this.recordedTasks.has(prepared.taskHash)) {
      this.recordedTasks.add(prepared.taskHash);
      store.putTask({
        hash: prepared.taskHash,
        name: def.name,
        source: def.source,
        moduleUrl: def.moduleUrl ?? '',
      });
    }
    let argBytes: Uint8Array;
    try {
      argBytes = encodeArgs(args, prepared.argName);
    } catch (error) {
      throw withCallPath(error, parent, def);
    }
    const outcome = await runAttempts(this, node, prepared.options, prepared.taskHash, key, argBytes);
    const { attempt } = outcome;
    let bytes = outcome.value;
    let value = decodeValue(bytes);
    if (hasExpr(value)) {
      node.childCallHashes = new ChildCallHashes();
      try {
        // The decoded expressions are this call's own: evaluation may let go of each once started.
        value = await this.evaluate(value, node, true);
      } catch (error) {
        this.recordFailure(node, key, prepared.options.executor, attempt, error);
        throw error;
      }
      bytes = encodeValue(value);
    }
    const valueHash = store.putValue(bytes);
    const call = node.childCallHashes?.callHash(key, valueHash) ?? callHash(key, valueHash, []);
    if (prepared.options.cache) {
      store.putCache({
        evalHash: key,
        valueHash,
        callHash: call,
        jobId: node.id,
        executionId: this.settings.id,
        createdAt: Date.now(),
      });
    }
    store.updateJob(node.id, { status: 'done', endedAt: Date.now(), resultHash: valueHash, callHash: call });
    this.emitJob('finished', node, key, prepared.options.executor, outcome.attempt);
    parent?.childCallHashes?.push(call);
    return { value, callHash: call, valueHash };
  }

  /** Whether a call of this task looks in the backend cache before it runs. */
  private readsCache(prepared: Prepared): boolean {
    return this.settings.cacheMode === 'backend' && prepared.options.cache;
  }

  /** The call's cached result; only for calls that read the cache (`readsCache`). */
  private async fromCache(node: JobNode, prepared: Prepared, key: string): Promise<CallResult | undefined> {
    const { store } = this.settings;
    const entry = await store.getCache(key);
    if (!entry) return undefined;
    const bytes = await store.getValue(entry.valueHash);
    if (!bytes) {
      // the stored value is gone or corrupt: recompute rather than return it
      store.deleteCache(key);
      return undefined;
    }
    const now = Date.now();
    if (!this.settings.dryRun)
      store.putJob({
        id: node.id,
        executionId: this.settings.id,
        parentId: node.parent?.id,
        taskName: node.def.name,
        taskHash: prepared.taskHash,
        evalHash: key,
        executor: prepared.options.executor,
        status: 'cached',
        attempt: 0,
        queuedAt: now,
        startedAt: now,
        endedAt: now,
        cachedFromJobId: entry.jobId,
        cachedFromExecutionId: entry.executionId,
        resultHash: entry.valueHash,
        callHash: entry.callHash,
        argsPreview: preview(node.args),
      });
    this.emitJob('cached', node, key, prepared.options.executor, 0);
    return { value: decodeValue(bytes), callHash: entry.callHash, valueHash: entry.valueHash };
  }

  private wouldRun(def: TaskDef, key: string, parent: JobNode | undefined): CallResult {
    const node: JobNode = { id: this.settings.newId(), def, parent, args: undefined };
    this.emitJob('would-run', node, key, '', 0);
    return { value: WOULD_RUN, callHash: '', valueHash: '' };
  }

  /** Records a job that failed after its body ran (an expression it returned failed). */
  recordFailure(node: JobNode, key: string, executor: string, attempt: number, error: unknown): void {
    const failure = toCaughtError(error);
    const cancelled = error instanceof CancelledError;
    const serialized = {
      name: failure.name,
      message: failure.message,
      stack: failure.stack,
      kind: 'application' as const,
    };
    this.settings.store.updateJob(node.id, {
      status: cancelled ? 'cancelled' : 'failed',
      endedAt: Date.now(),
      error: serialized,
    });
    this.emitJob(cancelled ? 'cancelled' : 'failed', node, key, executor, attempt, { error: serialized });
  }

  emitJob(
    type: Parameters<typeof jobEvent>[0],
    node: JobNode,
    key: string,
    executor: string,
    attempt: number,
    extra?: object,
  ): void {
    // Nobody listens to a plain run's job events (the dry-run report counts only these two kinds).
    if (!this.settings.listening && type !== 'cached' && type !== 'would-run') return;
    this.settings.emit(jobEvent(type, this.settings.id, node, key, executor, attempt, extra));
  }

  static host(): string {
    return HOST;
  }
}

function jobEvent(
  type: 'queued' | 'started' | 'finished' | 'cached' | 'failed' | 'retried' | 'cancelled' | 'would-run',
  executionId: string,
  node: JobNode,
  key: string,
  executor: string,
  attempt: number,
  extra?: object,
): SchedulerEvent {
  return {
    type,
    executionId,
    jobId: node.id,
    taskName: node.def.name,
    evalHash: key,
    executor,
    attempt,
    time: Date.now(),
    ...extra,
  };
}

async function loadTask(def: TaskDef): Promise<TaskDef> {
  if (!def.moduleUrl) throw new WorkflowError(`task ${def.name} is not loaded and its module is unknown`);
  await importWorkflow(def.moduleUrl);
  const loaded = getTask(def.name);
  if (!loaded) throw new WorkflowError(`module ${def.moduleUrl} does not define task ${def.name}`);
  return loaded;
}
