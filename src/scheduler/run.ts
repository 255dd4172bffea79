import type { Expr } from '../task/index.ts';
import { refusedRun } from './context.ts';
import { Scheduler, type DryRunReport, type RunOptions, type SchedulerOptions } from './scheduler.ts';

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
  const refused = refusedRun('run()');
  if (refused) return refused;
  const scheduler = new Scheduler(options);
  const done = options.dryRun
    ? scheduler.run(expr, { ...options, dryRun: true })
    : scheduler.run(expr, { ...options, dryRun: false });
  return done.finally(() => scheduler.close());
}
