// Where a scheduler may start: not while Baton imports a workflow module (a worker looking for a task
// would start a scheduler of its own, and so on without end), and not inside a running task.
import { BatonError } from '../errors.ts';
import { isImportingWorkflow, notifyTopLevelRun } from '../task/index.ts';

const IN_WORKER = Symbol.for('baton.in-worker');

/** Marks this process or thread as one that runs jobs: no scheduler may start inside a task. */
export function markWorkerContext(): void {
  (globalThis as Record<symbol, unknown>)[IN_WORKER] = true;
}

/**
 * The promise a run started here gives instead of running, or undefined when it may run: one that
 * never settles while Baton imports a workflow module (so `await run()` at top level is inert there),
 * and a BatonError inside a running task. `caller` names the call in that error, e.g. `run()`.
 */
export function refusedRun(caller: string): Promise<never> | undefined {
  if (isImportingWorkflow()) {
    notifyTopLevelRun();
    return new Promise<never>(() => undefined);
  }
  if ((globalThis as Record<symbol, unknown>)[IN_WORKER] === true) {
    return Promise.reject(
      new BatonError(`${caller} was called inside a running task`, {
        hint: 'call tasks and return the expression instead; the scheduler evaluates it',
      }),
    );
  }
  return undefined;
}
