// Lazy expressions. Calling a task builds a CallExpr; nothing runs until a scheduler evaluates it.
import type { TaskDef } from './registry.ts';
import type { TaskOptions } from './options.ts';

const EXPR_BRAND = Symbol.for('baton.expr');

/** A value that will exist once the scheduler evaluates it. */
export abstract class Expr<R> {
  /** Phantom: carries the result type for inference; never set at runtime. */
  declare readonly __result?: R;
  abstract readonly kind: 'call' | 'cond' | 'catch' | 'seq';
}
Object.defineProperty(Expr.prototype, EXPR_BRAND, { value: true });

/** True for any Expr, including those from another copy of the package. */
export function isExpr(value: unknown): value is Expr<unknown> {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[EXPR_BRAND] === true
  );
}

export class CallExpr<R> extends Expr<R> {
  readonly kind = 'call' as const;
  readonly task: TaskDef;
  readonly args: readonly unknown[];
  /** Call-time overrides from `Task.options()`; undefined when there are none. */
  readonly overrides: TaskOptions | undefined;
  constructor(task: TaskDef, args: readonly unknown[], overrides: TaskOptions | undefined) {
    super();
    this.task = task;
    this.args = args;
    this.overrides = overrides;
  }
}

export class CondExpr<R> extends Expr<R> {
  readonly kind = 'cond' as const;
  readonly predicate: unknown;
  readonly then: unknown;
  readonly otherwise: unknown;
  constructor(predicate: unknown, then: unknown, otherwise: unknown) {
    super();
    this.predicate = predicate;
    this.then = then;
    this.otherwise = otherwise;
  }
}

/** The error a `catchError` handler receives: plain data, so it can travel to any executor. */
export interface CaughtError {
  name: string;
  message: string;
  stack?: string | undefined;
  taskName?: string | undefined;
}

export class CatchExpr<R> extends Expr<R> {
  readonly kind = 'catch' as const;
  readonly body: unknown;
  /** A task, or a function run in the scheduler's process, given the error. */
  readonly handler: unknown;
  constructor(body: unknown, handler: unknown) {
    super();
    this.body = body;
    this.handler = handler;
  }
}

export class SeqExpr<R> extends Expr<R> {
  readonly kind = 'seq' as const;
  readonly items: readonly unknown[];
  constructor(items: readonly unknown[]) {
    super();
    this.items = items;
  }
}

type Primitive = string | number | boolean | bigint | symbol | null | undefined;
type Opaque =
  Primitive | Date | RegExp | Map<unknown, unknown> | Set<unknown> | ArrayBufferView | ArrayBuffer;

/** A value, an expression of it, or an array/object whose parts may be expressions. */
export type Lazy<T> =
  | T
  | Expr<T>
  | (T extends Opaque
      ? never
      : T extends (...args: never[]) => unknown
        ? never
        : T extends readonly unknown[]
          ? { [K in keyof T]: Lazy<T[K]> }
          : T extends object
            ? { [K in keyof T]: Lazy<T[K]> }
            : never);

/** A task's parameters, each accepting a lazy value. */
export type LazyArgs<A extends readonly unknown[]> = { [K in keyof A]: Lazy<A[K]> };

/** The value a lazy value stands for once evaluated: expressions inside arrays and objects included. */
export type Unlazy<T> =
  T extends Expr<infer U>
    ? U
    : T extends Opaque | ((...args: never[]) => unknown)
      ? T
      : T extends readonly unknown[]
        ? { -readonly [K in keyof T]: Unlazy<T[K]> }
        : T extends object
          ? { [K in keyof T]: Unlazy<T[K]> }
          : T;

/** The value a task body produces once its promise and returned expressions are resolved. */
export type Resolved<T> = T extends PromiseLike<infer U> ? Resolved<U> : Unlazy<T>;
