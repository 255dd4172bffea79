// Values as the dashboard shows them: decoded (decoding never runs code), secrets masked, rendered
// as bounded, indented text. The page puts the text in the DOM as text, never as markup.
import { decodeValue } from '../codec/index.ts';
import { isSecretKey, redact } from '../config/index.ts';
import type { Store } from '../store/index.ts';
import { parameters } from '../task/index.ts';

export type ValuePreview =
  /** `bytes`: the size of the stored value; null for a preview from the job's short rendering. */
  | { text: string; truncated: boolean; bytes: number | null }
  | { unavailable: string; bytes?: number | undefined };

/** Values larger than this are not decoded for a preview. */
export const PREVIEW_BYTE_LIMIT = 4 * 1024 * 1024;
const TEXT_LIMIT = 20_000;
const ITEM_LIMIT = 100;
const DEPTH_LIMIT = 8;
const MASK = '***';

class Budget {
  used = 0;
  truncated = false;
  spend(n: number): boolean {
    this.used += n;
    if (this.used > TEXT_LIMIT) this.truncated = true;
    return !this.truncated;
  }
}

function typeName(value: object): string {
  const proto: unknown = Object.getPrototypeOf(value);
  const ctor = (proto as { constructor?: { name?: unknown } } | null)?.constructor;
  return typeof ctor?.name === 'string' && ctor.name !== '' ? ctor.name : 'Object';
}

function scalar(value: unknown): string | undefined {
  if (value instanceof Masked) return MASK;
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(redact(value));
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'boolean') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value instanceof RegExp) return String(value);
  if (ArrayBuffer.isView(value)) return `${typeName(value)}(${value.byteLength} bytes)`;
  if (value instanceof ArrayBuffer) return `ArrayBuffer(${value.byteLength} bytes)`;
  return undefined;
}

function render(value: unknown, indent: string, depth: number, seen: Set<object>, budget: Budget): string {
  const simple = scalar(value);
  if (simple !== undefined) {
    budget.spend(simple.length);
    return simple;
  }
  if (typeof value !== 'object' || value === null) return String(value);
  if (seen.has(value)) return '[circular]';
  if (depth >= DEPTH_LIMIT) return Array.isArray(value) ? '[…]' : '{…}';
  seen.add(value);
  try {
    const inner = `${indent}  `;
    const lines: string[] = [];
    const add = (line: string) => {
      if (budget.spend(line.length + 1)) lines.push(line);
    };
    let open = '{';
    let close = '}';
    let entries: Array<[string | undefined, unknown]>;
    if (Array.isArray(value)) {
      [open, close] = ['[', ']'];
      entries = value.slice(0, ITEM_LIMIT).map((item) => [undefined, item]);
      if (value.length > ITEM_LIMIT) entries.push([undefined, new More(value.length - ITEM_LIMIT)]);
    } else if (value instanceof Map) {
      [open, close] = [`Map(${value.size}) {`, '}'];
      entries = [...value].slice(0, ITEM_LIMIT).map(([k, v]) => [renderKey(k), maskIf(k, v)]);
    } else if (value instanceof Set) {
      [open, close] = [`Set(${value.size}) [`, ']'];
      entries = [...value].slice(0, ITEM_LIMIT).map((item) => [undefined, item]);
    } else if (value instanceof Error) {
      open = `${value.name}: ${redact(value.message)} {`;
      entries = Object.entries(value).map(([k, v]) => [k, maskIf(k, v)]);
    } else {
      const name = typeName(value);
      open = name === 'Object' ? '{' : `${name} {`;
      const all = Object.entries(value);
      entries = all.slice(0, ITEM_LIMIT).map(([k, v]) => [JSON.stringify(k), maskIf(k, v)]);
      if (all.length > ITEM_LIMIT) entries.push([undefined, new More(all.length - ITEM_LIMIT)]);
    }
    if (entries.length === 0) return `${open}${close}`;
    for (const [key, item] of entries) {
      if (budget.truncated) break;
      const text =
        item instanceof More ? `… ${item.count} more` : render(item, inner, depth + 1, seen, budget);
      add(`${inner}${key === undefined ? '' : `${key}: `}${text}`);
    }
    return `${open}\n${lines.join(',\n')}\n${indent}${close}`;
  } finally {
    seen.delete(value);
  }
}

class More {
  readonly count: number;
  constructor(count: number) {
    this.count = count;
  }
}

function renderKey(key: unknown): string {
  return typeof key === 'string' ? JSON.stringify(key) : (scalar(key) ?? `[${typeName(key as object)}]`);
}

/** The value of a key named like a secret is masked, whatever it holds. */
function maskIf(key: unknown, value: unknown): unknown {
  return typeof key === 'string' && isSecretKey(key) && value !== undefined && value !== null && value !== ''
    ? new Masked()
    : value;
}

/** Stands for a secret in the rendered text. */
class Masked {}

/** A decoded value as bounded text with secrets masked. */
export function renderPreview(value: unknown): { text: string; truncated: boolean } {
  const budget = new Budget();
  const text = render(value, '', 0, new Set(), budget);
  return { text, truncated: budget.truncated };
}

/** Parameter names from a task's source text (the same reading the CLI uses), for labelled arguments. */
function parameterNamesOf(source: string | undefined): string[] {
  if (source === undefined) return [];
  // parameters() reads only toString(): a stand-in carries the stored source without evaluating it.
  const standIn = { toString: () => source } as unknown as (...args: never[]) => unknown;
  return parameters(standIn).map((param) => param.name);
}

/** Arguments as an object keyed by parameter name when the task's source names them, so secrets mask by name. */
export function labelArguments(args: unknown, source: string | undefined): unknown {
  if (!Array.isArray(args)) return args;
  const names = parameterNamesOf(source);
  if (names.length === 0) return args;
  const labelled: Record<string, unknown> = {};
  args.forEach((item, i) => {
    const name = names[i] ?? `arg${i}`;
    labelled[name in labelled ? `arg${i}` : name] = item;
  });
  return labelled;
}

/** Reads, decodes and renders a stored value; missing, too large or undecodable values say why. */
export async function previewStoredValue(
  store: Store,
  hash: string | undefined,
  shape: (value: unknown) => unknown = (value) => value,
): Promise<ValuePreview | null> {
  if (hash === undefined) return null;
  const bytes = await store.getValue(hash);
  if (bytes === undefined) return { unavailable: 'the value is no longer in the store' };
  if (bytes.byteLength > PREVIEW_BYTE_LIMIT) {
    return { unavailable: `too large to preview (${bytes.byteLength} bytes)`, bytes: bytes.byteLength };
  }
  let value: unknown;
  try {
    value = decodeValue(bytes);
  } catch (error) {
    return { unavailable: `cannot decode: ${error instanceof Error ? error.message : String(error)}` };
  }
  return { ...renderPreview(shape(value)), bytes: bytes.byteLength };
}

/**
 * The job's recorded short rendering of its arguments (when no encoded value is stored): labelled
 * and masked like a stored value when it is whole JSON, else shown with URL passwords masked.
 */
export function previewText(
  text: string | null | undefined,
  source: string | undefined,
): ValuePreview | null {
  if (text === null || text === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { text: redact(text), truncated: text.endsWith('…'), bytes: null };
  }
  return { ...renderPreview(labelArguments(parsed, source)), bytes: null };
}
