// Finds the File and Dir values inside a value (arrays, plain objects, Maps, Sets) and builds a copy with
// each replaced, keeping shared references and cycles as they were. Values without any are returned as
// they are.
import { isDir, type Dir } from './dir.ts';
import { isFile, type File } from './file.ts';

export type FileValue = File | Dir;

function isFileValue(value: unknown): value is FileValue {
  return isFile(value) || isDir(value);
}

/** What `visit` descends into: what the codec carries as containers. */
function containerKind(value: object): 'array' | 'object' | 'map' | 'set' | undefined {
  if (Array.isArray(value)) return 'array';
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return 'object';
  if (proto === Map.prototype) return 'map';
  if (proto === Set.prototype) return 'set';
  return undefined;
}

/** Every File and Dir inside `value`, each once. */
export function findFileValues(value: unknown): FileValue[] {
  const found = new Set<FileValue>();
  const seen = new Set<object>();
  const visit = (item: unknown): void => {
    if (typeof item !== 'object' || item === null) return;
    if (isFileValue(item)) {
      found.add(item);
      return;
    }
    if (seen.has(item)) return;
    seen.add(item);
    switch (containerKind(item)) {
      case 'array':
        for (const element of item as unknown[]) visit(element);
        break;
      case 'object':
        for (const key of Object.keys(item)) visit((item as Record<string, unknown>)[key]);
        break;
      case 'map':
        for (const [key, element] of item as Map<unknown, unknown>) {
          visit(key);
          visit(element);
        }
        break;
      case 'set':
        for (const element of item as Set<unknown>) visit(element);
        break;
    }
  };
  visit(value);
  return [...found];
}

/** A copy of `value` in which each File or Dir that `replacements` maps is replaced. */
export function replaceFileValues(value: unknown, replacements: ReadonlyMap<FileValue, FileValue>): unknown {
  if (replacements.size === 0) return value;
  const copies = new Map<object, unknown>();
  const copy = (item: unknown): unknown => {
    if (typeof item !== 'object' || item === null) return item;
    const replaced = replacements.get(item as FileValue);
    if (replaced !== undefined) return replaced;
    const done = copies.get(item);
    if (done !== undefined) return done;
    switch (containerKind(item)) {
      case 'array': {
        const out: unknown[] = [];
        copies.set(item, out);
        for (const element of item as unknown[]) out.push(copy(element));
        return out;
      }
      case 'object': {
        const out: Record<string, unknown> = Object.getPrototypeOf(item) === null ? Object.create(null) : {};
        copies.set(item, out);
        for (const key of Object.keys(item)) {
          Object.defineProperty(out, key, {
            value: copy((item as Record<string, unknown>)[key]),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        return out;
      }
      case 'map': {
        const out = new Map<unknown, unknown>();
        copies.set(item, out);
        for (const [key, element] of item as Map<unknown, unknown>) out.set(copy(key), copy(element));
        return out;
      }
      case 'set': {
        const out = new Set<unknown>();
        copies.set(item, out);
        for (const element of item as Set<unknown>) out.add(copy(element));
        return out;
      }
      default:
        return item;
    }
  };
  return copy(value);
}

/** Runs `work` over `items`, at most `limit` at a time, and gives the results in order. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
