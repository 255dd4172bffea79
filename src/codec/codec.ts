// encodeValue / decodeValue: values as bytes between processes and machines (DESIGN.md section 2).
import { SerializationError } from '../errors.ts';
import { argsFaultToError, faultToError, type ArgumentNames } from '../hash/index.ts';
import { needsRewrite, rewrite } from './prepare.ts';
import { decodeState, mayHoldRenamedKey, packr, restoreProtoKeys } from './wire.ts';

// Reused between calls; a second one serves an encode started from inside a getter or codec.
const seenPool: Set<object>[] = [];
/** Encodes in progress: an encode started from inside another (a getter) leaves msgpackr's buffer alone. */
let packing = 0;
/** Above this, msgpackr's buffer is replaced by a small one after the value is copied out. */
const RETAINED_BUFFER_LIMIT = 4 * 1024 * 1024;

/**
 * Encodes a value for another process or machine, with structured-clone semantics: undefined, -0, NaN,
 * bigint of any size, Date, RegExp, Map, Set, typed arrays, ArrayBuffer, DataView, Error (name, message,
 * stack, cause, own fields), shared references and cycles all come back as they were, and so do values
 * of types registered with registerValueCodec(). Functions, symbols and other class instances throw a
 * SerializationError naming where they sit, under `path`.
 *
 * The result owns its ArrayBuffer, so it may be transferred to a worker.
 */
export function encodeValue(value: unknown, path = ''): Uint8Array {
  return encode(value, path, undefined);
}

/**
 * Encodes a call's argument list as encodeValue does; error paths start with the argument's name
 * (from `names`, else `arg${i}`), e.g. `rows[3].model`.
 */
export function encodeArgs(args: readonly unknown[], names?: ArgumentNames): Uint8Array {
  return encode(args, 'args', names ?? []);
}

function encode(value: unknown, path: string, argNames: ArgumentNames | undefined): Uint8Array {
  let prepared = value;
  const seen = seenPool.pop() ?? new Set<object>();
  try {
    if (needsRewrite(value, seen)) prepared = rewrite(value, new Map());
  } catch (error) {
    throw argNames === undefined
      ? faultToError(error, 'encode', path)
      : argsFaultToError(error, 'encode', argNames);
  } finally {
    seen.clear();
    seenPool.push(seen);
  }
  let packed: Uint8Array;
  packing++;
  try {
    packed = packr.pack(prepared);
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    throw new SerializationError(`cannot encode ${path || 'the value'}: ${text}`, path, { cause: error });
  } finally {
    packing--;
  }
  // msgpackr returns a view into a buffer it keeps writing to; the copy is ours alone (and off the V8 heap,
  // so that decoding it does not have to move it there first).
  const out = Buffer.allocUnsafeSlow(packed.length);
  out.set(packed);
  // msgpackr keeps its buffer at the largest size it ever needed: one huge value must not pin that.
  if (packing === 0 && packed.length > RETAINED_BUFFER_LIMIT) packr.useBuffer(Buffer.allocUnsafeSlow(8192));
  return out;
}

/**
 * Decodes bytes written by encodeValue. Never runs code from the bytes and never sets a prototype: a
 * `__proto__` key comes back as an own property. Buffers come back as Buffers and Uint8Arrays as
 * Uint8Arrays, in memory of their own. Damaged bytes throw a SerializationError.
 */
export function decodeValue(bytes: Uint8Array): unknown {
  if (!(bytes instanceof Uint8Array)) {
    throw new SerializationError('cannot decode the value: decodeValue expects a Uint8Array', '');
  }
  // A Buffer source makes msgpackr decode binary data as Buffers, whatever the caller passed.
  const view = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const outerExact = decodeState.exact;
  const outerPending = decodeState.pending;
  decodeState.exact = null;
  decodeState.pending = null;
  try {
    let value: unknown;
    try {
      value = packr.unpack(view);
    } catch (error) {
      if (error instanceof SerializationError) throw error;
      const text = error instanceof Error ? error.message : String(error);
      throw new SerializationError(
        `cannot decode the value: the bytes are damaged or were not written by encodeValue (${text})`,
        '',
        { cause: error },
      );
    }
    // Set by readTagged while msgpackr ran (narrowing does not see that).
    const pending = decodeState.pending as Array<[object, unknown]> | null;
    for (const [object, item] of pending ?? []) {
      Object.defineProperty(object, '__proto__', {
        value: item,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    if (mayHoldRenamedKey(view)) restoreProtoKeys(value, decodeState.exact, new Set());
    return value;
  } finally {
    decodeState.exact = outerExact;
    decodeState.pending = outerPending;
  }
}
