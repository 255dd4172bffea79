// Walking argument and result values for the expressions they hold.
import { isExpr } from '../task/index.ts';

/** Items of a large array started per turn of the event loop, so the first jobs run while the rest are prepared. */
const ITEMS_PER_TURN = 1024;
/**
 * Items of one array evaluated at a time: twice what a local executor takes at once on two cores
 * (1,024 per worker), few enough that a million calls do not all hold their state at once. Sibling
 * arrays each have their own window. (Remote executors that take 10,000-job arrays will want a
 * window sized from the executor: issue 5.)
 */
export const MAX_IN_FLIGHT = 4_096;
const IN_FLIGHT_RESUME = MAX_IN_FLIGHT - ITEMS_PER_TURN;

export function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Whether `value` is, or holds inside arrays and plain objects, an expression. */
export function hasExpr(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (isExpr(value)) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (hasExpr(value[i])) return true;
    return false;
  }
  if (!isPlainObject(value)) return false;
  for (const key in value) if (hasExpr((value as Record<string, unknown>)[key])) return true;
  return false;
}

/**
 * Replaces every expression inside `value` (arrays and plain objects) by what `evaluate` gives. With
 * `owned`, `value` is the caller's to spend: a large array's items are dropped from it as they start.
 */
export async function mapExprs(
  value: unknown,
  evaluate: (expr: unknown) => Promise<unknown>,
  owned = false,
): Promise<unknown> {
  if (typeof value !== 'object' || value === null) return value;
  if (isExpr(value)) return evaluate(value);
  if (Array.isArray(value)) {
    // Met again (a shared reference): its items are gone, but its evaluation is under way.
    const spending = owned ? spent.get(value) : undefined;
    if (spending) return spending;
    if (!hasExpr(value)) return value;
    if (value.length <= ITEMS_PER_TURN)
      return Promise.all(value.map((item) => mapExprs(item, evaluate, owned)));
    return mapLargeArray(value, evaluate, owned);
  }
  if (!isPlainObject(value) || !hasExpr(value)) return value;
  const keys = Object.keys(value);
  const resolved = await Promise.all(
    keys.map((key) => mapExprs((value as Record<string, unknown>)[key], evaluate, owned)),
  );
  const out: Record<string, unknown> = {};
  keys.forEach((key, i) => (out[key] = resolved[i]));
  return out;
}

/** Owned arrays being emptied by mapLargeArray, and their results. */
const spent = new WeakMap<unknown[], Promise<unknown[]>>();

/**
 * Evaluates a large array's items with at most MAX_IN_FLIGHT unsettled at once, writing each value
 * straight into the result (no promise kept per item: a million of them would outweigh the values).
 */
function mapLargeArray(
  items: unknown[],
  evaluate: (expr: unknown) => Promise<unknown>,
  owned: boolean,
): Promise<unknown[]> {
  const result = new Promise<unknown[]>((resolve, reject) => {
    const out: unknown[] = new Array(items.length);
    let next = 0;
    let unsettled = 0;
    let failed = false;
    let scheduled = false;
    const startMore = () => {
      scheduled = false;
      const end = Math.min(items.length, next + ITEMS_PER_TURN);
      for (; next < end && !failed && unsettled < MAX_IN_FLIGHT; next++) {
        const index = next;
        unsettled++;
        const item = items[index];
        // An array of our own (decoded from a result) lets go of each item once started.
        if (owned) items[index] = undefined;
        mapExprs(item, evaluate, owned).then(
          (value) => {
            out[index] = value;
            unsettled--;
            if (next === items.length && unsettled === 0) resolve(out);
            else if (!scheduled && unsettled <= IN_FLIGHT_RESUME) schedule();
          },
          (error: unknown) => {
            // Fail fast: the items not started yet are not needed; the first failure is the answer.
            if (!failed) reject(error);
            failed = true;
          },
        );
      }
      if (next < items.length && !failed && unsettled < MAX_IN_FLIGHT) schedule();
    };
    // Later items start on later turns of the event loop, so the first jobs run while the rest are prepared.
    const schedule = () => {
      scheduled = true;
      setImmediate(startMore);
    };
    startMore();
  });
  if (owned) spent.set(items, result);
  return result;
}

/** Whether `needle` occurs anywhere inside arrays and plain objects of `value`. */
export function contains(value: unknown, needle: unknown): boolean {
  if (value === needle) return true;
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some((item) => contains(item, needle));
  if (!isPlainObject(value)) return false;
  return Object.values(value).some((item) => contains(item, needle));
}
