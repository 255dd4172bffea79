// A short, single-line rendering of arguments, recorded with every execution and job. It stops as
// soon as it has enough text, so a call whose argument is a million rows costs no more than one of
// a number.
import { isExpr } from '../task/index.ts';

/** Thrown (and caught) when the text is long enough. */
const FULL = Symbol('preview full');

class Text {
  parts: string[] = [];
  length = 0;
  readonly limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }
  add(part: string): void {
    this.parts.push(part);
    this.length += part.length;
    if (this.length > this.limit) throw FULL;
  }
}

/** JSON's text for a value JSON can show, `undefined` for one it leaves out. */
function scalar(value: unknown, limit: number): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > limit ? value.slice(0, limit + 1) : value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return String(value);
    case 'bigint':
      return JSON.stringify(`${value}n`);
    default:
      return value === null ? 'null' : undefined;
  }
}

function write(value: unknown, out: Text, ancestors: Set<object>): void {
  const simple = scalar(value, out.limit);
  if (simple !== undefined) return out.add(simple);
  if (typeof value !== 'object' || value === null) return out.add('null');
  if (isExpr(value)) return out.add('"<expr>"');
  const json = (value as { toJSON?: unknown }).toJSON;
  if (typeof json === 'function') return write((json as () => unknown).call(value), out, ancestors);
  if (ancestors.has(value)) return out.add('"[circular]"');
  ancestors.add(value);
  if (Array.isArray(value)) {
    out.add('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.add(',');
      write(value[i], out, ancestors);
    }
    out.add(']');
  } else {
    out.add('{');
    let first = true;
    for (const key of Object.keys(value)) {
      const item = (value as Record<string, unknown>)[key];
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
      out.add(`${first ? '' : ','}${JSON.stringify(key)}:`);
      first = false;
      write(item, out, ancestors);
    }
    out.add('}');
  }
  ancestors.delete(value);
}

/** The text of a short list of scalars (most arguments), without the walk's bookkeeping. */
function scalarList(values: readonly unknown[], max: number): string | undefined {
  if (values.length > 16) return undefined;
  let text = '[';
  for (let i = 0; i < values.length; i++) {
    const item = scalar(values[i], max);
    if (item === undefined) return undefined;
    text += i === 0 ? item : `,${item}`;
    if (text.length > max) return text;
  }
  return `${text}]`;
}

/** `value` as JSON (bigints as `"12n"`, expressions as `"<expr>"`), cut to `max` characters with `…`. */
export function preview(value: unknown, max = 120): string {
  const list = Array.isArray(value) && !('toJSON' in value) ? scalarList(value, max) : undefined;
  const text = list ?? walk(value, max);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function walk(value: unknown, max: number): string {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return String(value);
  const out = new Text(max);
  try {
    write(value, out, new Set());
    return out.parts.join('');
  } catch (error) {
    // A toJSON that throws: the value as JavaScript shows it.
    return error === FULL ? out.parts.join('') : String(value);
  }
}
