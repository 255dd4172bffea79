import { getCallSites } from 'node:util';
import { ConfigError } from '../errors.ts';
import { taskHash } from '../hash/index.ts';
import { HASH_METHOD, registerTaskCodecs, setTaskFactory, taskHashForm } from './codecs.ts';
import { CallExpr, type Expr, type LazyArgs, type Resolved } from './expr.ts';
import { resolveTaskOptions, type TaskOptions } from './options.ts';
import { registerTask, type TaskDef } from './registry.ts';

/** A task: call it with (lazy) arguments to get an expression of its result. */
export interface Task<A extends unknown[], R> {
  (...args: LazyArgs<A>): Expr<R>;
  /** The task's unique name. */
  readonly taskName: string;
  /** The definition shared by every `.options()` variant. */
  readonly def: TaskDef;
  /** Call-time overrides of this variant. */
  readonly overrides: TaskOptions | undefined;
  /** The same task with options overridden for the calls made through it. */
  options(partial: TaskOptions): Task<A, R>;
}

const TASK_NAME = /^[A-Za-z_][\w.:-]*$/;
const OWN_SOURCE_DIR = new URL('../', import.meta.url).href;

/** Where the first caller outside Baton's own source sits: the module defining the task, and the line. */
export function callerSite(): { moduleUrl: string; line: number; column: number } | undefined {
  for (const site of getCallSites(16)) {
    const file = site.scriptName;
    if (!file || file.startsWith('node:')) continue;
    const url = file.startsWith('file:') ? file : file.startsWith('/') ? `file://${file}` : undefined;
    if (url && !url.startsWith(OWN_SOURCE_DIR))
      return { moduleUrl: url, line: site.lineNumber, column: site.columnNumber };
  }
  return undefined;
}

/** The hash of a task's definition (name + source or version), computed once. */
export function definitionHash(def: TaskDef): string {
  return (def.hash ??= taskHash(def.name, def.source));
}

function makeTask<A extends unknown[], R>(def: TaskDef, overrides: TaskOptions | undefined): Task<A, R> {
  const call = (...args: unknown[]): Expr<R> => new CallExpr<R>(def, args, overrides);
  Object.defineProperty(call, 'name', { value: def.name });
  Object.defineProperties(call, {
    taskName: { value: def.name, enumerable: true },
    def: { value: def },
    overrides: { value: overrides },
    [HASH_METHOD]: { value: () => taskHashForm(def, overrides, definitionHash(def)) },
    options: {
      value: (partial: TaskOptions) => {
        const merged = { ...overrides, ...partial };
        resolveTaskOptions({ ...def.options, ...merged }, `task ${def.name}`);
        return makeTask<A, R>(def, merged);
      },
    },
  });
  return call as unknown as Task<A, R>;
}

setTaskFactory((def, overrides) => makeTask(def, overrides));
registerTaskCodecs();

/**
 * Defines a task. Calling the result builds a lazy expression; a scheduler runs it.
 *
 * @example
 * const add = task('add', (a: number, b: number) => a + b);
 * const sum = await run(add(1, add(2, 3)));
 */
export function task<F extends (...args: never[]) => unknown>(
  name: string,
  fn: F,
  options: TaskOptions = {},
): Task<Parameters<F>, Resolved<ReturnType<F>>> {
  if (typeof name !== 'string' || !TASK_NAME.test(name)) {
    throw new ConfigError(
      `task name ${JSON.stringify(name)} is not valid`,
      {},
      {
        hint: 'use letters, digits, _ . : - and start with a letter or _',
      },
    );
  }
  if (typeof fn !== 'function') {
    throw new ConfigError(`task ${name}: the second argument must be the task's function`);
  }
  return defineTask(name, fn, options, callerSite());
}

function defineTask<F extends (...args: never[]) => unknown>(
  name: string,
  fn: F,
  options: TaskOptions,
  site: { moduleUrl: string; line?: number; column?: number } | undefined,
): Task<Parameters<F>, Resolved<ReturnType<F>>> {
  resolveTaskOptions(options, `task ${name}`);
  const def: TaskDef = {
    name,
    fn,
    options,
    moduleUrl: site?.moduleUrl,
    definedAt: site?.line === undefined ? undefined : `${site.line}:${site.column}`,
    source: options.version !== undefined ? `version:${options.version}` : fn.toString(),
  };
  registerTask(def);
  return makeTask(def, undefined);
}

/**
 * A task that Baton itself defines (map's chunk runner): `task()` names the first module outside
 * Baton's source, so a built-in names its own module here, for workers to import.
 */
export function builtInTask<F extends (...args: never[]) => unknown>(
  name: string,
  fn: F,
  moduleUrl: string,
  options: TaskOptions = {},
): Task<Parameters<F>, Resolved<ReturnType<F>>> {
  return defineTask(name, fn, options, { moduleUrl });
}
