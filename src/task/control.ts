// Control flow over lazy values: branches and handlers are evaluated only when they are needed.
import { CatchExpr, CondExpr, SeqExpr, type CaughtError, type Expr, type Lazy, type Unlazy } from './expr.ts';
import type { Task } from './task.ts';

export type { Unlazy };

/** `then` when `predicate` evaluates truthy, else `otherwise`; only the chosen branch runs. */
export function cond<T, E>(predicate: Lazy<unknown>, then: T, otherwise: E): Expr<Unlazy<T> | Unlazy<E>> {
  return new CondExpr(predicate, then, otherwise);
}

/**
 * The value of `body`, or, when evaluating it fails, the value of `handler(error)`. The handler is a
 * task (runs on its executor and is cached) or a function run in the scheduler's process.
 */
export function catchError<T, R>(
  body: T,
  handler: Task<[CaughtError], R> | ((error: CaughtError) => R | Expr<R> | Promise<R>),
): Expr<Unlazy<T> | R> {
  return new CatchExpr(body, handler);
}

/** Evaluates the items one after another (each waits for the previous) and gives their values. */
export function seq<const T extends readonly unknown[]>(items: T): Expr<Unlazy<T>> {
  return new SeqExpr(items);
}
