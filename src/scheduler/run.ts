import { BatonError } from '../errors.ts';
import { isImportingWorkflow, notifyTopLevelRun, type Expr } from '../task/index.ts';
import { Scheduler, type DryRunReport, type RunOptions, type SchedulerOptions } from './scheduler.ts';

const IN_WORKER = Symbol.for('baton.in-worker');

/** Marks this process or thread as one that runs jobs: `run()` is not available inside a task. */
export function markWorkerContext(): void {
  (globalThis as Record<symbol, unknown>)[IN_WORKER] = true;
}

/**
 * Evaluates `expr` with a scheduler made for the purpose and closed afterwards.
 *
 * Inside a module that Baton itself is importing (to find its tasks, in the CLI or a worker), a
 * top-level `run()` does nothing and its promise never settles, so a workflow file can both define
 * tasks and run itself with `node workflow.ts`.
 */
export function run<R>(
  expr: Expr<R> | R,
  options?: RunOptions & SchedulerOptions & { dryRun?: false },
): Promise<R>;
export function run<R>(
  expr: Expr<R> | R,
  options: RunOptions & SchedulerOptions & { dryRun: true },
): Promise<DryRunReport>;
export function run<R>(
  expr: Expr<R> | R,
  options: RunOptions & SchedulerOptions = {},
): Promise<R | DryRunReport> {
  if (isImportingWorkflow()) {
    notifyTopLevelRun();
    return new Promise<never>(() => undefined);
  }
  if ((globalThis as Record<symbol, unknown>)[IN_WORKER] === true) {
    return Promise.reject(
      new BatonError('run() was called inside a running task', {
        hint: 'call tasks and return the expression instead; the scheduler evaluates it',
      }),
    );
  }
  const scheduler = new Scheduler(options);
  const done = options.dryRun
    ? scheduler.run(expr, { ...options, dryRun: true })
    : scheduler.run(expr, { ...options, dryRun: false });
  return done.finally(() => scheduler.close());
}
