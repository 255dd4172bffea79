// Walking argument and result values for the expressions they hold.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { isExpr } from '../task/index.ts';

/** Items of a large array started per turn of the event loop, so the first jobs run while the rest are prepared. */
const ITEMS_PER_TURN = 1024;
const ignore = () => undefined;

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

/** Replaces every expression inside `value` (arrays and plain objects) by what `evaluate` gives. */
export async function mapExprs(
  value: unknown,
  evaluate: (expr: unknown) => Promise<unknown>,
): Promise<unknown> {
  if (typeof value !== 'object' || value === null) return value;
  if (isExpr(value)) return evaluate(value);
  if (Array.isArray(value)) {
    if (!hasExpr(value)) return value;
    if (value.length <= ITEMS_PER_TURN) return Promise.all(value.map((item) => mapExprs(item, evaluate)));
    return mapLargeArray(value, evaluate);
  }
  if (!isPlainObject(value) || !hasExpr(value)) return value;
  const keys = Object.keys(value);
  const resolved = await Promise.all(
    keys.map((key) => mapExprs((value as Record<string, unknown>)[key], evaluate)),
  );
  const out: Record<string, unknown> = {};
  keys.forEach((key, i) => (out[key] = resolved[i]));
  return out;
}

async function mapLargeArray(
  items: readonly unknown[],
  evaluate: (expr: unknown) => Promise<unknown>,
): Promise<unknown[]> {
  const results: Array<Promise<unknown>> = [];
  for (let start = 0; start < items.length; start += ITEMS_PER_TURN) {
    if (start > 0) await nextTurn();
    const end = Math.min(items.length, start + ITEMS_PER_TURN);
    for (let i = start; i < end; i++) {
      const result = mapExprs(items[i], evaluate);
      // Promise.all below handles a failure; until then it must not count as unhandled.
      result.catch(ignore);
      results.push(result);
    }
  }
  return Promise.all(results);
}

/** A short, single-line rendering of arguments for logs and the executions list. */
export function preview(value: unknown, max = 120): string {
  let text: string;
  try {
    text =
      JSON.stringify(value, (_key, v: unknown) =>
        typeof v === 'bigint' ? `${v}n` : isExpr(v) ? '<expr>' : v,
      ) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Whether `needle` occurs anywhere inside arrays and plain objects of `value`. */
export function contains(value: unknown, needle: unknown): boolean {
  if (value === needle) return true;
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some((item) => contains(item, needle));
  if (!isPlainObject(value)) return false;
  return Object.values(value).some((item) => contains(item, needle));
}
