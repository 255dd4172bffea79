// Running one job on its executor until it succeeds, fails for good, or is cancelled: retries with
// backoff for task failures, and free re-runs for system failures (a worker or node was lost).
import { setTimeout as sleep } from 'node:timers/promises';
import { serializeError } from '../codec/index.ts';
import { CancelledError, TaskError } from '../errors.ts';
import type { Executor, JobOutcome, JobRequest, SerializedError, TaskRef } from '../executors/index.ts';
import { definitionHash, type ResolvedTaskOptions, type TaskDef } from '../task/index.ts';
import { callPathWithArgs } from './call-paths.ts';
import { preview } from './preview.ts';
import type { Execution, JobNode } from './execution.ts';
import type { Slots } from './limiter.ts';

/** System failures of one job that are re-run before the job is failed (a crash that repeats is the task's). */
export const MAX_SYSTEM_RETRIES = 3;

export interface JobRunner {
  /** The executor with that name, started on first use, and its admission slots. */
  executor(name: string, taskName: string): Promise<{ executor: Executor; slots: Slots }>;
  /** The same, once started: no turn of the event loop for every job. */
  startedExecutor?(name: string): { executor: Executor; slots: Slots } | undefined;
  /** Routes the executor's `job-started` report for this job. */
  track(jobId: string, onStarted: () => void): void;
  untrack(jobId: string): void;
}

// One TaskRef per task definition: a fan-out's jobs share it (and the pool compares refs by identity first).
const taskRefs = new WeakMap<TaskDef, TaskRef>();

function taskRef(def: TaskDef): TaskRef {
  let ref = taskRefs.get(def);
  if (!ref)
    taskRefs.set(def, (ref = { module: def.moduleUrl ?? '', name: def.name, hash: definitionHash(def) }));
  return ref;
}

export function retryDelay(options: ResolvedTaskOptions, attempt: number): number {
  const { base, factor, max } = options.retries.backoff;
  return Math.min(base * factor ** (attempt - 1), max);
}

function retryable(options: ResolvedTaskOptions, error: SerializedError, attempt: number): boolean {
  if (attempt > options.retries.attempts) return false;
  const only = options.retries.retryOn;
  return !only || only.includes(error.name);
}

export async function runAttempts(
  execution: Execution,
  node: JobNode,
  options: ResolvedTaskOptions,
  taskHash: string,
  evalHash: string,
  args: Uint8Array,
): Promise<{ value: Uint8Array; attempt: number }> {
  const { store, signal, runner } = execution.settings;
  const def = node.def;
  const { executor, slots } =
    runner.startedExecutor?.(options.executor) ?? (await runner.executor(options.executor, def.name));
  const queuedAt = Date.now();
  store.putJob({
    id: node.id,
    executionId: execution.settings.id,
    parentId: node.parent?.id,
    taskName: def.name,
    taskHash,
    evalHash,
    executor: options.executor,
    status: 'queued',
    attempt: 1,
    queuedAt,
    argsPreview: preview(node.args),
  });
  execution.emitJob('queued', node, evalHash, options.executor, 1);
  const request: JobRequest = {
    jobId: node.id,
    evalHash,
    task: taskRef(def),
    args,
    options,
    attempt: 1,
  };
  let systemFailures = 0;
  for (;;) {
    if (!slots.tryAcquire()) await slots.acquire(options.priority);
    const attempt = request.attempt;
    runner.track(node.id, () => {
      execution.settings.speculation?.started(node.id);
      store.updateJob(node.id, { status: 'running', startedAt: Date.now(), attempt });
      execution.emitJob('started', node, evalHash, options.executor, attempt);
    });
    let outcome: JobOutcome;
    try {
      const speculation = execution.settings.speculation;
      outcome =
        speculation && options.extra.idempotent !== false
          ? await speculation.run(executor, request, signal, slots)
          : await executor.run(request, signal);
    } catch (error) {
      outcome = { ok: false, error: serializeError(error, 'system') };
    } finally {
      slots.release();
      runner.untrack(node.id);
    }
    if (outcome.ok) return { value: outcome.value, attempt };

    const error = outcome.error;
    if (error.kind === 'cancelled' || signal.aborted) {
      store.updateJob(node.id, { status: 'cancelled', endedAt: Date.now(), error });
      execution.emitJob('cancelled', node, evalHash, options.executor, attempt);
      throw new CancelledError(`task ${def.name} was cancelled`);
    }
    let delay: number | undefined;
    if (error.kind === 'system' && systemFailures < MAX_SYSTEM_RETRIES) {
      systemFailures++;
      delay = 0.05 * systemFailures;
    } else if (error.kind !== 'system' && retryable(options, error, attempt)) {
      delay = retryDelay(options, attempt);
      request.attempt = attempt + 1;
    }
    if (delay === undefined) {
      store.updateJob(node.id, { status: 'failed', endedAt: Date.now(), error, attempt });
      execution.emitJob('failed', node, evalHash, options.executor, attempt, { error });
      throw new TaskError({
        taskName: def.name,
        callPath: callPathWithArgs(node),
        name: error.name,
        message: error.logTail ? `${error.message}\n--- last output ---\n${error.logTail}` : error.message,
        stack: error.stack,
      });
    }
    store.updateJob(node.id, { status: 'queued', attempt: request.attempt, error });
    execution.emitJob('retried', node, evalHash, options.executor, attempt, { error, delay });
    try {
      await sleep(delay * 1000, undefined, { signal });
    } catch {
      store.updateJob(node.id, { status: 'cancelled', endedAt: Date.now() });
      execution.emitJob('cancelled', node, evalHash, options.executor, attempt);
      throw new CancelledError(`task ${def.name} was cancelled while waiting to retry`);
    }
  }
}
