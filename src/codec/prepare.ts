// Before msgpackr sees a value: reject what cannot travel (functions, symbols, class instances without a
// codec) and, only when needed, rewrite what msgpackr would get wrong into Tagged extension values.
import {
  PathFault,
  describeValue,
  faultAt,
  isErrorValue,
  isWellFormedString,
  typedArrayKind,
} from '../hash/index.ts';
import { defineOwn, errorParts } from './error-parts.ts';
import { codecFor, packArray } from './registry.ts';
import { K_CODEC, K_ERROR, K_FLOAT16, K_NEG_ZERO, K_OBJECT, K_STRING16, Tagged } from './wire.ts';

const ARRAY = 0;
const OBJECT = 1;
const MAP = 3;
const SET = 4;
/** Dates, RegExps, ArrayBuffers, DataViews and typed arrays that msgpackr carries as they are. */
const NATIVE = 5;
const FLOAT16 = 6;
const ERROR = 7;
const CODEC = 8;

const FLOAT16_KIND = 11;

/**
 * Keys that msgpackr records cannot carry exactly: `__proto_` (its decoder's stand-in for `__proto__`)
 * and strings with lone surrogates.
 */
function isInexactKey(key: string): boolean {
  return key === '__proto_' || !isWellFormedString(key);
}

const INSTANCE_ADVICE =
  'send plain data (objects, arrays, Map, Set, Date, typed arrays, Error, ...), or register a codec ' +
  'for the class with registerValueCodec()';
const FUNCTION_ADVICE = 'send the data itself; functions cannot travel between processes';
const SYMBOL_ADVICE = 'send a string instead of the symbol';
const TAGGED_CYCLE_ADVICE =
  'break the cycle; shared references are fine, cycles through errors and codec values are not';

/** What an object is for transport; throws a PathFault for what cannot travel. */
function classify(value: object): number {
  if (Array.isArray(value)) return ARRAY;
  if (typeof value === 'function') {
    if (codecFor(value)) return CODEC;
    throw new PathFault(describeValue(value), FUNCTION_ADVICE);
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return OBJECT;
  if (proto === Map.prototype) return MAP;
  if (proto === Set.prototype) return SET;
  if (proto === Date.prototype || proto === RegExp.prototype) return NATIVE;
  if (proto === ArrayBuffer.prototype || proto === DataView.prototype) return NATIVE;
  const kind = typedArrayKind(proto as object);
  if (kind === FLOAT16_KIND) return FLOAT16;
  if (kind >= 0) return NATIVE;
  if (codecFor(value)) return CODEC;
  if (isErrorValue(value)) return ERROR;
  throw new PathFault(describeValue(value), INSTANCE_ADVICE);
}

/**
 * Checks that `value` can travel. Returns true when it holds something msgpackr would get wrong
 * (-0, errors, codec values, Float16Array, `__proto_` keys), so it must go through {@link rewrite}.
 */
export function needsRewrite(value: unknown, seen: Set<object>): boolean {
  switch (typeof value) {
    case 'number':
      return value === 0 && 1 / value < 0;
    case 'string':
      return !isWellFormedString(value);
    case 'object':
    case 'function':
      return value !== null && objectNeedsRewrite(value, seen);
    case 'symbol':
      throw new PathFault(describeValue(value), SYMBOL_ADVICE);
    default:
      return false;
  }
}

function objectNeedsRewrite(value: object, seen: Set<object>): boolean {
  if (seen.has(value)) return false;
  seen.add(value);
  switch (classify(value)) {
    case ARRAY: {
      const items = value as unknown[];
      let i = 0;
      try {
        for (; i < items.length; i++) if (needsRewrite(items[i], seen)) return true;
      } catch (error) {
        throw faultAt(error, i);
      }
      return false;
    }
    case OBJECT: {
      let key = '';
      try {
        for (key in value) {
          if (isInexactKey(key) || needsRewrite((value as Record<string, unknown>)[key], seen)) return true;
        }
      } catch (error) {
        throw faultAt(error, key);
      }
      return false;
    }
    case MAP: {
      let index = 0;
      for (const [key, item] of value as Map<unknown, unknown>) {
        try {
          if (needsRewrite(key, seen)) return true;
        } catch (error) {
          throw faultAt(error, { mapKey: index });
        }
        try {
          if (needsRewrite(item, seen)) return true;
        } catch (error) {
          throw faultAt(error, { mapValue: key });
        }
        index++;
      }
      return false;
    }
    case SET: {
      let index = 0;
      for (const item of value as Set<unknown>) {
        try {
          if (needsRewrite(item, seen)) return true;
        } catch (error) {
          throw faultAt(error, { setItem: index });
        }
        index++;
      }
      return false;
    }
    case NATIVE:
      return false;
    default:
      return true;
  }
}

const IN_PROGRESS = Symbol('in progress');

/**
 * A copy of `value` in which every part msgpackr would get wrong is a Tagged value. `memo` maps each
 * original object to its copy, so shared references and cycles come out as they went in.
 */
export function rewrite(value: unknown, memo: Map<object, unknown>): unknown {
  switch (typeof value) {
    case 'number':
      return value === 0 && 1 / value < 0 ? new Tagged([K_NEG_ZERO]) : value;
    case 'string':
      return isWellFormedString(value) ? value : new Tagged([K_STRING16, Buffer.from(value, 'utf16le')]);
    case 'object':
    case 'function':
      if (value === null) return null;
      break;
    case 'symbol':
      throw new PathFault(describeValue(value), SYMBOL_ADVICE);
    default:
      return value;
  }
  const done = memo.get(value);
  if (done === IN_PROGRESS) {
    throw new PathFault('a circular reference through an Error or a codec value', TAGGED_CYCLE_ADVICE);
  }
  if (done !== undefined) return done;
  const kind = classify(value);
  switch (kind) {
    case ARRAY: {
      const items = value as unknown[];
      // Only primitives that travel as they are: the array itself can go, identity and all.
      if (holdsOnlyExactPrimitives(items)) return items;
      // A fan-out's calls of one task: one value for the whole array instead of one per call.
      const packed = packArray(items);
      if (packed) {
        memo.set(value, IN_PROGRESS);
        return remember(memo, value, new Tagged([K_CODEC, packed.tag, rewrite(packed.data, memo)]));
      }
      const copy: unknown[] = new Array(items.length);
      memo.set(value, copy);
      for (let i = 0; i < items.length; i++) copy[i] = rewriteAt(items[i], memo, i);
      return copy;
    }
    case OBJECT: {
      const keys = Object.keys(value);
      if (keys.some(isInexactKey)) break;
      const copy = {};
      memo.set(value, copy);
      for (const key of keys) {
        const item = rewriteAt((value as Record<string, unknown>)[key], memo, key);
        // Plain assignment is much faster; only `__proto__` would set the prototype instead.
        if (key === '__proto__') defineOwn(copy, key, item);
        else (copy as Record<string, unknown>)[key] = item;
      }
      return copy;
    }
    case MAP: {
      const copy = new Map<unknown, unknown>();
      memo.set(value, copy);
      let index = 0;
      for (const [key, item] of value as Map<unknown, unknown>) {
        copy.set(rewriteAt(key, memo, { mapKey: index++ }), rewriteAt(item, memo, { mapValue: key }));
      }
      return copy;
    }
    case SET: {
      const copy = new Set<unknown>();
      memo.set(value, copy);
      let index = 0;
      for (const item of value as Set<unknown>) copy.add(rewriteAt(item, memo, { setItem: index++ }));
      return copy;
    }
    case NATIVE:
      return value;
    case FLOAT16: {
      const view = value as ArrayBufferView;
      const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
      return remember(memo, value, new Tagged([K_FLOAT16, bytes]));
    }
  }
  memo.set(value, IN_PROGRESS);
  return remember(memo, value, new Tagged(taggedParts(value, kind, memo)));
}

function holdsOnlyExactPrimitives(items: readonly unknown[]): boolean {
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    switch (typeof item) {
      case 'number':
        if (item === 0 && 1 / item < 0) return false;
        break;
      case 'string':
        if (!isWellFormedString(item)) return false;
        break;
      case 'boolean':
      case 'bigint':
      case 'undefined':
        break;
      case 'object':
        if (item !== null) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

function remember(memo: Map<object, unknown>, value: object, copy: unknown): unknown {
  memo.set(value, copy);
  return copy;
}

function rewriteAt(
  value: unknown,
  memo: Map<object, unknown>,
  segment: Parameters<typeof faultAt>[1],
): unknown {
  try {
    return rewrite(value, memo);
  } catch (error) {
    throw faultAt(error, segment);
  }
}

/** The extension parts of an error, a codec value or an object with a `__proto_` key. */
function taggedParts(value: object, kind: number, memo: Map<object, unknown>): unknown[] {
  const codec = kind === CODEC ? codecFor(value) : undefined;
  if (codec) {
    let data: unknown;
    try {
      data = codec.toData(value);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      throw new PathFault(
        `${describeValue(value)} whose codec "${codec.tag}" failed in toData (${text})`,
        'fix the codec',
        error,
      );
    }
    return [K_CODEC, codec.tag, rewrite(data, memo)];
  }
  if (kind === ERROR) {
    const parts = errorParts(value as Error);
    return [
      K_ERROR,
      parts.name,
      parts.message,
      parts.stack,
      parts.hasCause,
      parts.hasCause ? rewriteAt(parts.cause, memo, 'cause') : undefined,
      rewrite(parts.props, memo),
      parts.errors === undefined ? undefined : rewriteAt(parts.errors, memo, 'errors'),
    ];
  }
  const parts: unknown[] = [K_OBJECT];
  for (const key of Object.keys(value)) {
    parts.push(rewrite(key, memo), rewriteAt((value as Record<string, unknown>)[key], memo, key));
  }
  return parts;
}
