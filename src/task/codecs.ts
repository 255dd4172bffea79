// Expressions and tasks as values: a task running in a worker may return an expression, and a task
// may be passed as an argument (e.g. to map). Both travel by task name and hash into hashes by it.
import { registerArrayPacker, registerValueCodec } from '../codec/index.ts';
import { SerializationError } from '../errors.ts';
import { HASH_METHOD, hashValue } from '../hash/index.ts';
import { CallExpr, CatchExpr, CondExpr, SeqExpr, isExpr, type Expr } from './expr.ts';
import type { TaskOptions } from './options.ts';
import { argumentName } from './params.ts';
import { getTask, type TaskDef } from './registry.ts';
import type { Task } from './task.ts';

interface TaskRefData {
  name: string;
  moduleUrl: string | undefined;
  overrides: TaskOptions | undefined;
}

/** A task that a decoded value names but this process has not imported yet. */
export function unresolvedTask(name: string, moduleUrl: string | undefined): TaskDef {
  return {
    name,
    moduleUrl,
    options: {},
    source: '',
    fn: () => {
      throw new Error(`task ${name} is not loaded in this process`);
    },
    unresolved: true,
  } as TaskDef;
}

export function isUnresolved(def: TaskDef): boolean {
  return (def as TaskDef & { unresolved?: boolean }).unresolved === true;
}

function lookup(name: string, moduleUrl: string | undefined): TaskDef {
  return getTask(name) ?? unresolvedTask(name, moduleUrl);
}

export function isTask(value: unknown): value is Task<unknown[], unknown> {
  return (
    typeof value === 'function' &&
    typeof (value as { taskName?: unknown }).taskName === 'string' &&
    'def' in value
  );
}

/** Finds an argument that cannot travel before the codec does, so the path reads `train(rows[3].model)`. */
function checkArgs(expr: CallExpr<unknown>): void {
  if (isUnresolved(expr.task)) return;
  const args = expr.args;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    // Primitives always travel; a check that hashes is only worth it for what may not.
    if (typeof arg !== 'object' || arg === null || hasNestedExpr(arg)) continue;
    try {
      hashValue(arg, argumentName(expr.task.fn, i));
    } catch (error) {
      if (!(error instanceof SerializationError)) throw error;
      const path = `${expr.task.name}(${error.path})`;
      throw new SerializationError(error.message.replace(error.path, path), path, { hint: error.hint });
    }
  }
}

function hasNestedExpr(value: unknown): boolean {
  if (isExpr(value)) return true;
  if (Array.isArray(value)) return value.some(hasNestedExpr);
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value).some(hasNestedExpr);
  }
  return false;
}

// One object per task and overrides: the codec keeps shared references, so a fan-out of a million
// calls of one task carries its name and module once. Weak, so passing overrides never leaks.
const refs = new WeakMap<TaskDef, { plain?: TaskRefData; byOverrides: WeakMap<TaskOptions, TaskRefData> }>();

function refData(def: TaskDef, overrides: TaskOptions | undefined): TaskRefData {
  let known = refs.get(def);
  if (!known) refs.set(def, (known = { byOverrides: new WeakMap() }));
  const made = (): TaskRefData => ({ name: def.name, moduleUrl: def.moduleUrl, overrides });
  if (!overrides) return (known.plain ??= made());
  let ref = known.byOverrides.get(overrides);
  if (!ref) known.byOverrides.set(overrides, (ref = made()));
  return ref;
}

/** Arrays of at least this many calls travel packed (below it, packing saves nothing worth having). */
const PACK_FROM = 16;

interface PackedCalls {
  ref: TaskRefData;
  count: number;
  /** Every call's argument count, or the one they share. */
  arity: number | number[];
  /** The calls' arguments, one after another. */
  args: unknown[];
}

/**
 * A fan-out's calls as one value: an array of calls of one task, with the same overrides and only
 * primitive arguments, is its task reference once and the arguments in one flat array. Encoding a
 * hundred thousand calls one by one took 3 to 4 µs each (an extension, three arrays and two strings
 * per call), most of a fan-out's time before its first call could start.
 */
function packCalls(items: readonly unknown[]): PackedCalls | undefined {
  if (items.length < PACK_FROM) return undefined;
  const first = items[0];
  if (!(first instanceof CallExpr)) return undefined;
  const { task, overrides } = first;
  const arity = first.args.length;
  let sameArity = true;
  let total = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (!(item instanceof CallExpr) || item.task !== task || item.overrides !== overrides) return undefined;
    const args = item.args;
    for (let j = 0; j < args.length; j++) {
      const arg = args[j];
      // Objects keep the path of their own checks (e.g. `train(rows[3].model)`), so they go one by one.
      if ((typeof arg === 'object' && arg !== null) || typeof arg === 'function' || typeof arg === 'symbol')
        return undefined;
    }
    if (args.length !== arity) sameArity = false;
    total += args.length;
  }
  const flat: unknown[] = new Array(total);
  let at = 0;
  for (let i = 0; i < items.length; i++) {
    const args = (items[i] as CallExpr<unknown>).args;
    for (let j = 0; j < args.length; j++) flat[at++] = args[j];
  }
  return {
    ref: refData(task, overrides),
    count: items.length,
    arity: sameArity ? arity : items.map((item) => (item as CallExpr<unknown>).args.length),
    args: flat,
  };
}

const misfit = () => new Error('packed calls whose parts do not fit together');

function unpackCalls(data: unknown): CallExpr<unknown>[] {
  const packed = data as Partial<PackedCalls> | null;
  const { ref, count, arity, args } = packed ?? {};
  const sizes = typeof arity === 'number' ? undefined : arity;
  if (
    typeof ref?.name !== 'string' ||
    typeof count !== 'number' ||
    !Array.isArray(args) ||
    (sizes === undefined
      ? typeof arity !== 'number' || arity * count !== args.length
      : sizes.length !== count)
  ) {
    throw misfit();
  }
  const def = lookup(ref.name, ref.moduleUrl);
  const overrides = ref.overrides ?? undefined;
  const calls: CallExpr<unknown>[] = new Array(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const size = sizes ? sizes[i]! : (arity as number);
    if (!Number.isInteger(size) || size < 0 || at + size > args.length) throw misfit();
    calls[i] = new CallExpr(def, args.slice(at, at + size), overrides);
    at += size;
  }
  if (at !== args.length) throw misfit();
  return calls;
}

let registered = false;

/** Registers the codecs once per process (idempotent). */
export function registerTaskCodecs(): void {
  if (registered) return;
  registered = true;
  registerValueCodec<Expr<unknown>>({
    tag: 'baton.expr',
    is: isExpr,
    toData(expr) {
      if (expr instanceof CallExpr) {
        checkArgs(expr);
        return ['call', refData(expr.task, expr.overrides), expr.args];
      }
      if (expr instanceof CondExpr) return ['cond', expr.predicate, expr.then, expr.otherwise];
      if (expr instanceof CatchExpr) return ['catch', expr.body, expr.handler];
      if (expr instanceof SeqExpr) return ['seq', expr.items];
      throw new Error('unknown expression kind');
    },
    fromData(data) {
      const [kind, ...rest] = data as [string, ...unknown[]];
      switch (kind) {
        case 'call': {
          const ref = rest[0] as TaskRefData;
          return new CallExpr(
            lookup(ref.name, ref.moduleUrl),
            rest[1] as unknown[],
            ref.overrides ?? undefined,
          );
        }
        case 'cond':
          return new CondExpr(rest[0], rest[1], rest[2]);
        case 'catch':
          return new CatchExpr(rest[0], rest[1]);
        case 'seq':
          return new SeqExpr(rest[0] as unknown[]);
        default:
          throw new Error(`unknown expression kind '${kind}'`);
      }
    },
  });
  registerArrayPacker({ tag: 'baton.calls', pack: packCalls, unpack: unpackCalls });
  registerValueCodec<Task<unknown[], unknown>>({
    tag: 'baton.task',
    is: isTask,
    toData: (t) =>
      ({ name: t.def.name, moduleUrl: t.def.moduleUrl, overrides: t.overrides }) satisfies TaskRefData,
    fromData(data) {
      const ref = data as TaskRefData;
      const def = lookup(ref.name, ref.moduleUrl);
      return taskFromDef(def, ref.overrides ?? undefined);
    },
  });
}

// Set by task.ts, which owns task construction; avoids an import cycle.
let taskFromDef: (def: TaskDef, overrides: TaskOptions | undefined) => Task<unknown[], unknown> = () => {
  throw new Error('task codecs used before task.ts loaded');
};
export function setTaskFactory(factory: typeof taskFromDef): void {
  taskFromDef = factory;
}

/** The canonical form a task takes inside a hash: its name, definition hash and overrides. */
export function taskHashForm(def: TaskDef, overrides: TaskOptions | undefined, definitionHash: string) {
  return { type: 'baton.task', data: { name: def.name, hash: definitionHash, overrides: overrides ?? null } };
}

export { HASH_METHOD };
