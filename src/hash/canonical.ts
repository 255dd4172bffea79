// The canonical, type-tagged byte encoding that every hash is taken over. The format is frozen:
// changing a tag or a layout changes every hash and so invalidates every cache.
import { endianness } from 'node:os';
import { bytesOf, describeValue, isErrorValue, isWellFormedString, typedArrayKind } from './kinds.ts';
import { PathFault, STACK_ADVICE, faultAt } from './paths.ts';
import { CanonicalWriter } from './writer.ts';

/** A value may define its own canonical form with a method under this symbol (see {@link HashForm}). */
export const HASH_METHOD: unique symbol = Symbol.for('baton.hash');
/** A value may carry a precomputed hash (a string) under this symbol; it is hashed as that string. */
export const HASH_OF: unique symbol = Symbol.for('baton.hashOf');

/** What `[HASH_METHOD]()` returns: `data` is hashed in place of the value, tagged with `type`. */
export interface HashForm {
  type?: string | undefined;
  data: unknown;
}

/** A value that defines its own canonical form, e.g. a File hashed by content. */
export interface Hashable {
  [HASH_METHOD](): HashForm;
}

/** Bumped only with a deliberate change of the format; it leads every encoding. */
export const FORMAT_VERSION = 1;

const T_UNDEFINED = 0x00;
const T_NULL = 0x01;
const T_FALSE = 0x02;
const T_TRUE = 0x03;
const T_NUMBER = 0x04;
const T_BIGINT = 0x05;
const T_STRING = 0x06; // UTF-8
const T_STRING16 = 0x07; // UTF-16LE, for strings with lone surrogates, which UTF-8 cannot represent
const T_DATE = 0x08;
const T_REGEXP = 0x09;
const T_ARRAY = 0x0a;
const T_OBJECT = 0x0b;
const T_MAP = 0x0c;
const T_SET = 0x0d;
const T_TYPED = 0x0e;
const T_ARRAYBUFFER = 0x0f;
const T_DATAVIEW = 0x10;
const T_ERROR = 0x11;
const T_CUSTOM = 0x12;
const T_PRECOMPUTED = 0x13;

/** Longer strings are converted apart; shorter ones are written in place (3 bytes per unit at most fit the buffer). */
const LONG_STRING = 16 * 1024;
/** Deeper values fail with a clear message rather than at the call stack's limit. */
const MAX_DEPTH = 1000;
const BIG_ENDIAN_HOST = endianness() === 'BE';

const INSTANCE_ADVICE =
  'hash plain data (objects, arrays, Map, Set, Date, typed arrays, ...), or register a codec for the ' +
  "class with registerValueCodec(), or give it a [Symbol.for('baton.hash')]() method returning { type, data }";
const FUNCTION_ADVICE = 'pass the data itself (tasks are accepted: they hash by name and source)';
const CYCLE_ADVICE = 'break the cycle, e.g. refer to the object by an id';

/** The form of a value registered with a value codec; set by the codec registry, which hashing does not import. */
let registeredForm: (value: object) => HashForm | undefined = () => undefined;

/**
 * Lets values that have no `[HASH_METHOD]()` of their own hash by another form (the value codec's
 * tag and data), so whatever can travel as an argument can also be hashed.
 */
export function setRegisteredHashForm(lookup: (value: object) => HashForm | undefined): void {
  registeredForm = lookup;
}

export function writeValue(w: CanonicalWriter, value: unknown, depth: number): void {
  switch (typeof value) {
    case 'number':
      return w.float(T_NUMBER, value);
    case 'string':
      return writeString(w, value);
    case 'boolean':
      return w.byte(value ? T_TRUE : T_FALSE);
    case 'undefined':
      return w.byte(T_UNDEFINED);
    case 'bigint':
      w.byte(T_BIGINT);
      return writeString(w, value.toString(16));
    case 'object':
      return value === null ? w.byte(T_NULL) : writeObject(w, value, depth);
    case 'function':
      if (writeCustom(w, value, depth) || writeRegistered(w, value, depth)) return;
      throw new PathFault(describeValue(value), FUNCTION_ADVICE);
    default:
      throw new PathFault(describeValue(value), 'pass a string instead of the symbol');
  }
}

function writeString(w: CanonicalWriter, s: string): void {
  const n = s.length;
  if (n <= 64) {
    w.reserve(5 + n);
    const buf = w.buf;
    let p = w.pos + 5;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[p++] = c;
    }
    if (i === n) {
      buf[w.pos] = T_STRING;
      w.view.setUint32(w.pos + 1, n);
      w.pos = p;
      return;
    }
  }
  if (!isWellFormedString(s)) {
    const units = Buffer.from(s, 'utf16le');
    w.head(T_STRING16, units.length);
    return w.bytes(units);
  }
  if (n > LONG_STRING) {
    const utf8 = Buffer.from(s, 'utf8');
    w.head(T_STRING, utf8.length);
    return w.bytes(utf8);
  }
  w.reserve(5 + n * 3);
  const written = w.buf.write(s, w.pos + 5, 'utf8');
  w.buf[w.pos] = T_STRING;
  w.view.setUint32(w.pos + 1, written);
  w.pos += 5 + written;
}

/** Records `value` as the container at `depth`; a container that is its own ancestor is a cycle. */
function enter(w: CanonicalWriter, value: object, depth: number): void {
  if (depth > MAX_DEPTH)
    throw new PathFault(`a value nested more than ${MAX_DEPTH} levels deep`, STACK_ADVICE);
  const ancestors = w.ancestors;
  for (let i = 0; i < depth; i++) {
    if (ancestors[i] === value)
      throw new PathFault('a circular reference (the value contains itself)', CYCLE_ADVICE);
  }
  ancestors[depth] = value;
}

function writeObject(w: CanonicalWriter, value: object, depth: number): void {
  if (Array.isArray(value)) return writeArray(w, value, depth);
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    if (!writeCustom(w, value, depth)) writePlainObject(w, value as Record<string, unknown>, depth);
    return;
  }
  if (proto === Map.prototype) return writeMap(w, value as Map<unknown, unknown>, depth);
  if (proto === Set.prototype) return writeSet(w, value as Set<unknown>, depth);
  if (proto === Date.prototype) return w.float(T_DATE, (value as Date).getTime());
  if (proto === RegExp.prototype) {
    w.byte(T_REGEXP);
    writeString(w, (value as RegExp).source);
    return writeString(w, (value as RegExp).flags);
  }
  const kind = typedArrayKind(proto as object);
  if (kind >= 0) {
    w.byte(T_TYPED);
    w.byte(kind);
    return writeBytes(
      w,
      value as ArrayBufferView,
      (value as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT,
    );
  }
  if (proto === ArrayBuffer.prototype) {
    w.byte(T_ARRAYBUFFER);
    return writeBytes(w, value as ArrayBuffer, 1);
  }
  if (proto === DataView.prototype) {
    w.byte(T_DATAVIEW);
    return writeBytes(w, value as DataView, 1);
  }
  if (writeCustom(w, value, depth) || writeRegistered(w, value, depth)) return;
  if (isErrorValue(value)) {
    w.byte(T_ERROR);
    writeString(w, String(value.name));
    return writeString(w, String(value.message));
  }
  throw new PathFault(describeValue(value), INSTANCE_ADVICE);
}

/** Length-prefixed raw bytes; multi-byte elements are written little-endian whatever the host. */
function writeBytes(w: CanonicalWriter, value: ArrayBufferView | ArrayBuffer, elementSize: number): void {
  let bytes = bytesOf(value);
  if (BIG_ENDIAN_HOST && elementSize > 1) {
    bytes = bytes.slice();
    for (let i = 0; i < bytes.length; i += elementSize) bytes.subarray(i, i + elementSize).reverse();
  }
  w.uint32(bytes.length);
  w.bytes(bytes);
}

function writeArray(w: CanonicalWriter, value: readonly unknown[], depth: number): void {
  enter(w, value, depth);
  const n = value.length;
  w.head(T_ARRAY, n);
  let i = 0;
  try {
    for (; i < n; i++) writeValue(w, value[i], depth + 1);
  } catch (error) {
    throw faultAt(error, i);
  }
}

function writePlainObject(w: CanonicalWriter, value: Record<string, unknown>, depth: number): void {
  enter(w, value, depth);
  const keys = sortKeys(Object.keys(value));
  w.head(T_OBJECT, keys.length);
  let key = '';
  try {
    for (let i = 0; i < keys.length; i++) {
      key = keys[i]!;
      writeString(w, key);
      writeValue(w, value[key], depth + 1);
    }
  } catch (error) {
    throw faultAt(error, key);
  }
}

/** Sorted by UTF-16 code units, like Array.prototype.sort; insertion sort wins for the usual few keys. */
function sortKeys(keys: string[]): string[] {
  const n = keys.length;
  if (n > 16) return keys.sort();
  for (let i = 1; i < n; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

// Map entries and Set items are encoded apart and sorted by their bytes, so insertion order does not count.
const detachedPool: CanonicalWriter[] = [];
const NO_ANCESTORS: unknown[] = [];

function detachedWriter(w: CanonicalWriter): CanonicalWriter {
  const sub = detachedPool.pop() ?? new CanonicalWriter(true, []);
  sub.ancestors = w.ancestors;
  return sub;
}

function releaseDetached(sub: CanonicalWriter): void {
  sub.pos = 0;
  sub.ancestors = NO_ANCESTORS;
  if (detachedPool.length < 8) detachedPool.push(sub);
}

function writeMap(w: CanonicalWriter, value: Map<unknown, unknown>, depth: number): void {
  enter(w, value, depth);
  const sub = detachedWriter(w);
  try {
    const ends: number[] = [];
    for (const [key, item] of value) {
      try {
        writeValue(sub, key, depth + 1);
      } catch (error) {
        throw faultAt(error, { mapKey: ends.length });
      }
      try {
        writeValue(sub, item, depth + 1);
      } catch (error) {
        throw faultAt(error, { mapValue: key });
      }
      ends.push(sub.pos);
    }
    writeSorted(w, T_MAP, sub.buf, ends);
  } finally {
    releaseDetached(sub);
  }
}

function writeSet(w: CanonicalWriter, value: Set<unknown>, depth: number): void {
  enter(w, value, depth);
  const sub = detachedWriter(w);
  try {
    const ends: number[] = [];
    for (const item of value) {
      try {
        writeValue(sub, item, depth + 1);
      } catch (error) {
        throw faultAt(error, { setItem: ends.length });
      }
      ends.push(sub.pos);
    }
    writeSorted(w, T_SET, sub.buf, ends);
  } finally {
    releaseDetached(sub);
  }
}

/** Writes the parts of `buf` that end at `ends`, ordered by their bytes. */
function writeSorted(w: CanonicalWriter, tag: number, buf: Buffer, ends: readonly number[]): void {
  const n = ends.length;
  const starts = ends.map((_, i) => (i === 0 ? 0 : ends[i - 1]!));
  const order = starts.map((_, i) => i);
  order.sort((a, b) => buf.compare(buf, starts[b], ends[b], starts[a], ends[a]));
  w.head(tag, n);
  for (const i of order) w.bytes(buf.subarray(starts[i], ends[i]));
}

/** Precomputed hashes and `[HASH_METHOD]()` forms; false when the value has neither. */
function writeCustom(w: CanonicalWriter, value: object, depth: number): boolean {
  const carrier = value as { [HASH_OF]?: unknown; [HASH_METHOD]?: unknown };
  const precomputed = carrier[HASH_OF];
  if (typeof precomputed === 'string') {
    w.byte(T_PRECOMPUTED);
    writeString(w, precomputed);
    return true;
  }
  const method = carrier[HASH_METHOD];
  if (typeof method !== 'function') return false;
  enter(w, value, depth);
  let form: unknown;
  try {
    form = method.call(value);
  } catch (error) {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new PathFault(
      `${describeValue(value)} whose [Symbol.for('baton.hash')]() method threw (${text})`,
      'fix the method',
      error,
    );
  }
  const type = typeof form === 'object' && form !== null ? (form as { type?: unknown }).type : undefined;
  if (
    typeof form !== 'object' ||
    form === null ||
    !('data' in form) ||
    (type !== undefined && typeof type !== 'string')
  ) {
    throw new PathFault(
      `${describeValue(value)} whose [Symbol.for('baton.hash')]() method did not return { type, data }`,
      'return { type: string, data: <plain data to hash> }',
    );
  }
  writeForm(w, type ?? '', (form as HashForm).data, depth);
  return true;
}

/** A value of a type registered with a value codec, hashed as `[HASH_METHOD]()` returning its tag and data would be. */
function writeRegistered(w: CanonicalWriter, value: object, depth: number): boolean {
  let form: HashForm | undefined;
  try {
    form = registeredForm(value);
  } catch (error) {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new PathFault(`${describeValue(value)} whose value codec threw (${text})`, 'fix the codec', error);
  }
  if (form === undefined) return false;
  enter(w, value, depth);
  writeForm(w, form.type ?? '', form.data, depth);
  return true;
}

function writeForm(w: CanonicalWriter, type: string, data: unknown, depth: number): void {
  w.byte(T_CUSTOM);
  writeString(w, type);
  writeValue(w, data, depth + 1);
}
