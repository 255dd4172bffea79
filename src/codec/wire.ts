// The wire format: msgpack via msgpackr with structured-clone extensions (shared references, cycles,
// Map, Set, Date, RegExp, typed arrays, bigint of any size), plus one extension of Baton's own.
import { Packr, addExtension } from 'msgpackr';
import { SerializationError } from '../errors.ts';
import { TYPED_ARRAY_CONSTRUCTORS, isErrorValue } from '../hash/index.ts';
import { defineOwn, errorFromParts } from './error-parts.ts';
import { codecByTag } from './registry.ts';

/**
 * The msgpack extension type of Baton's own values (msgpackr leaves 1–100 to applications). Its data is
 * an array whose first item is one of the K_ kinds below.
 */
export const EXTENSION_TYPE = 43;

export const K_NEG_ZERO = 0;
/** [kind, name, message, stack, hasCause, cause, props, errors] */
export const K_ERROR = 1;
/** [kind, tag, data] */
export const K_CODEC = 2;
/** [kind, key, value, key, value, ...]: an object whose keys msgpackr records could not carry exactly */
export const K_OBJECT = 3;
/** [kind, bytes]: msgpackr has no code for Float16Array */
export const K_FLOAT16 = 4;
/** [kind, UTF-16LE bytes]: a string with lone surrogates, which msgpack's UTF-8 strings cannot hold */
export const K_STRING16 = 5;

/** A value msgpackr would get wrong, replaced by the parts of Baton's extension. */
export class Tagged {
  readonly parts: unknown[];
  constructor(parts: unknown[]) {
    this.parts = parts;
  }
}

/**
 * Decoding state shared by every copy of this module in the process, since msgpackr keeps one reader per
 * extension type and the last copy to register it decodes for all.
 */
interface DecodeState {
  /** Objects decoded from K_OBJECT: their `__proto_` keys are real. */
  exact: WeakSet<object> | null;
  /** `__proto__` keys of K_OBJECT values, defined once msgpackr is done (its cycle handling copies with assignment). */
  pending: Array<[object, unknown]> | null;
}
const STATE_KEY = Symbol.for('baton.codec.decode-state');
const holder = globalThis as unknown as Record<symbol, DecodeState | undefined>;
export const decodeState: DecodeState = (holder[STATE_KEY] ??= { exact: null, pending: null });

/** structuredClone for references, cycles and built-in types; records keep Map and plain objects apart. */
export const packr = new Packr({
  structuredClone: true,
  useRecords: true,
  // Decoded Buffers must not share memory with the bytes they came from.
  copyBuffers: true,
  bundleStrings: false,
  largeBigIntToFloat: false,
  largeBigIntToString: false,
  encodeUndefinedAsNil: false,
  int64AsType: 'bigint',
  useToJSON: false,
});

addExtension({
  Class: Tagged,
  type: EXTENSION_TYPE,
  write: (tagged: Tagged) => tagged.parts,
  read: readTagged,
});

function corrupt(what: string): SerializationError {
  return new SerializationError(
    `cannot decode the value: ${what}; the bytes are damaged or were not written by encodeValue`,
    '',
  );
}

function readTagged(parts: unknown): unknown {
  if (!Array.isArray(parts)) throw corrupt('a Baton extension without its parts');
  switch (parts[0]) {
    case K_NEG_ZERO:
      return -0;
    case K_ERROR:
      return errorFromParts({
        name: String(parts[1]),
        message: String(parts[2]),
        stack: typeof parts[3] === 'string' ? parts[3] : undefined,
        hasCause: parts[4] === true,
        cause: parts[5],
        props: typeof parts[6] === 'object' && parts[6] !== null ? (parts[6] as Record<string, unknown>) : {},
        errors: Array.isArray(parts[7]) ? (parts[7] as unknown[]) : undefined,
      });
    case K_CODEC:
      return readCodecValue(parts[1], parts[2]);
    case K_OBJECT:
      return readExactObject(parts);
    case K_FLOAT16: {
      const Float16 = TYPED_ARRAY_CONSTRUCTORS[11];
      if (!(parts[1] instanceof Uint8Array)) throw corrupt('a Float16Array without bytes');
      if (!Float16)
        throw new SerializationError('cannot decode a Float16Array: this Node.js has no Float16Array', '');
      return new Float16(parts[1].slice().buffer);
    }
    case K_STRING16: {
      const units = parts[1];
      if (!(units instanceof Uint8Array)) throw corrupt('a string without its bytes');
      return Buffer.from(units.buffer, units.byteOffset, units.byteLength).toString('utf16le');
    }
    default:
      throw corrupt(`an unknown kind of Baton extension (${String(parts[0])})`);
  }
}

function readCodecValue(tag: unknown, data: unknown): unknown {
  if (typeof tag !== 'string') throw corrupt('a codec value without a tag');
  const codec = codecByTag(tag);
  if (!codec) {
    throw new SerializationError(
      `cannot decode a value of type "${tag}": no codec is registered for that tag in this process`,
      '',
      { hint: 'import the module that calls registerValueCodec() for it before decoding' },
    );
  }
  try {
    return codec.fromData(data);
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    throw new SerializationError(
      `cannot decode a value of type "${tag}": its codec failed in fromData (${text})`,
      '',
      {
        cause: error,
      },
    );
  }
}

function readExactObject(parts: unknown[]): object {
  const object = {};
  for (let i = 1; i + 1 < parts.length; i += 2) {
    const key = parts[i];
    if (typeof key !== 'string') throw corrupt('an object key that is not a string');
    if (key === '__proto__') (decodeState.pending ??= []).push([object, parts[i + 1]]);
    else defineOwn(object, key, parts[i + 1]);
  }
  (decodeState.exact ??= new WeakSet()).add(object);
  return object;
}

/** Bytes of the key msgpackr's decoder writes instead of `__proto__`. */
const RENAMED_PROTO_KEY = Buffer.from('__proto_');

/** Whether the bytes contain `__proto_`; a loop beats the native call for small payloads. */
export function mayHoldRenamedKey(bytes: Buffer): boolean {
  const n = bytes.length - RENAMED_PROTO_KEY.length;
  if (n > 256) return bytes.indexOf(RENAMED_PROTO_KEY) !== -1;
  for (let i = 0; i <= n; i++) {
    if (bytes[i] !== 0x5f || bytes[i + 1] !== 0x5f) continue;
    let j = 2;
    while (j < RENAMED_PROTO_KEY.length && bytes[i + j] === RENAMED_PROTO_KEY[j]) j++;
    if (j === RENAMED_PROTO_KEY.length) return true;
  }
  return false;
}

/**
 * msgpackr decodes a record key `__proto__` as `__proto_` so it cannot set a prototype. Put it back as an
 * own property named `__proto__`, except on K_OBJECT objects, whose `__proto_` keys are real.
 */
export function restoreProtoKeys(value: unknown, exact: WeakSet<object> | null, seen: Set<object>): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    for (const item of value) restoreProtoKeys(item, exact, seen);
    return;
  }
  if (value instanceof Map) {
    for (const [key, item] of value) {
      restoreProtoKeys(key, exact, seen);
      restoreProtoKeys(item, exact, seen);
    }
    return;
  }
  if (value instanceof Set) {
    for (const item of value) restoreProtoKeys(item, exact, seen);
    return;
  }
  const isError = isErrorValue(value);
  if (!isError && Object.getPrototypeOf(value) !== Object.prototype) return;
  const record = value as Record<string, unknown>;
  if (!exact?.has(value) && Object.hasOwn(value, '__proto_')) {
    const moved = record['__proto_'];
    delete record['__proto_'];
    defineOwn(value, '__proto__', moved);
  }
  for (const key of Object.keys(value)) restoreProtoKeys(record[key], exact, seen);
  if (isError) {
    restoreProtoKeys((value as Error).cause, exact, seen);
    restoreProtoKeys((value as { errors?: unknown }).errors, exact, seen);
  }
}
